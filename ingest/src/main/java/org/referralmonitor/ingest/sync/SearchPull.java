package org.referralmonitor.ingest.sync;

import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.capability.ServerCapabilities;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.store.ResourceWriter;
import org.referralmonitor.ingest.store.SourceResolver;
import org.referralmonitor.ingest.store.Tombstones;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Strategy 1, system-level search: per type, one window {@code _lastUpdated=ge{W - overlap}} to
 * {@code lt{server time - lag}} (or {@code le} where the server refuses {@code lt}), full-precision
 * instants on the server's clock. When every page of a window is committed its watermark moves to
 * the window's end; if the server announced more than arrived, the window is pulled once more
 * before the shortfall is recorded and the watermark held back.
 *
 * <p>A reconciliation pulls the last 120 days (configurable) whatever the watermark, counts what
 * incremental syncs had missed, and marks as deleted what we hold in that window but the server no
 * longer lists.
 */
@Component
class SearchPull {

    private static final Logger log = LoggerFactory.getLogger(SearchPull.class);

    static final List<String> TYPES = Connection.PULLED_TYPES;
    /** What a referral's credit is read from, pulled whole before the windows of a first sync. */
    static final List<String> DIRECTORY_TYPES = List.of("PractitionerRole", "Practitioner", "Organization");
    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    /** More unlisted resources than this in one window looks like a server problem, not deletions. */
    private static final int MAX_CONFIRMATIONS = 1000;

    private final Watermarks watermarks;
    private final SourceResolver sources;
    private final SyncRunRepository runs;
    private final Tombstones tombstones;
    private final MissedChanges missed;
    private final TransactionTemplate tx;
    private final IngestProperties properties;
    private final PageFetcher fetcher;
    private final BundlePageParser parser;
    private final PageCommitter committer;
    private final SyncSteps steps;
    private final Clock clock;

    SearchPull(Watermarks watermarks, SyncRunRepository runs, Tombstones tombstones, MissedChanges missed,
            TransactionTemplate tx, IngestProperties properties, PageFetcher fetcher, BundlePageParser parser,
            PageCommitter committer, @Lazy SyncSteps steps, SourceResolver sources, Optional<Clock> clock) {
        this.sources = sources;
        this.clock = clock.orElse(Clock.systemUTC());
        this.watermarks = watermarks;
        this.runs = runs;
        this.tombstones = tombstones;
        this.missed = missed;
        this.tx = tx;
        this.properties = properties;
        this.fetcher = fetcher;
        this.parser = parser;
        this.committer = committer;
        this.steps = steps;
    }

    /**
     * Plans one window per type. A first sync that pulls the directory first ({@link #planDirectoryFirst})
     * then pulls the visits before the requests.
     */
    public void plan(Exchange exchange) {
        SyncContext ctx = SyncSteps.context(exchange);
        List<String> types = TYPES;
        if (planDirectoryFirst(ctx)) {
            types = TYPES.stream().sorted(java.util.Comparator.comparing((String t) -> !t.equals("Encounter")))
                    .toList();
            log.info("{}: first sync: practices, providers and roles first, then visits, then requests, each "
                    + "request credited as it is written", ctx.endpoint.id());
        }
        for (String type : types) {
            SearchWindow window = window(ctx, type);
            window.firstPage = ctx.endpoint.base().resolve(type + "?" + query(ctx, type, window) + "_count="
                    + ctx.endpoint.pageSize());
            ctx.windows.add(window);
            ctx.enqueue(new SyncContext.PageRequest(type, window.firstPage, SyncContext.Purpose.WINDOW, window));
        }
    }

    /**
     * A first sync of an endpoint that holds no request yet, on a server that allows searching
     * practices, providers and roles, pulls those whole before anything else (and its visits before
     * its requests), so that each request is credited as it is written ({@link SyncContext#crediting})
     * instead of every one rewritten after the sync. Queues the searches and returns true when it
     * does; used by the search and the Bulk export strategies.
     */
    boolean planDirectoryFirst(SyncContext ctx) {
        if (ctx.directoryPlanned) {
            // planned by an earlier attempt of the same step (a retried roster read): not queued twice
            return ctx.crediting != null;
        }
        ctx.directoryPlanned = true;
        if (ctx.recordChangeScope || ctx.reconciling()
                || !DIRECTORY_TYPES.stream().allMatch(t -> ctx.capabilities.type(t).populationSearch())
                || sources.holdsReferrals(ctx.endpoint.id())) {
            return false;
        }
        ctx.crediting = new ResourceWriter.Crediting();
        for (String type : DIRECTORY_TYPES) {
            ctx.enqueue(new SyncContext.PageRequest(type, ctx.endpoint.base().resolve(type + "?_count="
                    + ctx.endpoint.pageSize()), SyncContext.Purpose.DIRECTORY_SEARCH, null));
        }
        return true;
    }

    /** The window a sync of this type pulls now. */
    SearchWindow window(SyncContext ctx, String type) {
        Optional<OffsetDateTime> watermark = watermarks.find(ctx.endpoint.id(), type);
        OffsetDateTime to = ctx.windowEnd();
        OffsetDateTime from;
        if (ctx.reconciling()) {
            from = ctx.serverNow.minusDays(properties.pull().reconcileDays());
        } else {
            // a watermark ahead of the server's clock (its clock was set back) must not hide what changes now
            from = watermark.map(w -> (w.isAfter(to) ? to : w).minus(ctx.endpoint.connection().overlap())).orElse(null);
            if (watermark.isPresent() && watermark.get().isAfter(to)) {
                log.warn("{} {}: the watermark {} is ahead of the server's clock ({}); the window starts from the "
                        + "server's time instead", ctx.endpoint.id(), type, watermark.get(), ctx.serverNow);
            }
        }
        return new SearchWindow(type, from, to, watermark.orElse(null));
    }

    /**
     * The {@code _lastUpdated} parameters of a window, followed by "&amp;", or nothing when the server
     * does not declare {@code _lastUpdated} for the type (then every sync pulls everything).
     */
    static String query(SyncContext ctx, String type, SearchWindow window) {
        ServerCapabilities.TypeSupport support = ctx.capabilities.type(type);
        if (!support.lastUpdated()) {
            return "";
        }
        StringBuilder q = new StringBuilder();
        if (window.from != null) {
            q.append("_lastUpdated=ge").append(format(window.from)).append('&');
        }
        q.append("_lastUpdated=").append(ctx.upperComparator).append(format(window.to)).append('&');
        return q.toString();
    }

    static String format(OffsetDateTime instant) {
        return INSTANT.format(instant.withOffsetSameInstant(ZoneOffset.UTC)).replace("+00:00", "Z");
    }

    /**
     * After a page is written: when it was the last page of a pass over its window, pull the window
     * again (the server announced more than arrived) or close it. Safe to retry.
     */
    public void afterPage(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = SyncSteps.context(exchange);
        SearchWindow window = ctx.passDone;
        if (window == null) {
            return;
        }
        int shortfall = window.shortfall();
        if (shortfall > 0 && window.pass == 1) {
            log.warn("{} window {}..{}: the server announced {} but {} arrived; pulling the window again",
                    window.type, window.from, window.to, window.total, window.received());
            window.restart();
            ctx.enqueueFirst(new SyncContext.PageRequest(window.type, window.firstPage, SyncContext.Purpose.WINDOW,
                    window));
            ctx.passDone = null;
            return;
        }
        try {
            close(ctx, window);
        } catch (RetryableSyncException e) {
            throw steps.retrying(exchange, ctx, e);
        }
        ctx.passDone = null;
    }

    private void close(SyncContext ctx, SearchWindow window)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        int shortfall = window.shortfall();
        if (shortfall == 0 && ctx.reconciling()) {
            confirmMissing(ctx, window);
            window.missed = missed.count(ctx.endpoint.id(), window.type, ctx.runId, window.previousWatermark);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        tx.executeWithoutResult(status -> {
            runs.recordWindow(ctx.runId, window.type, window.from, window.to, window.total, window.received(),
                    window.pass);
            ctx.countMismatch = ctx.windows.stream().mapToInt(SearchWindow::shortfall).sum();
            ctx.steadyMismatch = ctx.windows.stream().filter(SearchWindow::steadyShortfall)
                    .mapToInt(SearchWindow::shortfall).sum();
            ctx.missed = ctx.windows.stream().mapToInt(w -> w.missed).sum();
            if (shortfall > 0 && !window.steadyShortfall()) {
                log.warn("{} window {}..{}: the server announced {} but {} arrived twice; the shortfall is recorded "
                                + "and the watermark stays at {} so the next sync asks again", window.type,
                        window.from, window.to, window.total, window.received(), window.previousWatermark);
            } else {
                if (shortfall > 0) {
                    // holding the watermark would pull a growing window again at every sync, each one short
                    log.warn("{} window {}..{}: the server announced {} but listed the same {} resources twice; the "
                                    + "shortfall is recorded and the watermark moves on (asking again gives the same)",
                            window.type, window.from, window.to, window.total, window.received());
                }
                watermarks.advance(ctx.endpoint.id(), window.type, window.to, ctx.runId, now);
            }
            runs.recordProgress(ctx.runId, ctx.counters());
        });
        if (window.missed > 0) {
            log.warn("{}: reconciliation found {} {} change(s) that incremental syncs had missed", ctx.endpoint.id(),
                    window.missed, window.type);
        }
    }

    /**
     * Resources we hold in a reconciled window that the server did not list: each is read by id; one
     * that is gone (404, 410) becomes a tombstone, one that is still there (updated since) is written.
     */
    private void confirmMissing(SyncContext ctx, SearchWindow window)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        List<String> missing = tombstones.heldInWindow(ctx.endpoint.id(), window.type, window.from, window.to)
                .stream().filter(id -> !window.seen.contains(window.type + "/" + id)).toList();
        if (missing.isEmpty()) {
            return;
        }
        if (missing.size() > MAX_CONFIRMATIONS) {
            log.warn("{}: {} {} resources we hold were not listed in the reconciled window; more than {} is not "
                            + "plausible for deletions, so none is tombstoned", ctx.endpoint.id(), missing.size(),
                    window.type, MAX_CONFIRMATIONS);
            return;
        }
        List<String> gone = new ArrayList<>();
        List<String> found = new ArrayList<>();
        for (String id : missing) {
            URI url = ctx.endpoint.base().resolve(window.type + "/" + id);
            FhirHttpClient.Response response = fetcher.send(ctx, "GET", url, Map.of("Accept", "application/fhir+json"),
                    "confirming " + window.type + "/" + id, true);
            if (response.status() == 404 || response.status() == 410) {
                gone.add(id);
            } else {
                PageFetcher.ok(response, "confirming " + window.type + "/" + id);
                found.add(new String(response.body(), StandardCharsets.UTF_8).replaceAll("[\\r\\n]+", " "));
            }
        }
        if (!found.isEmpty()) {
            ParsedPage page = parser.parseLines(found, 1, "reads of " + window.type + " not listed", ctx.mapping);
            committer.commit(ctx, List.of(new SyncContext.Fetched(new SyncContext.PageRequest(window.type,
                    ctx.endpoint.base().resolve(window.type), SyncContext.Purpose.WINDOW, null),
                    new FhirHttpClient.Response(200, null, null, 0), page, 1)));
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        if (!gone.isEmpty()) {
            ctx.beforeWriting();
        }
        int marked = tx.execute(status -> tombstones.markDeleted(ctx.endpoint.id(), window.type, gone, now));
        ctx.tombstoned += marked;
        log.info("{}: {} {} not listed in the reconciled window: {} deleted on the server, {} updated since",
                ctx.endpoint.id(), missing.size(), window.type, gone.size(), found.size());
    }
}
