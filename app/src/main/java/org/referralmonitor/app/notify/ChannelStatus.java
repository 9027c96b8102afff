package org.referralmonitor.app.notify;

import java.time.OffsetDateTime;

/**
 * A channel and how its messages fare.
 *
 * @param pending message parts owed and not sent yet (being retried, when {@code lastError} is newer
 *     than {@code lastSentAt})
 * @param failed parts given up on after the configured attempts: shown until retried
 * @param lastError why the last send failed (never the webhook's URL)
 */
public record ChannelStatus(NotificationChannel channel, int pending, int sent, int failed, int skipped,
        OffsetDateTime lastSentAt, String lastError, OffsetDateTime lastErrorAt) {

    /**
     * OK, FAILING (the last send failed, also when another part went out in the same pass, or parts
     * were given up on) or IDLE (nothing sent yet).
     */
    public String health() {
        if (failed > 0 || (lastErrorAt != null && (lastSentAt == null || !lastErrorAt.isBefore(lastSentAt)))) {
            return "FAILING";
        }
        return lastSentAt == null ? "IDLE" : "OK";
    }
}
