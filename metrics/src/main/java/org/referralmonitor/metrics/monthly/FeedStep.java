package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.util.List;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.springframework.stereotype.Component;

/**
 * Step 2 of the monthly job: checks the clinic's feed for the month before any source alert, and
 * keeps the clinic's one FEED alert for the month in step: raised while the feed is suspect (in a
 * month open to alerts), resolved once a recompute finds it sound.
 */
@Component
class FeedStep {

    static final String FEED = "FEED";

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
        if (check.suspect() && ctx.alertable()) {
            alerts.raise(List.of(new AlertWriter.Raise(ctx.clinicId(), FEED, AlertWriter.CLINIC, ctx.month(),
                    check.referrals(), check.expected(), null, check.evidence() + " Slowdown alerts for the month are "
                    + "held until a recompute finds the feed sound.", null)), now);
        } else if (!check.suspect()) {
            alerts.resolve(List.of(new AlertWriter.Resolve(ctx.clinicId(), FEED, AlertWriter.CLINIC, ctx.month(),
                    "Recomputed: " + check.evidence())), now);
        }
        return check;
    }
}
