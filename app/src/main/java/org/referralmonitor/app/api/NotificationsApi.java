package org.referralmonitor.app.api;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.referralmonitor.app.notify.ChannelStatus;
import org.referralmonitor.app.notify.NotificationChannel;
import org.referralmonitor.app.notify.NotificationChannels;
import org.referralmonitor.app.notify.NotificationDispatcher;
import org.referralmonitor.app.notify.SendFailedException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Where alerts, outreach reminders and monthly summaries go: e-mail addresses or a webhook per clinic. Everyone signed in
 * reads; administrators keep channels, send a test and retry what failed. Channels of
 * {@code config/application.yml} are read-only here.
 */
@RestController
@RequestMapping("/api/v1/notification-channels")
class NotificationsApi {

    /**
     * A channel to keep.
     *
     * @param kind email or webhook
     * @param to e-mail addresses (email)
     * @param urlRef env:VARIABLE or file:/path where the webhook's URL is (webhook); never the URL
     */
    record ChannelRequest(String clinic, String kind, List<String> to, String urlRef, Boolean sourceAlerts,
            Boolean feedAlerts, Boolean outreachDigest, Boolean monthlySummary, Boolean enabled) {
    }

    /** A channel and how its messages fare: health OK, FAILING or IDLE (nothing sent yet). */
    record ChannelView(String id, String clinic, String kind, List<String> to, String urlRef, boolean sourceAlerts,
            boolean feedAlerts, boolean outreachDigest, boolean monthlySummary, boolean enabled, String origin, OffsetDateTime createdAt,
            String health, int pending, int sent, int failed, int skipped, OffsetDateTime lastSentAt, String lastError,
            OffsetDateTime lastErrorAt) {

        static ChannelView of(ChannelStatus s) {
            NotificationChannel c = s.channel();
            return new ChannelView(c.id(), c.clinicId(), c.kind(), c.to(), c.urlRef(), c.sourceAlerts(), c.feedAlerts(),
                    c.outreachDigest(), c.monthlySummary(), c.enabled(), c.origin(), c.createdAt(), s.health(), s.pending(), s.sent(),
                    s.failed(), s.skipped(), s.lastSentAt(), s.lastError(), s.lastErrorAt());
        }
    }

    /** What "Send test" did: sent, or why not. */
    record TestResult(boolean sent, String error) {
    }

    private final NotificationChannels channels;
    private final NotificationDispatcher dispatcher;

    NotificationsApi(NotificationChannels channels, NotificationDispatcher dispatcher) {
        this.channels = channels;
        this.dispatcher = dispatcher;
    }

    @GetMapping
    List<ChannelView> list(@RequestParam(required = false) String clinic) {
        return channels.statuses(clinic).stream().map(ChannelView::of).toList();
    }

    @GetMapping("/{id}")
    ChannelView get(@PathVariable String id) {
        return view(id);
    }

    /** Creates or replaces a channel (201 when new). */
    @PutMapping("/{id}")
    ResponseEntity<ChannelView> put(@PathVariable String id, @RequestBody ChannelRequest request) {
        boolean exists = channels.find(id).isPresent();
        channels.save(new NotificationChannel(id, request.clinic(), request.kind(),
                request.to() == null ? List.of() : request.to(), request.urlRef(), or(request.sourceAlerts(), true),
                or(request.feedAlerts(), true), or(request.outreachDigest(), false), or(request.monthlySummary(), false),
                or(request.enabled(), true),
                NotificationChannels.ORIGIN_API, null));
        ChannelView view = view(id);
        return exists ? ResponseEntity.ok(view)
                : ResponseEntity.created(URI.create("/api/v1/notification-channels/" + id)).body(view);
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        if (!channels.delete(id)) {
            throw new NotFoundException("No notification channel '" + id + "'");
        }
        return ResponseEntity.noContent().build();
    }

    /** Sends a test message now. */
    @PostMapping("/{id}/test")
    TestResult test(@PathVariable String id) {
        view(id);
        try {
            dispatcher.test(id);
            return new TestResult(true, null);
        } catch (SendFailedException e) {
            return new TestResult(false, e.getMessage());
        }
    }

    /** Owes the channel's failed messages again, from now. */
    @PostMapping("/{id}/retry")
    Map<String, Integer> retry(@PathVariable String id) {
        view(id);
        return Map.of("requeued", dispatcher.retryFailed(id));
    }

    private ChannelView view(String id) {
        return channels.status(id).map(ChannelView::of)
                .orElseThrow(() -> new NotFoundException("No notification channel '" + id + "'"));
    }

    private static boolean or(Boolean value, boolean otherwise) {
        return value == null ? otherwise : value;
    }
}
