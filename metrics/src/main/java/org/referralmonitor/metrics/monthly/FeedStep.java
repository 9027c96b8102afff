package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.referralmonitor.metrics.feed.EndpointFeed;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.springframework.stereotype.Component;

/**
 * Step 2 of the monthly job: checks the clinic's feed for the month before any source alert, and
 * keeps the month's FEED alerts in step: one per suspect endpoint (keyed by the endpoint's id), raised
 * while the feed is suspect (in a month open to alerts), resolved once a recompute finds the endpoint
 * sound. A drop across most sources at once is told in the suspect endpoints' alerts; when no endpoint
 * is suspect it is the alert of the clinic's one checked endpoint, or, with several, one clinic-wide
 * alert ({@link AlertWriter#CLINIC}), since no single endpoint shows it. When a recompute tells a
 * drop across sources by the clinic's alert instead of endpoints', or the other way, the new alerts
 * are acknowledged as the ones they replace were, when all of those were (an endpoint whose own sync
 * record turns suspect is news, and opens; so does one endpoint's alert replaced by another's).
 */
@Component
class FeedStep {

    static final String FEED = "FEED";

    private static final String HELD = " Slowdown alerts for the month are held until a recompute finds the feed sound.";

    private final FeedHealth health;
    private final AlertWriter alerts;
    private final MonthContexts contexts;

    FeedStep(FeedHealth health, AlertWriter alerts, MonthContexts contexts) {
        this.health = health;
        this.alerts = alerts;
        this.contexts = contexts;
    }

    FeedCheck run(MonthContext ctx) {
        OffsetDateTime now = OffsetDateTime.now(contexts.clock());
        FeedCheck check = health.check(ctx.clinicId(), ctx.month(), ctx.asOf(), contexts.zone(ctx.clinicId()), now);
        if (check.suspect() && !ctx.alertable()) {
            // a month closed to alerts: its FEED alerts are left as they are while the feed is suspect
            return check;
        }
        Map<String, String> raised = explanations(check);
        Set<String> before = alerts.unresolved(ctx.clinicId(), List.of(ctx.month())).stream()
                .filter(a -> FEED.equals(a.kind())).map(AlertWriter.Unresolved::orgKey).collect(Collectors.toSet());
        alerts.raise(raised.entrySet().stream().map(a -> new AlertWriter.Raise(ctx.clinicId(), FEED, a.getKey(),
                ctx.month(), check.referrals(), check.expected(), null, a.getValue(), null)).toList(), now);
        // the month's other FEED alerts: endpoints now sound, a clinic-wide alert now told by an endpoint's
        // (or raised, per clinic, by an earlier version)
        List<String> gone = before.stream().filter(k -> !raised.containsKey(k)).sorted().toList();
        List<String> fresh = raised.keySet().stream().filter(k -> !before.contains(k)).toList();
        // the month's drop across sources told by the clinic's alert instead of endpoints', or the other way:
        // the new alerts acknowledged as the ones they replace were; an endpoint whose own sync record is now
        // suspect is news, and opens
        if (check.suspect() && gone.contains(AlertWriter.CLINIC)) {
            List<String> sound = check.endpoints().stream().filter(e -> !e.suspect() && fresh.contains(e.endpointId()))
                    .map(EndpointFeed::endpointId).toList();
            alerts.carryAcknowledgement(ctx.clinicId(), FEED, ctx.month(), List.of(AlertWriter.CLINIC), sound, now);
        } else if (check.suspect() && fresh.contains(AlertWriter.CLINIC)) {
            alerts.carryAcknowledgement(ctx.clinicId(), FEED, ctx.month(), gone, List.of(AlertWriter.CLINIC), now);
        }
        alerts.resolveUnresolved(gone.stream().map(k -> new AlertWriter.Resolve(ctx.clinicId(), FEED, k, ctx.month(),
                "Recomputed: " + resolved(check, k, raised.containsKey(AlertWriter.CLINIC)))).toList(), now);
        return check;
    }

    /** The FEED alerts the check calls for, by key (an endpoint's id, or the clinic's), with their explanations. */
    private static Map<String, String> explanations(FeedCheck check) {
        Map<String, String> raised = new LinkedHashMap<>();
        List<EndpointFeed> suspect = check.endpoints().stream().filter(EndpointFeed::suspect).toList();
        if (suspect.isEmpty() && check.sourcesDrop() != null) {
            if (check.endpoints().size() != 1) {
                raised.put(AlertWriter.CLINIC, check.evidence() + " The drop is seen across sources and no single "
                        + "endpoint's sync record shows it." + HELD);
                return raised;
            }
            // the clinic's one endpoint brings all of its sources: the drop is that endpoint's
            suspect = check.endpoints();
        }
        suspect.forEach(e -> raised.put(e.endpointId(), check.incomplete(e) + HELD));
        return raised;
    }

    /** Why an alert of the month is no longer raised. */
    private static String resolved(FeedCheck check, String orgKey, boolean clinicWide) {
        if (!check.suspect()) {
            return check.evidence();
        }
        return check.endpoints().stream().filter(e -> e.endpointId().equals(orgKey)).findFirst()
                .map(check::sound)
                .orElse((clinicWide ? "raised for the clinic as a whole instead. "
                        : "raised for the endpoints whose feed is suspect instead. ") + check.evidence());
    }
}
