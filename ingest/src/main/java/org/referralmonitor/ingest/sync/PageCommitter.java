package org.referralmonitor.ingest.sync;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ResourceWriter;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.store.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one way every strategy stores what it received: pages (search pages, a batch of patients'
 * pages, a chunk of an export file) written in one transaction with the review rows, validation
 * findings, the page records and the run's counters: all of it, or none.
 */
@Component
class PageCommitter {

    private static final Logger log = LoggerFactory.getLogger(PageCommitter.class);
    /** Rows written by a sync after which the planner's statistics are refreshed (then at each doubling). */
    static final int LARGE_WRITE = 5_000;

    private final ResourceWriter writer;
    private final ReviewQueue review;
    private final IssueLog issues;
    private final SyncRunRepository runs;
    private final TransactionTemplate tx;
    private final Clock clock;

    PageCommitter(ResourceWriter writer, ReviewQueue review, IssueLog issues, SyncRunRepository runs,
            TransactionTemplate tx, Optional<Clock> clock) {
        this.clock = clock.orElse(Clock.systemUTC());
        this.writer = writer;
        this.review = review;
        this.issues = issues;
        this.runs = runs;
        this.tx = tx;
    }

    void commit(SyncContext ctx, List<SyncContext.Fetched> pages) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        if (pages.stream().anyMatch(f -> !f.page().resources().isEmpty() || !f.page().rejections().isEmpty())) {
            ctx.beforeWriting(); // an empty page writes the sync's progress only
        }
        tx.executeWithoutResult(status -> {
            for (SyncContext.Fetched fetched : pages) {
                write(ctx, fetched, now);
            }
            runs.recordProgress(ctx.runId, ctx.counters());
        });
        refreshStatistics(ctx, false);
    }

    /**
     * Keeps the planner's statistics of the tables a sync fills up to date while it fills them: a
     * resource type's tables are analyzed after {@value #LARGE_WRITE} of its resources, then each time
     * their number has doubled (a handful of ANALYZEs for a million), and every type with new rows once
     * more before the set-based steps at the end ({@code finishing}). Without that, a first sync is
     * planned as if its tables were still empty, which they were when last analyzed: a server with
     * autovacuum off never analyzes them, and autovacuum runs late. Seen in the ingest benchmark: the
     * per-page deletes of old findings and basedOn links scanned whole tables, and linking 50,000
     * referrals to their visits took minutes instead of a second.
     */
    void refreshStatistics(SyncContext ctx, boolean finishing) {
        List<String> due = new ArrayList<>();
        ctx.storedByType.forEach((type, stored) -> {
            int analyzedAt = ctx.analyzedAtByType.getOrDefault(type, 0);
            if (stored >= Math.max(LARGE_WRITE, 2L * analyzedAt)
                    || (finishing && stored > analyzedAt && stored >= LARGE_WRITE / 10)) {
                due.add(type);
            }
        });
        if (!due.isEmpty()) {
            long start = System.nanoTime();
            writer.refreshStatistics(due);
            due.forEach(type -> ctx.analyzedAtByType.put(type, ctx.storedByType.get(type)));
            log.debug("Statistics of {} refreshed in {} ms", due, (System.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * After finishing credited many referrals: their statistics again, which said the source columns
     * were empty (so the next sync's crediting, looking for referrals not credited yet, would scan
     * them all instead of using the index, and the monthly figures be planned for no sources).
     */
    void refreshCredited(int credited) {
        if (credited >= LARGE_WRITE / 10) {
            writer.refreshStatistics(List.of("ServiceRequest"));
        }
    }

    private WriteResult write(SyncContext ctx, SyncContext.Fetched fetched, OffsetDateTime now) {
        ParsedPage page = fetched.page();
        String url = fetched.request().url().toString();
        String type = fetched.request().resourceType();
        // a sync crediting at insert records what can change a credit once it has written referrals
        ResourceWriter.Mode mode = new ResourceWriter.Mode(ctx.recordChangeScope, ctx.crediting,
                ctx.creditAtInsert() && ctx.storedByType.containsKey("ServiceRequest"));
        WriteResult written = writer.write(page.resources(), ctx.runId, now, mode);
        ctx.creditedAtInsert += written.credited();
        review.record(ctx.endpoint.id(), ctx.runId, url, page.rejections(), now);
        review.resolveAccepted(ctx.endpoint.id(), page.resources());
        issues.replace(ctx.endpoint.id(), ctx.runId, page.resources(), page.issues(), now);
        ctx.pages++;
        ctx.received += page.resources().size() + page.rejections().size();
        ctx.written += written.written();
        page.resources().forEach(r -> ctx.storedByType.merge(r.resourceType(), 1, Integer::sum));
        ctx.unchanged += written.unchanged();
        ctx.rejected += page.rejections().size();
        runs.recordPage(ctx.runId, ctx.pages, type, url, fetched.response().status(), page.entries(), page.total(),
                fetched.attempts(), fetched.response().durationMs(), now);
        SearchWindow window = fetched.request().window();
        if (window != null) {
            window.pages++;
            if (window.total == null) {
                window.total = page.total();
            }
            page.resources().forEach(r -> window.seen.add(r.resourceType() + "/" + r.resourceId()));
            for (ParsedPage.Rejection r : page.rejections()) {
                if (r.resourceId() == null || r.resourceType() == null) {
                    window.anonymous++;
                } else {
                    window.seen.add(r.resourceType() + "/" + r.resourceId());
                }
            }
        }
        page.warnings().forEach(w -> log.info("{} page {}: server says {}", type, ctx.pages, w));
        if (!page.rejections().isEmpty()) {
            log.warn("{} page {}: {} resource(s) sent to review, first: {}", type, ctx.pages,
                    page.rejections().size(), page.rejections().get(0).reason());
        }
        return written;
    }
}
