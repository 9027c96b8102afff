package org.referralmonitor.app.notify;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The outbox: every message part owed to a channel (an alert as opened, a day's outreach digest, a
 * month's summary),
 * kept until it is sent, skipped because it no longer applies, or given up on after the configured
 * attempts (then shown as failed until retried). Set-based: one statement finds every new alert of
 * every channel.
 */
@Repository
class Deliveries {

    /**
     * A part owed to a channel: an alert ({@code alertId}), a day's digest ({@code digestDay}) or a
     * month's summary ({@code summaryMonth}, its first day).
     */
    record Owed(long id, String channelId, Long alertId, LocalDate digestDay, LocalDate summaryMonth, int attempts) {
    }

    static final Duration MAX_RETRY_DELAY = Duration.ofHours(1);

    /**
     * Alerts owed to channels: open (not acknowledged, not resolved), of the channel's clinic and kinds,
     * opened since the channel took them ({@code alerts_since}: created, enabled again, or given other kinds
     * or clinic; older alerts are on the dashboard), and not owed to it before as opened then. An alert reopened is
     * owed again; one whose numbers were only refreshed is not.
     */
    private static final String ENQUEUE_ALERTS = """
            INSERT INTO notification (channel_id, alert_id, alert_opened_at, status, attempts, next_attempt_at,
                                      created_at)
            SELECT c.id, a.id, a.opened_at, 'PENDING', 0, :now, :now
            FROM notification_channel c
            JOIN alert a ON a.clinic_id = c.clinic_id AND a.status = 'OPEN' AND a.opened_at >= c.alerts_since
            WHERE c.enabled
              AND ((a.kind = 'FEED' AND c.feed_alerts) OR (a.kind <> 'FEED' AND c.source_alerts))
              AND NOT EXISTS (SELECT 1 FROM notification n
                              WHERE n.channel_id = c.id AND n.alert_id = a.id AND n.alert_opened_at = a.opened_at)
            """;

    private final JdbcClient jdbc;

    Deliveries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the parts owed for alerts opened since the last look; how many. */
    int enqueueAlerts(OffsetDateTime now) {
        return jdbc.sql(ENQUEUE_ALERTS).param("now", now).update();
    }

    /** Records a day's digest as owed to the channel, once; false when it was already. */
    boolean enqueueDigest(String channelId, LocalDate day, OffsetDateTime now) {
        return jdbc.sql("""
                INSERT INTO notification (channel_id, digest_day, status, attempts, next_attempt_at, created_at)
                SELECT :channel, :day, 'PENDING', 0, :now, :now FROM notification_channel c
                WHERE c.id = :channel
                  AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.channel_id = :channel AND n.digest_day = :day)
                """).param("channel", channelId).param("day", day).param("now", now).update() > 0;
    }

    /** Whether the month's summary was owed to the channel already (sent, waiting, failed or skipped). */
    boolean summaryOwed(String channelId, LocalDate month) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE channel_id = :channel AND summary_month = :month")
                .param("channel", channelId).param("month", month).query(Integer.class).single() > 0;
    }

    /** The newest month whose summary was owed to the channel, whatever became of it; empty when none was. */
    Optional<LocalDate> lastSummaryMonth(String channelId) {
        return jdbc.sql("SELECT MAX(summary_month) FROM notification WHERE channel_id = :channel")
                .param("channel", channelId).query(LocalDate.class).optional();
    }

    /** Records a month's summary as owed to the channel, once; false when it was already. */
    boolean enqueueSummary(String channelId, LocalDate month, OffsetDateTime now) {
        return jdbc.sql("""
                INSERT INTO notification (channel_id, summary_month, status, attempts, next_attempt_at, created_at)
                SELECT :channel, :month, 'PENDING', 0, :now, :now FROM notification_channel c
                WHERE c.id = :channel
                  AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.channel_id = :channel AND n.summary_month = :month)
                """).param("channel", channelId).param("month", month).param("now", now).update() > 0;
    }

    /** Parts due now on enabled channels, by channel and in the order they were owed. */
    List<Owed> due(OffsetDateTime now, int limit) {
        return jdbc.sql("""
                SELECT n.id, n.channel_id, n.alert_id, n.digest_day, n.summary_month, n.attempts
                FROM notification n JOIN notification_channel c ON c.id = n.channel_id
                WHERE n.status = 'PENDING' AND n.next_attempt_at <= :now AND c.enabled
                ORDER BY n.channel_id, n.id
                FETCH FIRST :limit ROWS ONLY
                """).param("now", now).param("limit", limit)
                .query((rs, row) -> new Owed(rs.getLong("id"), rs.getString("channel_id"),
                        (Long) rs.getObject("alert_id", Long.class), rs.getObject("digest_day", LocalDate.class),
                        rs.getObject("summary_month", LocalDate.class),
                        rs.getInt("attempts"))).list();
    }

    void sent(List<Owed> parts, OffsetDateTime at) {
        jdbc.sql("""
                UPDATE notification SET status = 'SENT', attempts = attempts + 1, sent_at = :at, last_error = NULL
                WHERE id IN (:ids) AND status = 'PENDING'
                """).param("at", at).param("ids", ids(parts)).update();
    }

    /** Parts that no longer apply (the alert was acknowledged or resolved first; nobody is due). */
    void skipped(List<Owed> parts, String reason) {
        jdbc.sql("UPDATE notification SET status = 'SKIPPED', last_error = :reason WHERE id IN (:ids) AND status = 'PENDING'")
                .param("reason", shorten(reason)).param("ids", ids(parts)).update();
    }

    /**
     * A failed attempt: retried after {@code retryDelay} doubled per attempt made (at most an hour), or,
     * after {@code maxAttempts}, marked FAILED. One statement per number of attempts made so far (parts
     * of one message have mostly made the same).
     */
    void failed(List<Owed> parts, String error, OffsetDateTime now, int maxAttempts, Duration retryDelay) {
        parts.stream().collect(Collectors.groupingBy(Owed::attempts)).forEach((made, same) -> {
            int attempts = made + 1;
            jdbc.sql("""
                    UPDATE notification SET attempts = :attempts, last_error = :error, next_attempt_at = :next,
                           status = :status
                    WHERE id IN (:ids) AND status = 'PENDING'
                    """).param("attempts", attempts).param("error", shorten(error))
                    .param("next", now.plus(retryDelay(retryDelay, attempts)))
                    .param("status", attempts >= maxAttempts ? "FAILED" : "PENDING").param("ids", ids(same)).update();
        });
    }

    private static List<Long> ids(List<Owed> parts) {
        return parts.stream().map(Owed::id).toList();
    }

    /** Owes the channel's failed parts again, from now; how many. */
    int retryFailed(String channelId, OffsetDateTime now) {
        return jdbc.sql("""
                UPDATE notification SET status = 'PENDING', attempts = 0, next_attempt_at = :now
                WHERE channel_id = :channel AND status = 'FAILED'
                """).param("now", now).param("channel", channelId).update();
    }

    /** The wait after the n-th failed attempt: the first delay doubled n - 1 times, at most an hour. */
    static Duration retryDelay(Duration first, int attempts) {
        Duration delay = first;
        for (int i = 1; i < attempts && delay.compareTo(MAX_RETRY_DELAY) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    static String shorten(String text) {
        return text == null || text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }
}
