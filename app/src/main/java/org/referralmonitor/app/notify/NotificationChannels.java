package org.referralmonitor.app.notify;

import jakarta.annotation.PostConstruct;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The notification channels: those of {@code config/application.yml}, recorded at start-up, and those
 * an administrator keeps through the API or the dashboard. A channel no longer in the configuration is
 * disabled with its history and becomes an administrator's to remove; its unsent messages are dropped.
 */
@Repository
// records the configured channels (and drops unsent parts) at start: only in the process that runs the jobs
@DependsOn("instanceLease")
public class NotificationChannels {

    private static final Logger log = LoggerFactory.getLogger(NotificationChannels.class);

    /** Channels defined by configuration: changed only there. */
    public static final String ORIGIN_CONFIG = "CONFIG";
    /** Channels kept through the API or the dashboard. */
    public static final String ORIGIN_API = "API";

    static final int MAX_ADDRESSES = 20;

    /** What url-ref must be, and what to do when all one has is the URL. */
    static final String URL_REF_HELP = "url-ref (webhook URL from) must say where the webhook's URL is kept, as "
            + "env:VARIABLE or file:/absolute/path, never the URL itself: it carries a token, so it is a secret. "
            + "Ask whoever runs the monitor to store the URL in an environment variable or a file, then name it here";
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s,;<>\"]+@[^@\\s,;<>\"]+");

    private static final String SELECT = """
            SELECT id, clinic_id, kind, email_to, url_ref, source_alerts, feed_alerts, outreach_digest,
                   monthly_summary, enabled, origin, created_at
            FROM notification_channel
            """;

    private final JdbcClient jdbc;
    private final EndpointDirectory directory;
    private final AppProperties properties;
    private final TransactionTemplate tx;
    private final Clock clock;
    /** Where the URLs of webhooks entered at run time may be. */
    private final IngestProperties.EnteredSecrets enteredSecrets;

    NotificationChannels(JdbcClient jdbc, EndpointDirectory directory, AppProperties properties, TransactionTemplate tx,
            Optional<Clock> clock, IngestProperties ingest) {
        this.enteredSecrets = ingest.enteredSecrets();
        this.jdbc = jdbc;
        this.directory = directory;
        this.properties = properties;
        this.tx = tx;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @PostConstruct
    void registerConfigured() {
        List<NotificationChannel> configured = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (AppProperties.Channel c : properties.notifications().channels()) {
            String where = "referral-monitor.app.notifications.channels[id=" + c.id() + "]";
            if (!ids.add(c.id())) {
                throw new IllegalStateException(where + ": the channel id '" + c.id() + "' is defined twice");
            }
            try {
                configured.add(check(new NotificationChannel(c.id(), c.clinic(), c.kind(), c.to(), c.urlRef(),
                        c.sourceAlerts(), c.feedAlerts(), c.outreachDigest(), c.monthlySummary(), c.enabled(),
                        ORIGIN_CONFIG, null)));
            } catch (InvalidChannelException e) {
                throw new IllegalStateException(where + ": " + e.getMessage(), e);
            }
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        tx.executeWithoutResult(status -> {
            configured.forEach(c -> {
                find(c.id()).filter(old -> ORIGIN_API.equals(old.origin())).ifPresent(old -> log.warn(
                        "Notification channel {} kept through the API is taken over by the configuration", old.id()));
                upsert(c, now);
            });
            List<String> kept = ids.isEmpty() ? List.of("") : List.copyOf(ids);
            int skipped = jdbc.sql("""
                    UPDATE notification SET status = 'SKIPPED', last_error = 'the channel was removed from the configuration'
                    WHERE status IN ('PENDING', 'FAILED') AND channel_id IN (
                        SELECT id FROM notification_channel WHERE origin = 'CONFIG' AND id NOT IN (:ids))
                    """).param("ids", kept).update();
            int removed = jdbc.sql("""
                    UPDATE notification_channel SET enabled = FALSE, origin = 'API', updated_at = :now
                    WHERE origin = 'CONFIG' AND id NOT IN (:ids)
                    """).param("now", now).param("ids", kept).update();
            if (removed > 0) {
                log.info("{} notification channel(s) no longer in the configuration disabled ({} unsent message "
                        + "part(s) dropped); administrators can remove them", removed, skipped);
            }
        });
        if (!configured.isEmpty()) {
            log.info("Registered {} notification channel(s) from the configuration", configured.size());
        }
    }

    /** The channels, of one clinic or (null) all, by id. */
    public List<NotificationChannel> list(String clinicId) {
        return jdbc.sql(SELECT + " WHERE CAST(:clinic AS VARCHAR(64)) IS NULL OR clinic_id = :clinic ORDER BY id")
                .param("clinic", clinicId).query(NotificationChannels::channel).list();
    }

    public Optional<NotificationChannel> find(String id) {
        return jdbc.sql(SELECT + " WHERE id = :id").param("id", id).query(NotificationChannels::channel).optional();
    }

    /**
     * Keeps a channel an administrator asked for (origin API), new or replacing one kept before;
     * channels of the configuration are changed there.
     *
     * @throws InvalidChannelException saying what is wrong and where
     */
    public NotificationChannel save(NotificationChannel channel) {
        NotificationChannel checked = check(new NotificationChannel(channel.id(), channel.clinicId(), channel.kind(),
                channel.to(), channel.urlRef(), channel.sourceAlerts(), channel.feedAlerts(), channel.outreachDigest(),
                channel.monthlySummary(), channel.enabled(), ORIGIN_API, null));
        refuseConfigured(checked.id());
        upsert(checked, OffsetDateTime.now(clock));
        return find(checked.id()).orElseThrow();
    }

    /** Removes a channel kept through the API, with its messages; false when there is none. */
    public boolean delete(String id) {
        refuseConfigured(id);
        return jdbc.sql("DELETE FROM notification_channel WHERE id = :id").param("id", id).update() > 0;
    }

    /** Each channel of the clinic (null: all) with how its messages fare. */
    public List<ChannelStatus> statuses(String clinicId) {
        return statuses(clinicId, null);
    }

    /** One channel with how its messages fare. */
    public Optional<ChannelStatus> status(String id) {
        return statuses(null, id).stream().findFirst();
    }

    private List<ChannelStatus> statuses(String clinicId, String id) {
        return jdbc.sql("""
                SELECT c.id, c.clinic_id, c.kind, c.email_to, c.url_ref, c.source_alerts, c.feed_alerts,
                       c.outreach_digest, c.monthly_summary, c.enabled, c.origin, c.created_at, c.last_sent_at,
                       c.last_error, c.last_error_at,
                       COUNT(CASE WHEN n.status = 'PENDING' THEN 1 END) AS pending,
                       COUNT(CASE WHEN n.status = 'SENT' THEN 1 END) AS sent,
                       COUNT(CASE WHEN n.status = 'FAILED' THEN 1 END) AS failed,
                       COUNT(CASE WHEN n.status = 'SKIPPED' THEN 1 END) AS skipped
                FROM notification_channel c
                LEFT JOIN notification n ON n.channel_id = c.id
                WHERE (CAST(:clinic AS VARCHAR(64)) IS NULL OR c.clinic_id = :clinic)
                  AND (CAST(:id AS VARCHAR(64)) IS NULL OR c.id = :id)
                GROUP BY c.id, c.clinic_id, c.kind, c.email_to, c.url_ref, c.source_alerts, c.feed_alerts,
                         c.outreach_digest, c.monthly_summary, c.enabled, c.origin, c.created_at, c.last_sent_at,
                         c.last_error, c.last_error_at
                ORDER BY c.id
                """).param("clinic", clinicId).param("id", id).query((rs, n) -> new ChannelStatus(channel(rs, n), rs.getInt("pending"),
                        rs.getInt("sent"), rs.getInt("failed"), rs.getInt("skipped"),
                        rs.getObject("last_sent_at", OffsetDateTime.class), rs.getString("last_error"),
                        rs.getObject("last_error_at", OffsetDateTime.class))).list();
    }

    void recordSent(String id, OffsetDateTime at) {
        jdbc.sql("UPDATE notification_channel SET last_sent_at = :at WHERE id = :id").param("at", at).param("id", id)
                .update();
    }

    void recordError(String id, String error, OffsetDateTime at) {
        jdbc.sql("UPDATE notification_channel SET last_error = :error, last_error_at = :at WHERE id = :id")
                .param("error", Deliveries.shorten(error)).param("at", at).param("id", id).update();
    }

    private void refuseConfigured(String id) {
        find(id).filter(c -> ORIGIN_CONFIG.equals(c.origin())).ifPresent(c -> {
            throw new InvalidChannelException("the channel '" + id + "' is defined in config/application.yml "
                    + "(referral-monitor.app.notifications.channels); change or remove it there");
        });
    }

    /** The channel with its kind in upper case, or why it cannot be kept. */
    NotificationChannel check(NotificationChannel c) {
        if (c.id() == null || !c.id().matches(IngestProperties.ID_PATTERN)) {
            throw new InvalidChannelException("id '" + c.id() + "' must be lower-case letters, digits and dashes "
                    + "(at most 64)");
        }
        if (c.clinicId() == null || directory.clinic(c.clinicId()).isEmpty()) {
            throw new InvalidChannelException("clinic '" + c.clinicId() + "' is not defined (defined: "
                    + directory.clinics().stream().map(x -> x.id()).toList() + ")");
        }
        String kind = c.kind() == null ? "" : c.kind().strip().toUpperCase(Locale.ROOT);
        List<String> to = c.to() == null ? List.of() : c.to().stream().map(String::strip).filter(s -> !s.isEmpty())
                .toList();
        String urlRef = c.urlRef() == null || c.urlRef().isBlank() ? null : c.urlRef().strip();
        switch (kind) {
            case NotificationChannel.EMAIL -> {
                if (to.isEmpty() || to.size() > MAX_ADDRESSES) {
                    throw new InvalidChannelException("to: an email channel needs 1 to " + MAX_ADDRESSES
                            + " addresses; got " + to.size());
                }
                for (String address : to) {
                    if (!ADDRESS.matcher(address).matches()) {
                        throw new InvalidChannelException("to: '" + address + "' is not an e-mail address");
                    }
                }
                if (String.join(",", to).length() > 1000) {
                    throw new InvalidChannelException("to: the addresses are longer than 1000 characters together");
                }
                if (urlRef != null) {
                    throw new InvalidChannelException("url-ref (webhook URL from) is for webhook channels; an e-mail "
                            + "channel has to (e-mail addresses)");
                }
            }
            case NotificationChannel.WEBHOOK -> {
                if (urlRef == null) {
                    throw new InvalidChannelException(URL_REF_HELP);
                }
                try {
                    SecretRefs.check(urlRef, "url-ref");
                } catch (IllegalArgumentException e) {
                    throw new InvalidChannelException(URL_REF_HELP);
                }
                if (ORIGIN_API.equals(c.origin())) {
                    try {
                        enteredSecrets.check(urlRef, "url-ref");
                    } catch (IllegalArgumentException e) {
                        throw new InvalidChannelException(e.getMessage());
                    }
                }
                if (!to.isEmpty()) {
                    throw new InvalidChannelException("to (e-mail addresses) is for e-mail channels; a webhook "
                            + "channel has url-ref");
                }
            }
            default -> throw new InvalidChannelException("kind '" + c.kind() + "' must be email or webhook");
        }
        if (!c.sourceAlerts() && !c.feedAlerts() && !c.outreachDigest() && !c.monthlySummary()) {
            throw new InvalidChannelException("the channel sends nothing: choose at least one of source-alerts, "
                    + "feed-alerts, outreach-digest and monthly-summary");
        }
        return new NotificationChannel(c.id(), c.clinicId(), kind, to, urlRef, c.sourceAlerts(), c.feedAlerts(),
                c.outreachDigest(), c.monthlySummary(), c.enabled(), c.origin(), c.createdAt());
    }

    private void upsert(NotificationChannel c, OffsetDateTime now) {
        String to = c.to().isEmpty() ? null : String.join(",", c.to());
        int updated = jdbc.sql("""
                UPDATE notification_channel SET
                       alerts_since = CASE WHEN clinic_id <> :clinic OR source_alerts <> :sourceAlerts
                                                OR feed_alerts <> :feedAlerts OR (:enabled AND NOT enabled)
                                           THEN :now ELSE alerts_since END,
                       clinic_id = :clinic, kind = :kind, email_to = :to, url_ref = :urlRef,
                       source_alerts = :sourceAlerts, feed_alerts = :feedAlerts, outreach_digest = :digest,
                       monthly_summary = :summary, enabled = :enabled, origin = :origin, updated_at = :now
                WHERE id = :id
                """).param("id", c.id()).param("clinic", c.clinicId()).param("kind", c.kind()).param("to", to)
                .param("urlRef", c.urlRef()).param("sourceAlerts", c.sourceAlerts()).param("feedAlerts", c.feedAlerts())
                .param("digest", c.outreachDigest()).param("summary", c.monthlySummary()).param("enabled", c.enabled())
                .param("origin", c.origin()).param("now", now).update();
        if (updated == 0) {
            jdbc.sql("""
                    INSERT INTO notification_channel (id, clinic_id, kind, email_to, url_ref, source_alerts, feed_alerts,
                                                      outreach_digest, monthly_summary, enabled, origin, created_at,
                                                      updated_at, alerts_since)
                    VALUES (:id, :clinic, :kind, :to, :urlRef, :sourceAlerts, :feedAlerts, :digest, :summary, :enabled,
                            :origin, :now, :now, :now)
                    """).param("id", c.id()).param("clinic", c.clinicId()).param("kind", c.kind()).param("to", to)
                    .param("urlRef", c.urlRef()).param("sourceAlerts", c.sourceAlerts())
                    .param("feedAlerts", c.feedAlerts()).param("digest", c.outreachDigest())
                    .param("summary", c.monthlySummary())
                    .param("enabled", c.enabled()).param("origin", c.origin()).param("now", now).update();
        }
    }

    private static NotificationChannel channel(ResultSet rs, int row) throws SQLException {
        String to = rs.getString("email_to");
        return new NotificationChannel(rs.getString("id"), rs.getString("clinic_id"), rs.getString("kind"),
                to == null ? List.of() : Arrays.asList(to.split(",")), rs.getString("url_ref"),
                rs.getBoolean("source_alerts"), rs.getBoolean("feed_alerts"), rs.getBoolean("outreach_digest"),
                rs.getBoolean("monthly_summary"), rs.getBoolean("enabled"), rs.getString("origin"), rs.getObject("created_at", OffsetDateTime.class));
    }
}
