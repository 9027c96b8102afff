package org.referralmonitor.app.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeliveriesTest {

    @Test
    void theWaitBeforeARetryDoublesUpToAnHour() {
        Duration first = Duration.ofMinutes(1);

        assertThat(Deliveries.retryDelay(first, 1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(Deliveries.retryDelay(first, 2)).isEqualTo(Duration.ofMinutes(2));
        assertThat(Deliveries.retryDelay(first, 4)).isEqualTo(Duration.ofMinutes(8));
        assertThat(Deliveries.retryDelay(first, 7)).isEqualTo(Duration.ofHours(1));
        assertThat(Deliveries.retryDelay(first, 50)).isEqualTo(Duration.ofHours(1));
        assertThat(Deliveries.retryDelay(Duration.ofHours(2), 1)).as("never above an hour").isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anErrorIsKeptToWhatItsColumnHolds() {
        assertThat(Deliveries.shorten("x".repeat(1200))).hasSize(1000).endsWith("...");
        assertThat(Deliveries.shorten("short")).isEqualTo("short");
        assertThat(Deliveries.shorten(null)).isNull();
    }
}
