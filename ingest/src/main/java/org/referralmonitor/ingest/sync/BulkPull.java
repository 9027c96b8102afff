package org.referralmonitor.ingest.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.http.Body;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.NextLinks;
import org.referralmonitor.ingest.http.RefusedUrlException;
import org.referralmonitor.ingest.http.RetryAfter;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.store.Tombstones;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Strategy 3, Bulk Data {@code $export} at system or Group level, one step at a time so the route
 * can wait between them: kick-off ({@code Prefer: respond-async}, {@code _type}, {@code _since} = the
 * last manifest's {@code transactionTime}); a 429 there means an export is already running, so we
 * wait and ask again, never starting a second one. Then the status URL is polled, honouring
 * Retry-After (capped) and logging X-Progress; then each NDJSON file is streamed in chunks (never
 * whole in memory), every chunk committed like a search page; a download that fails resumes after
 * the lines already written; a file that holds no FHIR resource (an error page) is downloaded again.
 * Deleted resources become tombstones. After the last file each type's watermark moves to the
 * manifest's {@code transactionTime}, unless some of that type's resources did not arrive; none moves
 * when the error files report errors or deletions could not be read (the next export asks since the
 * same time). Then the export is forgotten, and its job deleted on the server, best effort.
 *
 * <p>The running export is kept in {@code bulk_export}, so a restarted application polls it rather
 * than starting another; an export the server says failed is forgotten, so the next sync starts a
 * new one. Types the server cannot export are left for the roster crawl. A first sync
 * on a server that allows searching practices, providers and roles searches those whole once the
 * export is ready (not before: the export can take hours, and the sync has written nothing until
 * then), and writes the visit files before the request files, so that each request is credited as
 * it is written, as the search strategy does ({@link SearchPull#planDirectoryFirst}).
 */
@Component
class BulkPull {

    private static final Logger log = LoggerFactory.getLogger(BulkPull.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Larger error bodies are not read for an OperationOutcome (an error page, not the server's words). */
    private static final int MAX_OUTCOME_BYTES = 1 << 20;

    private final BulkExports exports;
    private final Watermarks watermarks;
    private final PageFetcher fetcher;
    private final BundlePageParser parser;
    private final Tombstones tombstones;
    private final ReviewQueue review;
    private final SyncRunRepository runs;
    private final TransactionTemplate tx;
    private final IngestProperties properties;
    private final SyncSteps steps;
    private final RosterPull roster;
    private final SearchPull search;
    private final Clock clock;

    BulkPull(BulkExports exports, Watermarks watermarks, PageFetcher fetcher, BundlePageParser parser,
            Tombstones tombstones, ReviewQueue review, SyncRunRepository runs, TransactionTemplate tx,
            IngestProperties properties, @Lazy SyncSteps steps, RosterPull roster, SearchPull search,
            Optional<Clock> clock) {
        this.search = search;
        this.clock = clock.orElse(Clock.systemUTC());
        this.exports = exports;
        this.watermarks = watermarks;
        this.fetcher = fetcher;
        this.parser = parser;
        this.tombstones = tombstones;
        this.review = review;
        this.runs = runs;
        this.tx = tx;
        this.properties = properties;
        this.steps = steps;
        this.roster = roster;
    }

    /** Resumes the export this endpoint has running, or plans a new one. */
    public void plan(Exchange exchange) {
        SyncContext ctx = SyncSteps.context(exchange);
        SyncContext.BulkState bulk = new SyncContext.BulkState();
        ctx.bulk = bulk;
        Connection.Bulk config = ctx.endpoint.connection().bulk();
        List<String> wanted = config.types().isEmpty() ? SearchPull.TYPES
                : SearchPull.TYPES.stream().filter(config.types()::contains).toList();
        Optional<BulkExports.Running> running = exports.find(ctx.endpoint.id());
        if (running.isPresent()) {
            BulkExports.Running r = running.get();
            // the types it asked for: those refused at its kick-off (or not configured) are the crawl's
            bulk.fill.addAll(SearchPull.TYPES.stream().filter(t -> !r.types().contains(t)).toList());
            bulk.types = r.types();
            bulk.since = r.since();
            bulk.statusUrl = URI.create(r.statusUrl());
            bulk.phase = SyncContext.BulkState.Phase.POLL;
            bulk.resumed = true;
            log.info("{}: resuming the export kicked off at {} ({})", ctx.endpoint.id(), r.kickedOffAt(), r.statusUrl());
        } else {
            bulk.fill.addAll(SearchPull.TYPES.stream().filter(t -> !wanted.contains(t)).toList());
            bulk.types = wanted;
            bulk.since = since(ctx, wanted);
        }
        if (search.planDirectoryFirst(ctx)) {
            log.info("{}: first sync: once the export is ready, practices, providers and roles searched whole, then "
                    + "the export's visits before its requests, each request credited as it is written",
                    ctx.endpoint.id());
        }
        exchange.setProperty(SyncContext.WAIT_PROPERTY, 0L);
    }

    /** {@code _since}: the oldest watermark of the exported types, none on a first export, 120 days back on a reconciliation. */
    private OffsetDateTime since(SyncContext ctx, List<String> types) {
        if (ctx.reconciling()) {
            return ctx.serverNow.minusDays(properties.pull().reconcileDays());
        }
        Map<String, OffsetDateTime> marks = watermarks.all(ctx.endpoint.id());
        OffsetDateTime since = null;
        for (String type : types) {
            OffsetDateTime mark = marks.get(type);
            if (mark == null) {
                return null;
            }
            since = since == null || mark.isBefore(since) ? mark : since;
        }
        return since;
    }

    /** True while the export is being kicked off or prepared (nothing to download yet). */
    public boolean preparing(Exchange exchange) {
        SyncContext.BulkState bulk = SyncSteps.context(exchange).bulk;
        return bulk != null && (bulk.phase == SyncContext.BulkState.Phase.KICK_OFF
                || bulk.phase == SyncContext.BulkState.Phase.POLL);
    }

    /** True until the export's files are all written and its job is deleted. */
    public boolean hasWork(Exchange exchange) {
        SyncContext.BulkState bulk = SyncSteps.context(exchange).bulk;
        return bulk != null && bulk.phase != SyncContext.BulkState.Phase.DONE;
    }

    /** Types the export could not give, for the roster crawl. */
    public void planFill(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = SyncSteps.context(exchange);
        if (ctx.bulk != null && !ctx.bulk.fill.isEmpty()) {
            log.info("{}: {} cannot be exported; the roster crawl fills them", ctx.endpoint.id(), ctx.bulk.fill);
            roster.plan(exchange, ctx, List.copyOf(ctx.bulk.fill));
            ctx.bulk.fill.clear();
        }
    }

    /** One step of the export; sets how long the route waits before the next. */
    public void step(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = SyncSteps.context(exchange);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        exchange.setProperty(SyncContext.WAIT_PROPERTY, 0L);
        SyncContext.BulkState bulk = ctx.bulk;
        try {
            long wait = switch (bulk.phase) {
                case KICK_OFF -> kickOff(ctx, bulk);
                case POLL -> poll(ctx, bulk);
                case FILES -> download(ctx, bulk);
                case DONE -> 0L;
            };
            if (wait > 0) {
                bulk.waitedMs += wait;
                if (bulk.waitedMs > properties.pull().bulkMaxWait().toMillis()) {
                    throw new SyncFailedException("The export has not finished after waiting "
                            + Duration.ofMillis(bulk.waitedMs).toMinutes() + " minutes (bulk-max-wait "
                            + properties.pull().bulkMaxWait() + "); it is left running on the server and the next "
                            + "sync polls it again");
                }
                exchange.setProperty(SyncContext.WAIT_PROPERTY, wait);
            }
        } catch (RetryableSyncException e) {
            if (bulk.phase == SyncContext.BulkState.Phase.POLL) {
                bulk.pollFailures++;
            }
            throw steps.retrying(exchange, ctx, e);
        }
    }

    private long kickOff(SyncContext ctx, SyncContext.BulkState bulk)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        if (bulk.types.isEmpty()) {
            bulk.phase = SyncContext.BulkState.Phase.DONE;
            return 0;
        }
        Connection.Bulk config = ctx.endpoint.connection().bulk();
        String path = config.level() == Connection.ExportLevel.GROUP
                ? "Group/" + URLEncoder.encode(config.groupId(), StandardCharsets.UTF_8) + "/$export" : "$export";
        String query = "_type=" + String.join(",", bulk.types)
                + (bulk.since == null ? "" : "&_since=" + URLEncoder.encode(SearchPull.format(bulk.since),
                        StandardCharsets.UTF_8));
        URI url = ctx.endpoint.base().resolve(path + "?" + query);
        String where = "kicking off the export (" + url + ")";
        FhirHttpClient.Response response;
        try {
            response = fetcher.send(ctx, "GET", url, Map.of("Accept", "application/fhir+json",
                    "Prefer", "respond-async"), where, true);
        } catch (RetryableSyncException e) {
            if (e.status() == 429) {
                long wait = pollWait(e.retryAfter());
                steps.detail(ctx, "an export is already running on the server; waiting " + wait / 1000
                        + "s before asking again");
                log.info("{}: 429 at kick-off, an export is already running; waiting {} ms", ctx.endpoint.id(), wait);
                return wait;
            }
            throw e;
        }
        int status = response.status();
        if (status == 202) {
            String location = response.header("Content-Location");
            if (location == null) {
                throw new SyncFailedException(where + ": 202 without a Content-Location to poll");
            }
            try {
                bulk.statusUrl = NextLinks.toUri(location, ctx.endpoint.base());
            } catch (RefusedUrlException e) {
                throw new SyncFailedException(where + ": the status URL is not followed: " + e.getMessage());
            }
            OffsetDateTime now = OffsetDateTime.now(clock);
            exports.save(ctx.endpoint.id(), new BulkExports.Running(bulk.statusUrl.toString(), now, bulk.since,
                    bulk.types));
            bulk.phase = SyncContext.BulkState.Phase.POLL;
            steps.detail(ctx, "export kicked off for " + String.join(", ", bulk.types)
                    + (bulk.since == null ? "" : " since " + SearchPull.format(bulk.since)));
            return pollWait(null);
        }
        if (status >= 400 && status < 500) {
            String said = PageFetcher.describe(response);
            List<String> refused = bulk.types.stream().filter(said::contains).toList();
            if (!refused.isEmpty()) {
                bulk.fill.addAll(refused);
                bulk.types = bulk.types.stream().filter(t -> !refused.contains(t)).toList();
                bulk.since = since(ctx, bulk.types); // the refused types' watermarks are the crawl's
                log.info("{}: the server cannot export {}{}", ctx.endpoint.id(), refused, said);
                return 0;
            }
        }
        throw new SyncFailedException(where + ": HTTP " + status + PageFetcher.describe(response));
    }

    /**
     * Asks the status URL how the export is doing. The server saying the export failed (a 4xx other
     * than 404, 410 and the retryable 408 and 429; a 5xx carrying an OperationOutcome, once retries are
     * spent; a manifest without a transactionTime) abandons the export: polling it again would fail
     * forever. A 5xx without an OperationOutcome is an outage: the job is kept for the next sync.
     */
    private long poll(SyncContext ctx, SyncContext.BulkState bulk)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        String where = "polling the export (" + bulk.statusUrl + ")";
        FhirHttpClient.Response response = fetcher.call(where, () -> ctx.session.send("GET", bulk.statusUrl,
                Map.of("Accept", "application/json")));
        int status = response.status();
        if (status == 202) {
            bulk.pollFailures = 0;
            String progress = response.header("X-Progress");
            steps.detail(ctx, "export in progress" + (progress == null ? "" : ": " + progress));
            return pollWait(RetryAfter.parse(response.header("Retry-After"), response.header("Date"),
                    clock.instant()));
        }
        if (status == 404 || status == 410) {
            log.warn("{}: the server no longer knows the export {}; starting a new one", ctx.endpoint.id(),
                    bulk.statusUrl);
            exports.forget(ctx.endpoint.id());
            bulk.statusUrl = null;
            bulk.phase = SyncContext.BulkState.Phase.KICK_OFF;
            return 0;
        }
        String outcome = outcome(response);
        // the Bulk Data spec marks a failure worth waiting out with issue code "transient": an outage
        boolean transientOutcome = outcome != null && transientOutcome(response);
        if (PageFetcher.retryable(status)) {
            boolean lastAttempt = bulk.pollFailures >= properties.retry().maxRedeliveries();
            if (status >= 500 && outcome != null && !transientOutcome && lastAttempt) {
                throw abandon(ctx, bulk, where + " answered HTTP " + status + " " + (bulk.pollFailures + 1)
                        + " times in a row, saying: " + outcome);
            }
            throw new RetryableSyncException(where + ": HTTP " + status + PageFetcher.describe(response),
                    RetryAfter.parse(response.header("Retry-After"), response.header("Date"), clock.instant()),
                    null, status);
        }
        if (status == 401) {
            // our credentials, not the export (a fresh token was refused too): it is kept, and polled
            // again once they are fixed; a 403 (the job is not ours to read) abandons it below
            throw new SyncFailedException(where + ": HTTP " + status + ", the EMR refused our credentials"
                    + (outcome != null ? ", saying: " + outcome : PageFetcher.describe(response))
                    + "; the export is kept and the next sync polls it again");
        }
        if (((status >= 400 && status < 500) || (status >= 500 && outcome != null)) && !transientOutcome) {
            throw abandon(ctx, bulk, where + " answered HTTP " + status
                    + (outcome != null ? ", saying: " + outcome : PageFetcher.describe(response)));
        }
        PageFetcher.ok(response, where);
        bulk.pollFailures = 0;
        try {
            readManifest(ctx, bulk, response, where);
        } catch (FileElsewhereException e) {
            // not the export's fault: kept, so that once the host is listed (or the server fixed) it is used
            throw e;
        } catch (SyncFailedException e) {
            throw abandon(ctx, bulk, e.getMessage());
        }
        bulk.phase = SyncContext.BulkState.Phase.FILES;
        steps.detail(ctx, "export ready: " + bulk.files.size() + " file(s)");
        return 0;
    }

    /**
     * The export failed on the server: forgets it (so the next sync kicks off a new one, asking since
     * the same time, the watermarks not having moved), deletes its job (best effort) and says why the
     * run fails.
     */
    private SyncFailedException abandon(SyncContext ctx, SyncContext.BulkState bulk, String why)
            throws InterruptedException {
        URI job = bulk.statusUrl;
        exports.forget(ctx.endpoint.id());
        bulk.statusUrl = null;
        deleteJob(ctx, job, "the failed export's job");
        return new SyncFailedException("The EMR's export failed, so it was abandoned: " + why + ". Nothing of it "
                + "was written and the watermarks did not move; the next sync starts a new export"
                + (bulk.since == null ? "" : " since " + SearchPull.format(bulk.since)));
    }

    /** Deletes an export's job on the server; any failure is only logged (the server expires jobs). */
    private void deleteJob(SyncContext ctx, URI job, String what) throws InterruptedException {
        String where = "deleting " + what + " (" + job + ")";
        try {
            FhirHttpClient.Response deleted = fetcher.send(ctx, "DELETE", job, Map.of(), where, true);
            if (deleted.status() >= 300 && deleted.status() != 404 && deleted.status() != 410) {
                log.warn("{}: {} answered HTTP {}; the server will expire it", ctx.endpoint.id(), where,
                        deleted.status());
            }
        } catch (RetryableSyncException | SyncFailedException e) {
            log.warn("{}: {} failed; the server will expire it: {}", ctx.endpoint.id(), where, e.getMessage());
        }
    }

    /**
     * What an OperationOutcome body says (its issues' diagnostics, else their details' text or code),
     * on one line; null when the body is not an OperationOutcome.
     */
    static String outcome(FhirHttpClient.Response response) {
        Body body = response.content();
        if (body == null || body.length() == 0 || body.length() > MAX_OUTCOME_BYTES) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(body.stream());
        } catch (IOException e) {
            return null;
        }
        if (node == null || !"OperationOutcome".equals(node.path("resourceType").asText())) {
            return null;
        }
        List<String> said = new ArrayList<>();
        for (JsonNode issue : node.path("issue")) {
            said.add(issueText(issue));
        }
        String text = said.isEmpty() ? "an OperationOutcome without issues" : String.join("; ", said);
        text = text.replaceAll("\\s+", " ");
        return text.length() <= 500 ? text : text.substring(0, 499) + "…";
    }

    /** A manifest naming a file on a host we do not download from: the export is kept. */
    static final class FileElsewhereException extends SyncFailedException {
        FileElsewhereException(String message) {
            super(message);
        }
    }

    /** Whether the answer is an OperationOutcome whose issues are all of code "transient". */
    private static boolean transientOutcome(FhirHttpClient.Response response) {
        try {
            JsonNode node = JSON.readTree(response.content().stream());
            JsonNode issues = node.path("issue");
            if (issues.isEmpty()) {
                return false;
            }
            for (JsonNode issue : issues) {
                if (!"transient".equals(issue.path("code").asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One OperationOutcome issue in words: its diagnostics, else its details' text, else its code. */
    private static String issueText(JsonNode issue) {
        String text = issue.path("diagnostics").asText("");
        if (text.isBlank()) {
            text = issue.path("details").path("text").asText("");
        }
        if (text.isBlank()) {
            text = "(" + issue.path("code").asText("no code") + ", no diagnostics)";
        }
        return text.strip();
    }

    private void readManifest(SyncContext ctx, SyncContext.BulkState bulk, FhirHttpClient.Response response,
            String where) throws RetryableSyncException, SyncFailedException {
        JsonNode manifest;
        try {
            manifest = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new RetryableSyncException(where + ": the manifest is not JSON: " + e.getMessage(), null, e);
        }
        String transactionTime = manifest.path("transactionTime").asText(null);
        if (transactionTime == null) {
            throw new SyncFailedException(where + ": the manifest has no transactionTime");
        }
        try {
            bulk.transactionTime = OffsetDateTime.parse(transactionTime);
        } catch (java.time.format.DateTimeParseException e) {
            throw new SyncFailedException(where + ": transactionTime '" + transactionTime + "' is not an instant");
        }
        bulk.requiresAccessToken = manifest.path("requiresAccessToken").asBoolean(true);
        bulk.files.clear();
        bulk.announced.clear();
        bulk.seen.clear();
        bulk.fileIndex = 0;
        bulk.linesDone = 0;
        bulk.fileHasResource = false;
        bulk.errors = 0;
        bulk.firstErrors.clear();
        bulk.notices = 0;
        bulk.unreadDeletions = 0;
        bulk.types.forEach(t -> {
            bulk.announced.put(t, 0);
            bulk.seen.put(t, new IdSet());
        });
        addFiles(ctx, bulk, manifest.path("output"), SyncContext.BulkFile.Kind.OUTPUT, where, properties.pull().bulkDownloadHosts());
        addFiles(ctx, bulk, manifest.path("deleted"), SyncContext.BulkFile.Kind.DELETED, where, properties.pull().bulkDownloadHosts());
        addFiles(ctx, bulk, manifest.path("error"), SyncContext.BulkFile.Kind.ERROR, where, properties.pull().bulkDownloadHosts());
        // visits before requests (a stable sort: otherwise the manifest's order), so that a request made in
        // a visit is credited from it as it is written
        bulk.files.sort(java.util.Comparator.comparingInt(f -> f.kind() == SyncContext.BulkFile.Kind.OUTPUT
                && "Encounter".equals(f.type()) ? 0 : 1));
    }

    /**
     * Whether an export file on another host than the endpoint's may be downloaded: an https URL whose
     * host is listed, exactly or under a "*." suffix (bulk-download-hosts; none by default).
     */
    static boolean downloadHostAllowed(URI uri, List<String> hosts) {
        String host = uri.getHost();
        if (host == null || !"https".equalsIgnoreCase(uri.getScheme())) {
            return false;
        }
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return hosts.stream().map(a -> a.toLowerCase(java.util.Locale.ROOT)).anyMatch(a -> a.startsWith("*.")
                ? h.endsWith(a.substring(1)) && h.length() > a.length() - 1 : h.equals(a));
    }

    private static void addFiles(SyncContext ctx, SyncContext.BulkState bulk, JsonNode files,
            SyncContext.BulkFile.Kind kind, String where, List<String> downloadHosts) throws SyncFailedException {
        for (JsonNode file : files) {
            String type = file.path("type").asText("");
            String url = file.path("url").asText(null);
            if (url == null) {
                throw new SyncFailedException(where + ": a manifest " + kind.name().toLowerCase() + " entry has no url");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new SyncFailedException(where + ": manifest url '" + url + "' is not a URL");
            }
            if (!NextLinks.sameOrigin(uri, ctx.endpoint.base()) && !downloadHostAllowed(uri, downloadHosts)) {
                throw new FileElsewhereException(where + ": export file " + uri + " is on " + uri.getScheme()
                        + "://" + uri.getAuthority() + ", not on the endpoint's own host; files are downloaded only "
                        + "from there or from a host listed in referral-monitor.ingest.pull.bulk-download-hosts "
                        + "(cloud storage the EMR is known to use), and our authorization is never sent there. The "
                        + "export is kept for the next sync");
            }
            Integer count = file.hasNonNull("count") ? file.get("count").asInt() : null;
            if (kind == SyncContext.BulkFile.Kind.OUTPUT && !bulk.types.contains(type)) {
                continue;
            }
            if (kind == SyncContext.BulkFile.Kind.OUTPUT && count != null) {
                bulk.announced.merge(type, count, Integer::sum);
            }
            bulk.files.add(new SyncContext.BulkFile(type, uri, count, kind));
        }
    }

    /** Streams the current file in chunks, skipping the lines a failed attempt already wrote. */
    private long download(SyncContext ctx, SyncContext.BulkState bulk)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        if (bulk.fileIndex >= bulk.files.size()) {
            complete(ctx, bulk);
            return 0;
        }
        SyncContext.BulkFile file = bulk.files.get(bulk.fileIndex);
        String name = file.url().getPath().substring(file.url().getPath().lastIndexOf('/') + 1);
        String where = "downloading export file " + name + " (" + file.url() + ")";
        ctx.attemptsOnCurrentPage++;
        FhirHttpClient.Stream stream = fetcher.call(where, () -> ctx.session.download(file.url(),
                bulk.requiresAccessToken, Map.of("Accept", "application/fhir+ndjson")));
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            int status = stream.status();
            if (status == 404 || status == 410) {
                log.warn("{}: {} is gone (HTTP {}); the export expired, starting a new one", ctx.endpoint.id(), name,
                        status);
                exports.forget(ctx.endpoint.id());
                bulk.phase = SyncContext.BulkState.Phase.KICK_OFF;
                return 0;
            }
            if (PageFetcher.retryable(status)) {
                throw new RetryableSyncException(where + ": HTTP " + status, RetryAfter.parse(
                        stream.header("Retry-After"), stream.header("Date"), clock.instant()), null, status);
            }
            if (status < 200 || status > 299) {
                throw new SyncFailedException(where + ": HTTP " + status);
            }
            String contentType = stream.header("Content-Type");
            if (notNdjson(contentType)) {
                throw new RetryableSyncException(where + ": HTTP " + status + " with a " + contentType + " body, not "
                        + "NDJSON (an expired or wrong download link gives such an error page)", null, null);
            }
            readLines(ctx, bulk, file, name, where, reader);
        } catch (IOException e) {
            throw new RetryableSyncException(where + ": the download broke off after line " + bulk.linesDone + ": "
                    + e, null, e);
        }
        log.info("{}: {} written ({} lines)", ctx.endpoint.id(), name, bulk.linesDone);
        bulk.fileIndex++;
        bulk.linesDone = 0;
        bulk.fileHasResource = false;
        ctx.attemptsOnCurrentPage = 0;
        steps.detail(ctx, "export file " + bulk.fileIndex + " of " + bulk.files.size() + " written");
        return 0;
    }

    /** A download's media type that is clearly no NDJSON: an HTML or XML page. */
    static boolean notNdjson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return type.contains("html") || type.contains("xml");
    }

    private void readLines(SyncContext ctx, SyncContext.BulkState bulk, SyncContext.BulkFile file, String name,
            String where, BufferedReader reader) throws IOException, RetryableSyncException {
        int chunkSize = properties.pull().bulkChunk();
        List<String> chunk = new ArrayList<>(Math.min(chunkSize, 4096));
        int line = 0;
        int firstLine = bulk.linesDone + 1;
        String text;
        while ((text = reader.readLine()) != null) {
            line++;
            if (line <= bulk.linesDone) {
                continue;
            }
            chunk.add(text);
            if (chunk.size() >= chunkSize) {
                writeChunk(ctx, bulk, file, name, where, chunk, firstLine);
                bulk.linesDone = line;
                firstLine = line + 1;
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            writeChunk(ctx, bulk, file, name, where, chunk, firstLine);
            bulk.linesDone = line;
        }
    }

    /**
     * Writes a chunk of lines. Lines that are no FHIR resource (not JSON, say) go to the review table
     * but are not counted as received; a file whose first chunk holds no resource at all, nor a line
     * beginning as one of its type, is no export file (an HTML error page served with 200 by an
     * expired download link): nothing of it is written and the download is retried.
     */
    private void writeChunk(SyncContext ctx, SyncContext.BulkState bulk, SyncContext.BulkFile file, String name,
            String where, List<String> lines, int firstLine) throws RetryableSyncException {
        switch (file.kind()) {
            case OUTPUT -> {
                ParsedPage page = parser.parseLines(lines, firstLine, name, ctx.mapping);
                List<ParsedPage.Rejection> anonymous = page.rejections().stream()
                        .filter(r -> r.resourceType() == null || r.resourceId() == null).toList();
                if (page.entries() > anonymous.size() || lines.stream().anyMatch(l -> beginsAs(l, file.type()))) {
                    // a resource, or a line that begins as one of the file's type (cut short, say): an
                    // export file whose unreadable lines go to review, not an error page
                    bulk.fileHasResource = true;
                } else if (!bulk.fileHasResource && page.entries() > 0) {
                    throw new RetryableSyncException(where + ": lines " + firstLine + " to "
                            + (firstLine + lines.size() - 1) + " hold no FHIR resource, so this is no export file "
                            + "(an expired download link can answer with an error page); first: "
                            + anonymous.get(0).reason(), null, null);
                }
                IdSet seen = bulk.seen.computeIfAbsent(file.type(), t -> new IdSet());
                page.resources().forEach(r -> seen.add(r.resourceType() + "/" + r.resourceId()));
                page.rejections().stream().filter(r -> r.resourceType() != null && r.resourceId() != null)
                        .forEach(r -> seen.add(r.resourceType() + "/" + r.resourceId() + "#" + r.location()));
                steps.commit(ctx, List.of(new SyncContext.Fetched(new SyncContext.PageRequest(file.type(), file.url(),
                        SyncContext.Purpose.WINDOW, null), new FhirHttpClient.Response(200, null, null, 0), page,
                        Math.max(1, ctx.attemptsOnCurrentPage))));
            }
            case DELETED -> deleted(ctx, bulk, file, name, where, lines, firstLine);
            case ERROR -> reported(ctx, bulk, name, lines, firstLine);
        }
    }

    /**
     * Whether a line begins as a FHIR resource of the type, {@code {"resourceType":"Type"}, spaces
     * allowed (read only for a chunk without a single readable resource).
     */
    static boolean beginsAs(String line, String type) {
        java.util.regex.Matcher m = RESOURCE_START.matcher(line);
        return m.lookingAt() && m.group(1).equals(type);
    }

    private static final java.util.regex.Pattern RESOURCE_START =
            java.util.regex.Pattern.compile("\\s*\\{\\s*\"resourceType\"\\s*:\\s*\"([^\"]*)\"");

    /**
     * Lines of an error file: OperationOutcomes saying what the server could not export. Their issues
     * of severity error or fatal (and lines that are no OperationOutcome) are counted and the first
     * few kept for the run; they hold the watermarks. Warnings and information are only logged.
     */
    private void reported(SyncContext ctx, SyncContext.BulkState bulk, String name, List<String> lines,
            int firstLine) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String at = "line " + (firstLine + i) + " of " + name;
            JsonNode outcome;
            try {
                outcome = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                reported(ctx, bulk, "error", at + " is not valid JSON");
                continue;
            }
            if (!"OperationOutcome".equals(outcome.path("resourceType").asText()) || outcome.path("issue").isEmpty()) {
                reported(ctx, bulk, "error", at + " is no OperationOutcome with issues");
                continue;
            }
            for (JsonNode issue : outcome.path("issue")) {
                reported(ctx, bulk, issue.path("severity").asText("error"), issueText(issue));
            }
        }
    }

    private static void reported(SyncContext ctx, SyncContext.BulkState bulk, String severity, String text) {
        if ("warning".equals(severity) || "information".equals(severity)) {
            bulk.notices++;
            if (bulk.notices <= 3) {
                log.info("{}: the export reports ({}): {}", ctx.endpoint.id(), severity, text);
            }
            return;
        }
        bulk.errors++;
        if (bulk.firstErrors.size() < 3) {
            bulk.firstErrors.add(text.length() <= 150 ? text : text.substring(0, 149) + "…");
            log.warn("{}: the export reports ({}): {}", ctx.endpoint.id(), severity, text);
        }
    }

    /**
     * Lines of a deleted file: Bundles whose entries are {@code DELETE Type/id}. A line that is no such
     * Bundle goes to the review table and holds the watermarks (a deletion we could not read would
     * otherwise never be asked for again); a file whose first chunk holds none is no export file, and
     * its download is retried, as for resources.
     */
    private void deleted(SyncContext ctx, SyncContext.BulkState bulk, SyncContext.BulkFile file, String name,
            String where, List<String> lines, int firstLine) throws RetryableSyncException {
        Map<String, List<String>> byType = new HashMap<>();
        List<ParsedPage.Rejection> unread = new ArrayList<>();
        int entries = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            entries++;
            String at = "line " + (firstLine + i) + " of " + name;
            JsonNode bundle;
            try {
                bundle = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                unread.add(new ParsedPage.Rejection(null, null, at + " (deleted resources) is not valid JSON: "
                        + e.getOriginalMessage() + "; what it deleted is not known", at,
                        parser.fingerprint(ctx.endpoint.id(), line)));
                continue;
            }
            if (!"Bundle".equals(bundle.path("resourceType").asText())) {
                unread.add(new ParsedPage.Rejection(null, null, at + " (deleted resources) is not a Bundle of "
                        + "deletions; what it deleted is not known", at, parser.fingerprint(ctx.endpoint.id(), line)));
                continue;
            }
            for (JsonNode entry : bundle.path("entry")) {
                String url = entry.path("request").path("url").asText("");
                String[] parts = url.split("/");
                if (parts.length >= 2 && SearchPull.TYPES.contains(parts[parts.length - 2])) {
                    byType.computeIfAbsent(parts[parts.length - 2], t -> new ArrayList<>())
                            .add(parts[parts.length - 1]);
                }
            }
        }
        if (entries > unread.size()) {
            bulk.fileHasResource = true;
        } else if (!bulk.fileHasResource && entries > 0) {
            throw new RetryableSyncException(where + ": lines " + firstLine + " to " + (firstLine + lines.size() - 1)
                    + " hold no Bundle of deleted resources, so this is no export file (an expired download link "
                    + "can answer with an error page); first: " + unread.get(0).reason(), null, null);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        ctx.beforeWriting();
        tx.executeWithoutResult(status -> {
            ctx.tombstoned += byType.entrySet().stream()
                    .mapToInt(e -> tombstones.markDeleted(ctx.endpoint.id(), e.getKey(), e.getValue(), now)).sum();
            review.record(ctx.endpoint.id(), ctx.runId, file.url().toString(), unread, now);
            ctx.rejected += unread.size();
            bulk.unreadDeletions += unread.size();
            runs.recordProgress(ctx.runId, ctx.counters());
        });
        if (!unread.isEmpty()) {
            log.warn("{}: {} line(s) of {} sent to review, first: {}", ctx.endpoint.id(), unread.size(), name,
                    unread.get(0).reason());
        }
    }

    /**
     * Every file is written: records what arrived, moves the watermarks to transactionTime and forgets
     * the export, then deletes its job on the server, best effort (a refused or failed delete must not
     * keep the next sync from starting a new export).
     */
    private void complete(SyncContext ctx, SyncContext.BulkState bulk) throws InterruptedException {
        OffsetDateTime now = OffsetDateTime.now(clock);
        // per type: how many the manifest announced that did not arrive (distinct ids)
        Map<String, Integer> shortfalls = new TreeMap<>();
        for (String type : bulk.types) {
            int shortfall = bulk.announced.getOrDefault(type, 0) - bulk.seen.getOrDefault(type, new IdSet()).size();
            if (shortfall > 0) {
                shortfalls.put(type, shortfall);
            }
        }
        // what holds the watermarks, by kind (errors and unread deletions hold every type's; a shortfall its own)
        Map<String, String> holds = holds(bulk);
        boolean everyType = !holds.isEmpty();
        shortfalls.forEach((type, n) -> holds.put("shortfall " + type, n + " " + type + " the manifest announced did "
                + "not arrive"));
        String reported = holds.isEmpty() ? null : String.join(", and ", holds.values());
        // compared by kind and type, not by count (a server whose count includes a growing number of
        // resources it cannot export falls short by more each time)
        String kinds = holds.isEmpty() ? null : String.join(", ", holds.keySet());
        // the export before this one was held for the same kinds, and asked from the same _since (asking
        // again gives the same) or was already taken as steady (the server's lasting quirk: a resource it
        // cannot export, a count that includes what it does not export): holding for good would pull a
        // growing window and keep the feed suspect; what was reported stays recorded on every run
        boolean again = kinds != null && runs.previousHeldFor(ctx.endpoint.id(), ctx.runId, bulk.since, kinds);
        String held = again ? null : reported;
        int mismatch = bulk.unreadDeletions + bulk.errors + shortfalls.values().stream().mapToInt(Integer::intValue).sum();
        tx.executeWithoutResult(status -> {
            if (kinds != null) {
                runs.recordHeld(ctx.runId, bulk.since, kinds);
            }
            ctx.countMismatch += mismatch;
            if (again) {
                ctx.steadyMismatch += mismatch;
            }
            for (String type : bulk.types) {
                int announced = bulk.announced.getOrDefault(type, 0);
                int received = bulk.seen.getOrDefault(type, new IdSet()).size();
                runs.recordWindow(ctx.runId, type, bulk.since, bulk.transactionTime, announced, received, 1);
                if (again || (!everyType && !shortfalls.containsKey(type))) {
                    watermarks.advance(ctx.endpoint.id(), type, bulk.transactionTime, ctx.runId, now);
                } else if (shortfalls.containsKey(type)) {
                    log.warn("{}: the manifest announced {} {} but {} distinct arrived; the watermark stays",
                            ctx.endpoint.id(), announced, type, received);
                }
            }
            exports.forget(ctx.endpoint.id());
            runs.recordProgress(ctx.runId, ctx.counters());
        });
        deleteJob(ctx, bulk.statusUrl, "the finished export's job");
        bulk.phase = SyncContext.BulkState.Phase.DONE;
        if (again) {
            log.warn("{}: the export is written; {}, as in the export before, so the watermarks move on (recorded as "
                    + "a steady count mismatch)", ctx.endpoint.id(), reported);
            steps.detail(ctx, "export written; " + reported + ", as in the export before from the same time or "
                    + "the server's steady shortfall, so the watermarks move on (asking again gives the same)");
        } else if (held != null) {
            String which = everyType ? "the watermarks stay"
                    : "the watermark of " + String.join(" and ", shortfalls.keySet()) + " stays";
            log.warn("{}: the export is written, but {}: {}", ctx.endpoint.id(), which, held);
            steps.detail(ctx, "export written, but " + which + " because " + held + "; the next export asks since "
                    + (bulk.since == null ? "the beginning again" : SearchPull.format(bulk.since) + " again"));
        } else if (bulk.notices > 0) {
            steps.detail(ctx, "export done; the server noted " + bulk.notices + " warning(s) in its error files");
        }
    }

    /** What holds every type's watermark after this export, by kind ("errors", "unread deletions"), in words. */
    private static Map<String, String> holds(SyncContext.BulkState bulk) {
        Map<String, String> why = new java.util.LinkedHashMap<>();
        if (bulk.errors > 0) {
            why.put("errors", "the server reported " + bulk.errors + " error(s) in its error files, so some resources "
                    + "may not have been exported (first: " + String.join("; ", bulk.firstErrors) + ")");
        }
        if (bulk.unreadDeletions > 0) {
            why.put("unread deletions", bulk.unreadDeletions + " line(s) of its deleted files could not be read (sent "
                    + "to review)");
        }
        return why;
    }

    /** How long to wait before the next poll: the server's Retry-After or our interval, capped. */
    private long pollWait(Duration retryAfter) {
        Duration wait = retryAfter != null ? retryAfter : properties.pull().bulkPollInterval();
        Duration cap = properties.pull().bulkMaxPollInterval();
        return (wait.compareTo(cap) > 0 ? cap : wait).toMillis();
    }
}
