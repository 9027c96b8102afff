package org.referralmonitor.app.notify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntBiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.outreach.OutreachDue;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Sends what is owed to each channel. Every {@code dispatch-interval} it records the alerts opened
 * since its last look (set-based, in the outbox, so a stop loses none) and sends what is due, a
 * channel's alerts as one message (up to {@value #ALERTS_PER_MESSAGE} each); a failed send is retried
 * with doubling waits and, after {@code max-attempts}, shown as failed until an administrator retries
 * it. One channel failing, for whatever reason, never keeps the others from being served. From
 * {@code digest-time} on {@code digest-days} (each clinic's own time) it owes each digest channel the
 * day's list of practices due for outreach, once, when any is due. Each summary channel is owed its
 * clinic's newest final month once, when that month's figures have been computed as final and no
 * run of the clinic is under way (a new channel gets the newest final month at once; a month that
 * was never the newest final one with its figures ready, as when the monitor was down for longer
 * than a month, is not sent).
 */
@Service
public class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

    /** Parts sent per pass at most; the rest wait for the next pass. */
    static final int BATCH = 500;

    /** Months of summaries a channel gets at most after the monitor was stopped: the last three. */
    static final int SUMMARY_CATCH_UP_MONTHS = 3;
    /** Alerts listed in one message at most, so a chat tool takes it whole; more go in further messages. */
    static final int ALERTS_PER_MESSAGE = 25;

    private final NotificationChannels channels;
    private final Deliveries deliveries;
    private final Alerts alerts;
    private final OutreachLog outreach;
    private final SourceReport report;
    private final MonthlyMetricsRunner runner;
    private final EndpointDirectory directory;
    private final Map<String, Sender> senders;
    private final AppProperties.Notifications properties;
    private final LocalTime digestTime;
    private final Clock clock;

    NotificationDispatcher(NotificationChannels channels, Deliveries deliveries, Alerts alerts, OutreachLog outreach,
            SourceReport report, MonthlyMetricsRunner runner, EndpointDirectory directory, List<Sender> senders,
            AppProperties properties, Optional<Clock> clock) {
        this.channels = channels;
        this.deliveries = deliveries;
        this.alerts = alerts;
        this.outreach = outreach;
        this.report = report;
        this.runner = runner;
        this.directory = directory;
        this.senders = senders.stream().collect(Collectors.toMap(Sender::kind, Function.identity()));
        this.properties = properties.notifications();
        this.digestTime = LocalTime.parse(this.properties.digestTime());
        this.clock = clock.orElse(Clock.systemUTC());
    }

    /** Records new alerts in the outbox and sends what is due; how many parts were sent. */
    @Scheduled(fixedDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}",
            initialDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}")
    public synchronized int dispatch() {
        OffsetDateTime now = now();
        int owed = deliveries.enqueueAlerts(now);
        if (owed > 0) {
            log.info("{} alert notification(s) owed to channels", owed);
        }
        Map<String, List<Deliveries.Owed>> byChannel = deliveries.due(now, BATCH).stream()
                .collect(Collectors.groupingBy(Deliveries.Owed::channelId, LinkedHashMap::new, Collectors.toList()));
        int sent = 0;
        for (Map.Entry<String, List<Deliveries.Owed>> entry : byChannel.entrySet()) {
            Optional<NotificationChannel> channel = channels.find(entry.getKey());
            if (channel.isEmpty()) {
                continue; // deleted meanwhile, its parts with it
            }
            try {
                sent += send(channel.get(), entry.getValue(), now);
            } catch (RuntimeException e) {
                String why = reason(e);
                log.error("Notification channel {}: {}", channel.get().id(), why);
                log.debug("Notification channel {} failed", channel.get().id(), e);
                deliveries.failed(entry.getValue(), why, now, properties.maxAttempts(), properties.retryDelay());
                channels.recordError(channel.get().id(), why, now);
            }
        }
        return sent;
    }

    /**
     * Owes each enabled digest channel the day's list of practices due for outreach, once a day, from
     * {@code digest-time} on {@code digest-days} in its clinic's time zone, when any practice is due;
     * then sends. How many digests were owed.
     */
    @Scheduled(fixedDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}",
            initialDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}")
    public synchronized int queueDigests() {
        return owe("outreach digest", NotificationChannel::outreachDigest, (c, now) -> {
            ZonedDateTime local = now.atZoneSameInstant(clinic(c).timeZone());
            return properties.digestDays().contains(local.getDayOfWeek()) && !local.toLocalTime().isBefore(digestTime)
                    && !outreach.due(c.clinicId()).isEmpty()
                    && deliveries.enqueueDigest(c.id(), local.toLocalDate(), now) ? 1 : 0;
        });
    }

    /**
     * Owes each enabled summary channel each final month once, when the month's figures are computed
     * as final: the newest final month for a channel that has had none, else the months after the last
     * one it was owed, up to the newest, oldest first (at most {@link #SUMMARY_CATCH_UP_MONTHS} back:
     * months missed while the monitor was stopped); then sends. How many summaries were owed.
     */
    @Scheduled(fixedDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}",
            initialDelayString = "${referral-monitor.app.notifications.dispatch-interval:1m}")
    public synchronized int queueSummaries() {
        return owe("monthly summary", NotificationChannel::monthlySummary, (c, now) -> {
            clinic(c); // a channel whose clinic is gone keeps that as its error
            YearMonth newest = runner.newestFinalMonth(c.clinicId());
            // after the last month sent (months missed while the monitor was stopped, up to
            // SUMMARY_CATCH_UP_MONTHS), or the newest final month for a channel that has had none
            YearMonth from = deliveries.lastSummaryMonth(c.id()).map(YearMonth::from)
                    .map(last -> max(last.plusMonths(1), newest.minusMonths(SUMMARY_CATCH_UP_MONTHS - 1)))
                    .orElse(newest);
            int owed = 0;
            for (YearMonth month = from; !month.isAfter(newest); month = month.plusMonths(1)) {
                if (deliveries.summaryOwed(c.id(), month.atDay(1))) {
                    continue;
                }
                if (!runner.finalFiguresReady(c.clinicId(), month)) {
                    if (runner.hasFigures(c.clinicId(), month)) {
                        break; // in order: a later month waits for this one's final figures
                    }
                    continue; // no figures at all (nothing referred, or never computed): nothing to sum up
                }
                if (deliveries.enqueueSummary(c.id(), month.atDay(1), now)) {
                    owed++;
                }
            }
            return owed;
        });
    }

    private static YearMonth max(YearMonth a, YearMonth b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * Asks each enabled channel that wants {@code what} how many it is owed now (and records them); a
     * channel that cannot be served keeps its error and the others are served. Sends what was owed;
     * how many.
     */
    private int owe(String what, Predicate<NotificationChannel> wants,
            ToIntBiFunction<NotificationChannel, OffsetDateTime> owedNow) {
        OffsetDateTime now = now();
        int owed = 0;
        for (NotificationChannel c : channels.list(null)) {
            if (!c.enabled() || !wants.test(c)) {
                continue;
            }
            try {
                owed += owedNow.applyAsInt(c, now);
            } catch (RuntimeException e) {
                String why = reason(e);
                log.error("Notification channel {}: no {}: {}", c.id(), what, why);
                channels.recordError(c.id(), why, now);
            }
        }
        if (owed > 0) {
            dispatch();
        }
        return owed;
    }

    /**
     * Sends a test message to the channel now, outside the outbox; the channel's state records how it went.
     *
     * @throws SendFailedException saying why it did not go out
     */
    public void test(String channelId) throws SendFailedException {
        NotificationChannel channel = channels.find(channelId).orElseThrow(
                () -> new IllegalArgumentException("no notification channel '" + channelId + "'"));
        try {
            sender(channel).send(channel, Messages.test(clinic(channel), channel));
        } catch (SendFailedException e) {
            channels.recordError(channel.id(), e.getMessage(), now());
            throw e;
        } catch (ChannelUnusableException e) {
            channels.recordError(channel.id(), e.getMessage(), now());
            throw new SendFailedException(e.getMessage());
        }
        channels.recordSent(channel.id(), now());
    }

    /** Owes the channel's failed parts again; how many. */
    public int retryFailed(String channelId) {
        return deliveries.retryFailed(channelId, now());
    }

    private int send(NotificationChannel channel, List<Deliveries.Owed> parts, OffsetDateTime now) {
        Clinic clinic = clinic(channel);
        List<Deliveries.Owed> digests = new ArrayList<>();
        List<Deliveries.Owed> summaries = new ArrayList<>();
        Map<Long, Deliveries.Owed> newestPerAlert = new LinkedHashMap<>();
        List<Deliveries.Owed> superseded = new ArrayList<>();
        for (Deliveries.Owed part : parts) {
            if (part.summaryMonth() != null) {
                summaries.add(part);
            } else if (part.alertId() == null) {
                digests.add(part);
            } else {
                Deliveries.Owed older = newestPerAlert.put(part.alertId(), part);
                if (older != null) {
                    superseded.add(older); // parts come in id order: the later one is the alert as reopened
                }
            }
        }
        if (!superseded.isEmpty()) {
            deliveries.skipped(superseded, "superseded: the alert was reopened before this was sent");
        }
        int sent = 0;
        if (!digests.isEmpty()) {
            Deliveries.Owed newest = digests.stream().max(Comparator.comparing(Deliveries.Owed::digestDay)).orElseThrow();
            List<Deliveries.Owed> older = digests.stream().filter(d -> d != newest).toList();
            if (!older.isEmpty()) {
                deliveries.skipped(older, "superseded by a newer digest");
            }
            List<OutreachDue> due = outreach.due(channel.clinicId());
            if (due.isEmpty()) {
                deliveries.skipped(List.of(newest), "nobody was due for outreach any more when it was sent");
            } else {
                sent += deliver(channel, List.of(newest), Messages.digest(clinic, due, properties.publicUrl()), now);
            }
        }
        for (Deliveries.Owed summary : summaries) {
            // each month once, as its own message
            YearMonth month = YearMonth.from(summary.summaryMonth());
            List<SourceSummary> sources = report.figures(channel.clinicId(), month);
            if (!channel.monthlySummary()) {
                deliveries.skipped(List.of(summary), "the channel no longer takes monthly summaries");
            } else if (sources.isEmpty()) {
                deliveries.skipped(List.of(summary), "the month's figures were gone when it was sent");
            } else {
                sent += deliver(channel, List.of(summary), Messages.summary(clinic, month, sources,
                        alerts.find(channel.clinicId(), "OPEN", month, null).size(), properties.publicUrl()), now);
            }
        }
        List<Deliveries.Owed> open = new ArrayList<>();
        List<Alert> openAlerts = new ArrayList<>();
        List<Deliveries.Owed> stale = new ArrayList<>();
        Map<Long, Alert> found = alerts.find(newestPerAlert.keySet());
        for (Deliveries.Owed part : newestPerAlert.values()) {
            Alert alert = found.get(part.alertId());
            if (alert != null && "OPEN".equals(alert.status())) {
                open.add(part);
                openAlerts.add(alert);
            } else {
                stale.add(part);
            }
        }
        if (!stale.isEmpty()) {
            deliveries.skipped(stale, "the alert was acknowledged or resolved before it was sent");
        }
        for (int from = 0; from < open.size(); from += ALERTS_PER_MESSAGE) {
            int to = Math.min(open.size(), from + ALERTS_PER_MESSAGE);
            sent += deliver(channel, open.subList(from, to),
                    Messages.alerts(clinic, openAlerts.subList(from, to), properties.publicUrl()), now);
        }
        return sent;
    }

    private int deliver(NotificationChannel channel, List<Deliveries.Owed> parts, Message message, OffsetDateTime now) {
        try {
            sender(channel).send(channel, message.withId(deliveryId(channel.id(), parts)));
        } catch (SendFailedException e) {
            log.warn("Notification channel {}: {} (attempt {} of {})", channel.id(), e.getMessage(),
                    parts.get(0).attempts() + 1, properties.maxAttempts());
            deliveries.failed(parts, e.getMessage(), now, properties.maxAttempts(), properties.retryDelay());
            channels.recordError(channel.id(), e.getMessage(), now);
            return 0;
        }
        deliveries.sent(parts, now);
        channels.recordSent(channel.id(), now);
        return parts.size();
    }

    /**
     * The id of a message made of these parts of the outbox: the same for every attempt to send them,
     * another for other parts. 32 hex digits of SHA-256 over the channel and the parts' ids.
     */
    static String deliveryId(String channelId, List<Deliveries.Owed> parts) {
        String ids = parts.stream().map(p -> Long.toString(p.id())).sorted()
                .collect(Collectors.joining(","));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((channelId + ":" + ids).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** Why a channel could not be served, in words that carry no secret: ours, or only the kind of failure. */
    private static String reason(RuntimeException e) {
        return e instanceof ChannelUnusableException ? e.getMessage()
                : "internal error (" + e.getClass().getSimpleName() + "); see the monitor's log";
    }

    /** Now, to the microsecond the databases keep, so a part owed now is due now once stored. */
    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
    }

    private Sender sender(NotificationChannel channel) {
        Sender sender = senders.get(channel.kind());
        if (sender == null) {
            throw new ChannelUnusableException("no sender for channels of kind " + channel.kind());
        }
        return sender;
    }

    private Clinic clinic(NotificationChannel channel) {
        return directory.clinic(channel.clinicId()).orElseThrow(() -> new ChannelUnusableException(
                "the channel's clinic '" + channel.clinicId() + "' is no longer defined: remove the channel or "
                        + "define the clinic again"));
    }

    /** A channel that cannot be served as it stands, and why. */
    static final class ChannelUnusableException extends RuntimeException {

        ChannelUnusableException(String message) {
            super(message);
        }
    }
}
