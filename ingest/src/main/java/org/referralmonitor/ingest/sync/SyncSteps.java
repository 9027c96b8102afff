package org.referralmonitor.ingest.sync;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.capability.ConnectionCheck;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.FhirSession;
import org.referralmonitor.ingest.http.NextLinks;
import org.referralmonitor.ingest.http.RefusedUrlException;
import org.referralmonitor.ingest.store.ConversionLinker;
import org.referralmonitor.ingest.store.DirectoryGaps;
import org.referralmonitor.ingest.store.Reclassifier;
import org.referralmonitor.ingest.store.SourceResolver;
import org.referralmonitor.ingest.store.Tombstones;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The steps every sync shares, whatever its strategy, called one by one from the endpoint's Camel
 * routes: begin (ask the server what it supports and what time it is), fetch and write search pages
 * (each page committed with its counters before the next is asked for; a page that fails is
 * retried by the route's error handling, never skipped), look up the directory resources the
 * referrals point at, and finish (tombstones, crediting, conversions). The strategies add their
 * own steps: {@link SearchPull}, {@link RosterPull}, {@link BulkPull}.
 */
@Component("syncSteps")
class SyncSteps {

    private static final Logger log = LoggerFactory.getLogger(SyncSteps.class);

    private static final int IDS_PER_REQUEST = 50;
    private static final int MAX_DIRECTORY_ROUNDS = 3;

    private final EndpointDirectory directory;
    private final SyncRunRepository runs;
    private final ConnectionCheck check;
    private final FhirHttpClient http;
    private final PageFetcher fetcher;
    private final PageCommitter committer;
    private final DirectoryGaps gaps;
    private final SourceResolver resolver;
    private final Tombstones tombstones;
    private final ConversionLinker conversions;
    private final Reclassifier reclassifier;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final IngestProperties properties;
    private final Clock clock;

    SyncSteps(EndpointDirectory directory, SyncRunRepository runs, ConnectionCheck check, FhirHttpClient http,
            PageFetcher fetcher, PageCommitter committer, DirectoryGaps gaps,
            SourceResolver resolver, Tombstones tombstones, ConversionLinker conversions, Reclassifier reclassifier,
            TransactionTemplate tx, ApplicationEventPublisher events, IngestProperties properties, Optional<Clock> clock) {
        this.clock = clock.orElse(Clock.systemUTC());
        this.directory = directory;
        this.runs = runs;
        this.check = check;
        this.http = http;
        this.fetcher = fetcher;
        this.committer = committer;
        this.gaps = gaps;
        this.resolver = resolver;
        this.tombstones = tombstones;
        this.conversions = conversions;
        this.reclassifier = reclassifier;
        this.tx = tx;
        this.events = events;
        this.properties = properties;
    }

    /**
     * Reads the server's CapabilityStatement (and SMART configuration) afresh, refuses to pull in a
     * way it does not declare, takes its clock from the Date header, re-classifies stored referrals
     * if the endpoint's rule changed, and sets up the sync's state.
     */
    public void begin(Exchange exchange) throws RetryableSyncException, SyncFailedException {
        long runId = exchange.getMessage().getHeader(SyncService.RUN_ID_HEADER, Long.class);
        String endpointId = exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class);
        MDC.put("correlationId", "sync-" + runId);
        MDC.put("endpoint", endpointId);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        EmrEndpoint endpoint = directory.endpoint(endpointId)
                .orElseThrow(() -> new SyncFailedException("Endpoint " + endpointId + " is no longer defined"));
        Clinic clinic = directory.clinic(endpoint.clinicId())
                .orElseThrow(() -> new SyncFailedException("Clinic " + endpoint.clinicId() + " is not defined"));
        SyncRun run = runs.find(runId).orElseThrow();
        if (!SyncRun.RUNNING.equals(run.status())) {
            runs.markRunning(runId, now());
        }
        ConnectionCheck.Report report;
        try {
            report = check.check(endpoint);
        } catch (ConnectionCheck.UnreachableException e) {
            String message = "Reading the server's capabilities: " + e.getMessage();
            if (e.retryable()) {
                throw retrying(exchange, null, new RetryableSyncException(message, e.retryAfter(), e));
            }
            throw new SyncFailedException(message);
        }
        if (!report.ok()) {
            throw new SyncFailedException("The server does not support how this endpoint is set to sync: "
                    + String.join("; ", report.refusals()));
        }
        report.warnings().forEach(w -> log.warn("{}: {}", endpointId, w));
        Instant serverClock = report.serverTime();
        if (serverClock == null) {
            serverClock = clock.instant();
            log.warn("{}: the server sent no Date header; windows end by our own clock", endpointId);
        }
        OffsetDateTime serverNow = serverClock.atOffset(ZoneOffset.UTC);
        FhirSession session = new FhirSession(endpoint.base(), http, check.authenticator(endpoint, report.capabilities()));
        MappingContext mapping = new MappingContext(endpoint.id(), endpoint.base(), clinic.timeZone(),
                endpoint.validationLevel(), endpoint.connection().referralRule());
        SyncContext ctx = new SyncContext(runId, run.trigger(), endpoint, clinic, mapping, session,
                report.capabilities(), serverNow);
        // others are told when the sync is about to change stored data, not when it starts: a Bulk export
        // can be prepared for hours, and until then what was derived from the data stays valid
        ctx.announceWith(() -> {
            runs.markWriting(runId, now());
            events.publishEvent(new SyncStartedEvent(endpoint.id(), endpoint.clinicId(), runId));
        });
        int reclassified = tx.execute(status -> {
            // announced in the reclassifying transaction: the announcement commits with the first change
            int n = reclassifier.reclassify(endpoint.id(), mapping.rule(), mapping.zone(), ctx::beforeWriting);
            if (n > 0) {
                conversions.forget(endpoint.id()); // what is a referral changed: link them all again
                runs.markEveryReferralChanged(runId);
            }
            return n;
        });
        if (reclassified > 0) {
            log.info("{}: {} stored request(s) classified again by referral rule {}", endpointId, reclassified,
                    mapping.rule().label());
        }
        runs.recordServerTime(runId, serverNow);
        ctx.recordChangeScope = conversions.hasLinks(endpoint.id());
        ctx.fullDirectoryScan = !ctx.recordChangeScope || ctx.reconciling() || gaps.fullScanDue(endpoint.id(),
                now().minus(properties.pull().directoryRecheck()));
        ctx.everyReferralChanged = reclassified > 0;
        exchange.setProperty(SyncContext.PROPERTY, ctx);
        exchange.setProperty(SyncContext.WAIT_PROPERTY, 0L);
        log.info("Sync {} of {} started: {} {} ({}), server time {}", runId, endpoint.id(),
                endpoint.connection().strategy().name().toLowerCase(), run.trigger().toLowerCase(), endpoint.baseUrl(),
                serverNow);
    }

    /** True while a search page is queued. */
    public boolean hasPage(Exchange exchange) {
        return context(exchange).hasPages();
    }

    /** True while directory resources referenced by what was written are still to be looked up. */
    public boolean hasDirectoryWork(Exchange exchange) {
        SyncContext ctx = context(exchange);
        while (!ctx.hasPages() && ctx.directoryRounds < MAX_DIRECTORY_ROUNDS) {
            ctx.directoryRounds++;
            if (!planDirectoryRound(ctx)) {
                break;
            }
        }
        return ctx.hasPages();
    }

    private boolean planDirectoryRound(SyncContext ctx) {
        String endpointId = ctx.endpoint.id();
        // what this sync (and any that died before finishing) wrote, once changes are recorded; every
        // row on a first sync, a reconciliation and once directory-recheck has passed since the last
        // such look (which also asks again for what the EMR lacked)
        boolean changedOnly = !ctx.fullDirectoryScan;
        boolean planned = enqueueById(ctx, "PractitionerRole", gaps.missingRoles(endpointId, changedOnly), "_id");
        planned |= enqueueById(ctx, "Practitioner", gaps.missingPractitioners(endpointId, changedOnly), "_id");
        planned |= enqueueById(ctx, "Organization", gaps.missingOrganizations(endpointId, changedOnly), "_id");
        planned |= enqueueById(ctx, "PractitionerRole", gaps.practitionersWithoutRoles(endpointId, changedOnly),
                "practitioner");
        return planned;
    }

    private boolean enqueueById(SyncContext ctx, String type, List<String> ids, String parameter) {
        List<String> fresh = ids.stream().filter(id -> ctx.requested.add(type + "?" + parameter + "=" + id)).toList();
        for (int i = 0; i < fresh.size(); i += IDS_PER_REQUEST) {
            List<String> chunk = fresh.subList(i, Math.min(fresh.size(), i + IDS_PER_REQUEST));
            ctx.enqueue(new SyncContext.PageRequest(type, ctx.endpoint.base().resolve(type + "?" + parameter + "="
                    + String.join(",", chunk) + "&_count=" + Math.max(ctx.endpoint.pageSize(), IDS_PER_REQUEST)),
                    SyncContext.Purpose.DIRECTORY, null));
        }
        return !fresh.isEmpty();
    }

    /**
     * GETs the current page and reads it; then starts fetching its next page, so that it travels
     * while this one is written. Throws {@link RetryableSyncException} for the route to retry.
     */
    public void fetchPage(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = context(exchange);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        SyncContext.PageRequest request = ctx.current();
        ctx.attemptsOnCurrentPage++;
        SyncContext.Fetched fetched = null;
        try {
            if (ctx.prefetch != null) {
                Future<SyncContext.Fetched> pending = ctx.prefetch;
                boolean mine = ctx.prefetchFor == request;
                ctx.prefetch = null;
                ctx.prefetchFor = null;
                ctx.prefetchQueued = false;
                if (mine) {
                    fetched = await(pending);
                } else {
                    pending.cancel(true);
                }
            }
            if (fetched == null) {
                fetched = fetcher.fetch(ctx, request, ctx.attemptsOnCurrentPage);
            }
        } catch (RetryableSyncException e) {
            throw retrying(exchange, ctx, e);
        } catch (SyncFailedException e) {
            if (request.purpose() != SyncContext.Purpose.DIRECTORY_SEARCH) {
                throw e;
            }
            // declared but refused (a search needing parameters, say): what the windows' referrals lack is
            // looked up by id after them, as on any sync, and every referral credited when finishing
            log.warn("{}: searching the whole directory was refused, so referrals are credited after the sync "
                    + "instead of as they are written: {}", ctx.endpoint.id(), e.getMessage());
            ctx.abandonDirectorySearch();
            return;
        }
        ctx.fetched = fetched;
        ctx.fetchedPages.add(chainKey(fetched.request(), fetched.request().url()));
        SyncContext.PageRequest next = nextRequest(ctx, fetched);
        if (next != null && (next.purpose() == SyncContext.Purpose.WINDOW
                || next.purpose() == SyncContext.Purpose.DIRECTORY_SEARCH)) {
            ctx.prefetchFor = next;
            ctx.prefetch = ctx.workers.submit(() -> fetcher.fetch(ctx, next, 1));
        } else if (next == null && request.purpose() == SyncContext.Purpose.DIRECTORY) {
            // directory look-ups by id do not chain: fetch the queued one while this one is written
            SyncContext.PageRequest queued = ctx.following();
            if (queued != null && queued.purpose() == SyncContext.Purpose.DIRECTORY) {
                ctx.prefetchFor = queued;
                ctx.prefetchQueued = true;
                ctx.prefetch = ctx.workers.submit(() -> fetcher.fetch(ctx, queued, 1));
            }
        }
    }

    private static SyncContext.Fetched await(Future<SyncContext.Fetched> pending)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        try {
            return pending.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RetryableSyncException r) {
                throw r;
            }
            if (cause instanceof SyncFailedException f) {
                throw f;
            }
            if (cause instanceof InterruptedException i) {
                throw i;
            }
            throw new RetryableSyncException("fetching the next page failed: " + cause, null, cause);
        }
    }

    /** The page after this one, if the server links one; a link we refuse to follow is kept as the reason to stop. */
    private SyncContext.PageRequest nextRequest(SyncContext ctx, SyncContext.Fetched fetched) {
        String link = fetched.page().nextLink();
        if (link == null) {
            return null;
        }
        try {
            URI next = NextLinks.toUri(link, ctx.endpoint.base());
            SyncContext.PageRequest request = fetched.request();
            if (ctx.fetchedPages.contains(chainKey(request, next))) {
                ctx.refusedNext = "the server links back to a page already read in this pass (" + next
                        + "), which would loop forever";
                return null;
            }
            return new SyncContext.PageRequest(request.resourceType(), next, request.purpose(), request.window());
        } catch (RefusedUrlException e) {
            ctx.refusedNext = e.getMessage();
            return null;
        }
    }

    /** A page's URL within its chain of next links: a window's pass, or a search of one type and purpose. */
    private static String chainKey(SyncContext.PageRequest request, URI url) {
        SearchWindow window = request.window();
        return (window != null ? "window " + System.identityHashCode(window) + " pass " + window.pass
                : request.purpose() + " " + request.resourceType()) + " " + url;
    }

    /** Writes the fetched page in one transaction with its counters, then moves on to its next page. */
    public void writePage(Exchange exchange) throws SyncFailedException {
        SyncContext ctx = context(exchange);
        SyncContext.Fetched fetched = ctx.fetched;
        if (fetched == null) {
            return; // nothing to write: a refused directory search, dropped from the queue
        }
        String refused = ctx.refusedNext;
        ctx.refusedNext = null;
        commit(ctx, List.of(fetched));
        SyncContext.PageRequest done = ctx.done();
        SyncContext.PageRequest next = ctx.prefetchQueued ? null : ctx.prefetchFor;
        if (next == null && fetched.page().nextLink() != null && refused == null) {
            next = nextRequest(ctx, fetched);
        }
        if (refused != null) {
            throw new SyncFailedException(done.resourceType() + " page " + ctx.pages + " (" + done.url()
                    + ") was written, but its next page is not followed: " + refused);
        }
        if (next != null) {
            ctx.enqueueFirst(next);
        } else if (done.window() != null) {
            ctx.passDone = done.window();
        }
    }

    void commit(SyncContext ctx, List<SyncContext.Fetched> pages) {
        committer.commit(ctx, pages);
    }

    /** Records what a sync is doing, for the status page. */
    void detail(SyncContext ctx, String detail) {
        runs.recordDetail(ctx.runId, detail);
    }

    /**
     * Ends a sync that pulled everything: marks entered-in-error referrals and visits, credits
     * referrals to practices and providers, links referrals to the visits they became.
     */
    public void finish(Exchange exchange) {
        SyncContext ctx = context(exchange);
        OffsetDateTime now = now();
        long finishStart = System.nanoTime();
        committer.refreshStatistics(ctx, true);
        long[] took = new long[2];
        List<java.time.LocalDate> relinkedMonths = new java.util.ArrayList<>();
        ctx.beforeWriting();
        int[] done = tx.execute(status -> {
            int tombstoned = tombstones.markEnteredInError(ctx.endpoint.id(), now);
            if (ctx.fullDirectoryScan) {
                gaps.recordFullScan(ctx.endpoint.id(), now);
            }
            long step = System.nanoTime();
            // every referral, unless changes were recorded or this sync credited its referrals as it wrote
            // them (it then recorded what changed after)
            int credited = resolver.resolve(ctx.endpoint.id(), !ctx.recordChangeScope && !ctx.creditAtInsert());
            took[0] = (System.nanoTime() - step) / 1_000_000;
            step = System.nanoTime();
            ConversionLinker.Linked linked = conversions.link(ctx.endpoint.id(),
                    properties.pull().conversionWindowDays(), ctx.endpoint.connection().ownOrganizations(),
                    ctx.recordChangeScope, ctx.runId, now);
            took[1] = (System.nanoTime() - step) / 1_000_000;
            relinkedMonths.addAll(linked.months());
            // kept with the links: the sync's end may never be announced if the process dies after this commits
            if (linked.full()) {
                runs.markEveryReferralChanged(ctx.runId);
            }
            runs.recordRelinkedMonths(ctx.runId, linked.months());
            return new int[] {tombstoned, credited, linked.linked(), linked.full() ? 1 : 0};
        });
        ctx.tombstoned += done[0];
        ctx.everyReferralChanged |= done[3] == 1;
        committer.refreshCredited(done[1]);
        runs.finish(ctx.runId, SyncRun.SUCCEEDED, null, ctx.counters(), now());
        log.info("Sync {} of {} succeeded: {} pages, {} resources received, {} written, {} unchanged, {} rejected, "
                        + "{} retries, {} count mismatches, {} missed, {} tombstoned, {} referrals credited "
                        + "as written and {} after, "
                        + "{} {} (finishing took {} ms: sources {} ms, conversions {} ms)", ctx.runId,
                ctx.endpoint.id(), ctx.pages, ctx.received, ctx.written, ctx.unchanged, ctx.rejected, ctx.retries,
                ctx.countMismatch, ctx.missed, ctx.tombstoned, ctx.creditedAtInsert, done[1], done[2],
                done[3] == 1 ? "converted (every referral linked)" : "converted of the referrals the sync changed",
                (System.nanoTime() - finishStart) / 1_000_000, took[0], took[1]);
        ctx.close();
        events.publishEvent(new SyncFinishedEvent(ctx.endpoint.id(), ctx.endpoint.clinicId(), ctx.runId, true,
                ctx.written, ctx.tombstoned, ctx.everyReferralChanged, relinkedMonths));
        clearMdc();
    }

    /** The dead letter: the sync failed after its retries; what was committed stays, the run says why. */
    public void fail(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        SyncContext ctx = exchange.getProperty(SyncContext.PROPERTY, SyncContext.class);
        Long runId = ctx != null ? Long.valueOf(ctx.runId)
                : exchange.getMessage().getHeader(SyncService.RUN_ID_HEADER, Long.class);
        String message = cause == null ? "unknown error" : cause.getMessage();
        if (cause instanceof RetryableSyncException) {
            message = "gave up after " + (properties.retry().maxRedeliveries() + 1) + " attempts: " + message;
        } else if (cause != null && !(cause instanceof SyncFailedException)) {
            message = cause.getClass().getSimpleName() + ": " + message;
            log.error("Sync {} failed unexpectedly", runId, cause);
        }
        if (runId != null) {
            runs.finish(runId, SyncRun.FAILED, message, ctx != null ? ctx.counters() : SyncCounters.NONE, now());
        }
        String endpointId = exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class);
        log.error("Sync {} of {} failed: {}", runId, endpointId, message);
        if (ctx != null) {
            ctx.close();
        }
        directory.endpoint(endpointId).ifPresent(e -> events.publishEvent(new SyncFinishedEvent(endpointId,
                e.clinicId(), runId == null ? 0 : runId, false, ctx == null ? 0 : ctx.written,
                ctx == null ? 0 : ctx.tombstoned, ctx != null && ctx.everyReferralChanged)));
        clearMdc();
    }

    /**
     * Counts a retry and tells the route how long to wait: the server's Retry-After (capped), else the
     * route's own exponential backoff with jitter.
     */
    RetryableSyncException retrying(Exchange exchange, SyncContext ctx, RetryableSyncException e) {
        if (ctx != null) {
            ctx.retries++;
        }
        Duration retryAfter = e.retryAfter();
        String message = e.getMessage();
        if (retryAfter != null) {
            Duration cap = properties.retry().maxRetryAfter();
            Duration capped = retryAfter.compareTo(cap) > 0 ? cap : retryAfter;
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, capped.toMillis());
            message += " (server asked to wait " + retryAfter.toSeconds() + "s"
                    + (capped.equals(retryAfter) ? "" : ", waiting " + capped.toSeconds() + "s") + ")";
        }
        log.warn("{} (attempt {})", message, ctx == null ? 1 : ctx.attemptsOnCurrentPage);
        return e;
    }

    static SyncContext context(Exchange exchange) {
        return exchange.getProperty(SyncContext.PROPERTY, SyncContext.class);
    }

    OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }

    private static void clearMdc() {
        MDC.remove("correlationId");
        MDC.remove("endpoint");
    }
}
