package org.referralmonitor.ingest.sync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.MalformedPageException;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.store.DirectoryGaps;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ResourceWriter;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.store.SourceResolver;
import org.referralmonitor.ingest.store.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The steps of a FHIR search sync, called one by one from the endpoint's Camel route: begin, then
 * fetch and write page after page (search pages first, then the directory resources they point
 * at), then resolve and finish. Each page is committed with its counters before the next is
 * fetched; a page that fails is retried by the route's error handling, never skipped.
 */
@Component("syncSteps")
class SyncSteps {

    private static final Logger log = LoggerFactory.getLogger(SyncSteps.class);

    static final List<String> SEARCHED_TYPES = List.of("ServiceRequest", "Encounter");
    private static final int IDS_PER_REQUEST = 50;
    private static final int MAX_DIRECTORY_ROUNDS = 3;
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(408, 429, 500, 502, 503, 504);

    private final EndpointDirectory directory;
    private final SyncRunRepository runs;
    private final FhirHttpClient http;
    private final BundlePageParser parser;
    private final ResourceWriter writer;
    private final ReviewQueue review;
    private final IssueLog issues;
    private final DirectoryGaps gaps;
    private final SourceResolver resolver;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final IngestProperties properties;
    private final Clock clock = Clock.systemUTC();

    SyncSteps(EndpointDirectory directory, SyncRunRepository runs, FhirHttpClient http, BundlePageParser parser,
            ResourceWriter writer, ReviewQueue review, IssueLog issues, DirectoryGaps gaps, SourceResolver resolver,
            TransactionTemplate tx, ApplicationEventPublisher events, IngestProperties properties) {
        this.directory = directory;
        this.runs = runs;
        this.http = http;
        this.parser = parser;
        this.writer = writer;
        this.review = review;
        this.issues = issues;
        this.gaps = gaps;
        this.resolver = resolver;
        this.tx = tx;
        this.events = events;
        this.properties = properties;
    }

    public void begin(Exchange exchange) {
        long runId = exchange.getMessage().getHeader(SyncService.RUN_ID_HEADER, Long.class);
        String endpointId = exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class);
        MDC.put("correlationId", "sync-" + runId);
        MDC.put("endpoint", endpointId);
        EmrEndpoint endpoint = directory.endpoint(endpointId)
                .orElseThrow(() -> new IllegalStateException("Endpoint " + endpointId + " is no longer defined"));
        Clinic clinic = directory.clinic(endpoint.clinicId())
                .orElseThrow(() -> new IllegalStateException("Clinic " + endpoint.clinicId() + " is not defined"));
        runs.markRunning(runId, now());
        SyncContext ctx = new SyncContext(runId, endpoint,
                new MappingContext(endpoint.id(), endpoint.base(), clinic.timeZone(), endpoint.validationLevel()));
        for (String type : SEARCHED_TYPES) {
            ctx.enqueue(new SyncContext.PageRequest(type,
                    endpoint.base().resolve(type + "?_count=" + endpoint.pageSize())));
        }
        exchange.setProperty(SyncContext.PROPERTY, ctx);
        log.info("Sync {} of {} started ({})", runId, endpoint.id(), endpoint.baseUrl());
    }

    /** True while a page remains; when the searches are done, plans the directory look-ups. */
    public boolean hasMoreWork(Exchange exchange) {
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
        boolean planned = enqueueById(ctx, "PractitionerRole", gaps.missingRoles(endpointId), "_id");
        planned |= enqueueById(ctx, "Practitioner", gaps.missingPractitioners(endpointId), "_id");
        planned |= enqueueById(ctx, "Organization", gaps.missingOrganizations(endpointId), "_id");
        planned |= enqueueById(ctx, "PractitionerRole", gaps.practitionersWithoutRoles(endpointId), "practitioner");
        return planned;
    }

    private boolean enqueueById(SyncContext ctx, String type, List<String> ids, String parameter) {
        List<String> fresh = ids.stream().filter(id -> ctx.requested.add(type + "?" + parameter + "=" + id)).toList();
        for (int i = 0; i < fresh.size(); i += IDS_PER_REQUEST) {
            List<String> chunk = fresh.subList(i, Math.min(fresh.size(), i + IDS_PER_REQUEST));
            ctx.enqueue(new SyncContext.PageRequest(type, ctx.endpoint.base().resolve(type + "?" + parameter + "="
                    + String.join(",", chunk) + "&_count=" + Math.max(ctx.endpoint.pageSize(), IDS_PER_REQUEST))));
        }
        return !fresh.isEmpty();
    }

    /** GET the current page and read it. Throws {@link RetryableSyncException} for the route to retry. */
    public void fetchPage(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = context(exchange);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        SyncContext.PageRequest request = ctx.current();
        ctx.attemptsOnCurrentPage++;
        String where = request.resourceType() + " page " + (ctx.pages + 1) + " (" + request.url() + ")";
        FhirHttpClient.Response response;
        try {
            response = http.get(request.url());
        } catch (HttpTimeoutException e) {
            throw retry(ctx, exchange, where + ": no answer within " + properties.http().requestTimeout(), null, e);
        } catch (IOException e) {
            throw retry(ctx, exchange, where + ": could not reach the EMR: " + e, null, e);
        }
        int status = response.status();
        if (RETRYABLE_STATUS.contains(status)) {
            Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), response.header("Date"),
                    clock.instant());
            throw retry(ctx, exchange, where + ": HTTP " + status + describe(response), retryAfter, null);
        }
        if (status == 401 || status == 403) {
            throw new SyncFailedException(where + ": HTTP " + status + ", the EMR refused our credentials"
                    + describe(response));
        }
        if (status < 200 || status > 299) {
            throw new SyncFailedException(where + ": HTTP " + status + describe(response));
        }
        ParsedPage page;
        try {
            page = parser.parse(response.body(), ctx.mapping);
        } catch (MalformedPageException e) {
            throw retry(ctx, exchange, where + ": " + e.getMessage(), null, e);
        }
        ctx.fetched = new SyncContext.Fetched(request, response, page, ctx.attemptsOnCurrentPage);
    }

    private RetryableSyncException retry(SyncContext ctx, Exchange exchange, String message, Duration retryAfter,
            Throwable cause) {
        ctx.retries++;
        if (retryAfter != null) {
            Duration capped = retryAfter.compareTo(properties.retry().maxRetryAfter()) > 0
                    ? properties.retry().maxRetryAfter() : retryAfter;
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, capped.toMillis());
            message += " (server asked to wait " + retryAfter.toSeconds() + "s)";
        }
        log.warn("{} (attempt {})", message, ctx.attemptsOnCurrentPage);
        return new RetryableSyncException(message, retryAfter, cause);
    }

    private static String describe(FhirHttpClient.Response response) {
        byte[] body = response.body();
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, 300), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ");
        return ": " + text;
    }

    /** Writes the fetched page in one transaction with its counters, then moves to the next page. */
    public void writePage(Exchange exchange) throws SyncFailedException {
        SyncContext ctx = context(exchange);
        SyncContext.Fetched fetched = ctx.fetched;
        ParsedPage page = fetched.page();
        URI next = page.nextLink() == null ? null : NextLinks.toUri(page.nextLink(), ctx.endpoint.base());
        OffsetDateTime now = now();
        WriteResult result = tx.execute(status -> {
            WriteResult written = writer.write(page.resources(), ctx.runId, now);
            review.record(ctx.endpoint.id(), ctx.runId, fetched.request().url().toString(), page.rejections(), now);
            review.resolveAccepted(ctx.endpoint.id(), page.resources());
            issues.replace(ctx.endpoint.id(), ctx.runId, page.resources(), page.issues(), now);
            ctx.pages++;
            ctx.received += page.resources().size() + page.rejections().size();
            ctx.written += written.written();
            ctx.unchanged += written.unchanged();
            ctx.rejected += page.rejections().size();
            runs.recordPage(ctx.runId, ctx.pages, fetched.request().resourceType(),
                    fetched.request().url().toString(), fetched.response().status(), page.entries(), page.total(),
                    fetched.attempts(), fetched.response().durationMs(), now);
            runs.recordProgress(ctx.runId, ctx.counters());
            return written;
        });
        ctx.directoryChanged |= result.directoryChanged();
        page.warnings().forEach(w -> log.info("{} page {}: server says {}", fetched.request().resourceType(),
                ctx.pages, w));
        if (!page.rejections().isEmpty()) {
            log.warn("{} page {}: {} resource(s) sent to review, first: {}", fetched.request().resourceType(),
                    ctx.pages, page.rejections().size(), page.rejections().get(0).reason());
        }
        ctx.advance(next);
    }

    public void finish(Exchange exchange) {
        SyncContext ctx = context(exchange);
        int credited = tx.execute(status -> resolver.resolve(ctx.endpoint.id(), ctx.directoryChanged));
        runs.finish(ctx.runId, SyncRun.SUCCEEDED, null, ctx.counters(), now());
        log.info("Sync {} of {} succeeded: {} pages, {} resources received, {} written, {} unchanged, {} rejected, "
                        + "{} retries, {} referrals credited", ctx.runId, ctx.endpoint.id(), ctx.pages, ctx.received,
                ctx.written, ctx.unchanged, ctx.rejected, ctx.retries, credited);
        events.publishEvent(new SyncFinishedEvent(ctx.endpoint.id(), ctx.endpoint.clinicId(), ctx.runId, true,
                ctx.written));
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
        }
        if (runId != null) {
            runs.finish(runId, SyncRun.FAILED, message,
                    ctx != null ? ctx.counters() : new SyncCounters(0, 0, 0, 0, 0, 0), now());
        }
        String endpointId = exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class);
        log.error("Sync {} of {} failed: {}", runId, endpointId, message);
        if (ctx != null) {
            events.publishEvent(new SyncFinishedEvent(endpointId, ctx.endpoint.clinicId(), ctx.runId, false,
                    ctx.written));
        }
        clearMdc();
    }

    private static SyncContext context(Exchange exchange) {
        return exchange.getProperty(SyncContext.PROPERTY, SyncContext.class);
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }

    private static void clearMdc() {
        MDC.remove("correlationId");
        MDC.remove("endpoint");
    }
}
