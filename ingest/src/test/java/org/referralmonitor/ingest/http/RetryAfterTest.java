package org.referralmonitor.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void readsDelaySeconds() {
        assertThat(RetryAfter.parse("120", null, NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", null, NOW)).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsAnHttpDateAgainstTheServersDateHeader() {
        // the server's clock is 3 minutes ahead of ours; it asks for 30 s on its clock
        String serverDate = "Mon, 23 Nov 2026 10:03:00 GMT";
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:03:30 GMT", serverDate, NOW)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void withoutDateHeaderUsesOurClock() {
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:01:00 GMT", null, NOW)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void readsTheObsoleteHttpDateFormsEveryRecipientMustAccept() {
        // RFC 9110, 5.6.7: IMF-fixdate, RFC 850 (two-digit year) and asctime (space-padded day)
        assertThat(RetryAfter.parse("Monday, 23-Nov-26 10:01:00 GMT", null, NOW)).isEqualTo(Duration.ofMinutes(1));
        assertThat(RetryAfter.parse("Mon Nov 23 10:01:00 2026", null, NOW)).isEqualTo(Duration.ofMinutes(1));
        assertThat(RetryAfter.parse("Tue Dec  1 10:00:00 2026", null, NOW)).isEqualTo(Duration.ofDays(8));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:00:30 GMT", "Monday, 23-Nov-26 10:00:00 GMT", NOW))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Mon Nov 23 10:00:20 2026", "Mon Nov 23 10:00:00 2026", NOW))
                .isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void pastDatesMeanNoWaitAndGarbageMeansUnknown() {
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", null, NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", null, NOW)).isNull();
        assertThat(RetryAfter.parse(null, null, NOW)).isNull();
        assertThat(RetryAfter.parse("99999999999999999999999", null, NOW)).isNull();
    }
}
