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
    void pastDatesMeanNoWaitAndGarbageMeansUnknown() {
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", null, NOW)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", null, NOW)).isNull();
        assertThat(RetryAfter.parse(null, null, NOW)).isNull();
        assertThat(RetryAfter.parse("99999999999999999999999", null, NOW)).isNull();
    }
}
