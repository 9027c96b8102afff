package org.referralmonitor.ingest.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.hl7.fhir.r4.model.Reference;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.fhir.PatientPseudonymizer;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.NextLinks;
import org.referralmonitor.ingest.http.RefusedUrlException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Strategy 2, the patient-roster crawl, for servers that only allow patient-anchored search (Oracle
 * Health, US Core's required searches): the roster comes from a Group, a Patient search or a
 * configured list; per patient {@code ServiceRequest?patient=..} and {@code Encounter?patient=..},
 * every page followed, with the endpoint's concurrency. Patients are written in batches, each batch
 * in one transaction; a batch that fails is fetched again, never skipped.
 *
 * <p>A patient read in full before is asked only for what changed since ({@code _lastUpdated=ge} its
 * mark minus the endpoint's overlap, {@link RosterMarks}) where the server declares {@code _lastUpdated}
 * for the type; a patient new to the roster, every patient in a reconciliation (which counts what the
 * incremental crawls missed), and every patient of a server without {@code _lastUpdated} (or that
 * answers a patient search with it by a 400: for the rest of that sync, {@link PageFetcher}), are read
 * in full. A patient's mark moves to the start of this sync's window once its pages are committed and
 * all it announced arrived: a crawl killed midway starts again from the first patient, each one already
 * read asked only for what changed. Unchanged resources write nothing. The crawl also fills the
 * types a Bulk export cannot give.
 */
@Component
class RosterPull {

    private static final Logger log = LoggerFactory.getLogger(RosterPull.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SearchPull search;
    private final PageFetcher fetcher;
    private final PageCommitter committer;
    private final SyncRunRepository runs;
    private final Watermarks watermarks;
    private final TransactionTemplate tx;
    private final IngestProperties properties;
    private final SyncSteps steps;
    private final Clock clock;
    private final RosterMarks marks;
    private final PatientPseudonymizer pseudonyms;
    private final MissedChanges missed;

    RosterPull(PageFetcher fetcher, PageCommitter committer, SyncRunRepository runs, Watermarks watermarks,
            TransactionTemplate tx, IngestProperties properties, @Lazy SyncSteps steps, SearchPull search,
            Optional<Clock> clock, RosterMarks marks, PatientPseudonymizer pseudonyms, MissedChanges missed) {
        this.marks = marks;
        this.pseudonyms = pseudonyms;
        this.missed = missed;
        this.search = search;
        this.clock = clock.orElse(Clock.systemUTC());
        this.fetcher = fetcher;
        this.committer = committer;
        this.runs = runs;
        this.watermarks = watermarks;
        this.tx = tx;
        this.properties = properties;
        this.steps = steps;
    }

    /**
     * Reads the roster and plans a crawl of ServiceRequest and Encounter for every patient on it. A
     * first sync on a server that allows searching the whole directory searches practices, providers
     * and roles first (the route's page loop before the crawl), so each request is credited as it is
     * written, as search and Bulk first syncs do ({@link SearchPull#planDirectoryFirst}).
     */
    public void plan(Exchange exchange) throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext ctx = SyncSteps.context(exchange);
        if (search.planDirectoryFirst(ctx)) {
            log.info("{}: first sync; searching the directory before the crawl", ctx.endpoint.id());
        }
        plan(exchange, ctx, SearchPull.TYPES);
    }

    /** Plans a crawl of these types (after a Bulk export: the ones it could not give). */
    void plan(Exchange exchange, SyncContext ctx, List<String> types)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        SyncContext.RosterState roster = ctx.roster;
        roster.types = List.copyOf(types);
        roster.patients.clear();
        roster.patientSet.clear();
        roster.next = 0;
        roster.batch = null;
        roster.tally.clear();
        roster.shortPatients.clear();
        roster.readSince = 0;
        roster.missed.clear();
        if (types.isEmpty()) {
            return;
        }
        try {
            readRoster(ctx, ctx.endpoint.connection().roster());
        } catch (RetryableSyncException e) {
            throw steps.retrying(exchange, ctx, e);
        }
        types.forEach(t -> roster.tally.put(t, new int[3]));
        steps.detail(ctx, "crawling " + roster.patients.size() + " patients for " + String.join(" and ", types));
        log.info("{}: roster of {} patients, crawling {}", ctx.endpoint.id(), roster.patients.size(), types);
    }

    private void readRoster(SyncContext ctx, Connection.Roster roster)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        switch (roster.source()) {
            case LIST -> roster.patients().forEach(p -> addPatient(ctx, p));
            case GROUP -> readGroup(ctx, roster.groupId());
            case PATIENT_SEARCH -> readPatientSearch(ctx, roster.patientQuery());
            case NONE -> throw new SyncFailedException("Endpoint " + ctx.endpoint.id() + " crawls a patient roster "
                    + "but names none: set roster.source to GROUP, PATIENT_SEARCH or LIST");
        }
    }

    private void readGroup(SyncContext ctx, String groupId)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        URI url = ctx.endpoint.base().resolve("Group/" + encode(groupId));
        String where = "reading the roster Group/" + groupId;
        FhirHttpClient.Response response = fetcher.send(ctx, "GET", url, Map.of("Accept", "application/fhir+json"),
                where, false);
        JsonNode group = readJson(response, where);
        if (!"Group".equals(group.path("resourceType").asText())) {
            throw new SyncFailedException(where + ": the answer is a " + group.path("resourceType").asText("?")
                    + ", not a Group");
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        int skipped = 0;
        for (JsonNode member : group.path("member")) {
            if (member.path("inactive").asBoolean(false) || ended(member.path("period").path("end").asText(null), now)) {
                continue;
            }
            String id = patientId(member.path("entity").path("reference").asText(""), ctx.endpoint.base());
            if (id != null) {
                addPatient(ctx, id);
            } else {
                skipped++;
            }
        }
        if (skipped > 0) {
            log.warn("{}: {} member(s) of Group/{} are not patients of this server (another type, another server, or "
                    + "named by identifier only) and are not crawled", ctx.endpoint.id(), skipped, groupId);
        }
    }

    /** Whether a membership period's end (a FHIR dateTime, maybe a date only) is in the past. */
    static boolean ended(String end, OffsetDateTime now) {
        if (end == null || end.isBlank()) {
            return false;
        }
        try {
            return end.length() <= 10
                    ? java.time.LocalDate.parse(end.length() == 4 ? end + "-12-31" : end.length() == 7
                            ? java.time.YearMonth.parse(end).atEndOfMonth().toString() : end)
                            .isBefore(now.toLocalDate())
                    : OffsetDateTime.parse(end).isBefore(now);
        } catch (java.time.format.DateTimeParseException e) {
            return false; // kept: a member is crawled unless we know it left
        }
    }

    /**
     * The patient id of a Group member reference on this server: {@code Patient/1}, {@code Patient/1/_history/2}
     * or the same absolute under the endpoint's base; null for another type or another server.
     */
    static String patientId(String reference, URI base) {
        String ref = reference;
        String root = base.toString();
        if (ref.startsWith(root)) {
            ref = ref.substring(root.length());
        } else if (ref.contains("://")) {
            return null;
        }
        java.util.regex.Matcher m = PATIENT_REFERENCE.matcher(ref);
        return m.matches() ? m.group(1) : null;
    }

    private static final java.util.regex.Pattern PATIENT_REFERENCE =
            java.util.regex.Pattern.compile("/?Patient/([A-Za-z0-9\\-.]{1,64})(/_history/[^/]+)?/?");

    private void readPatientSearch(SyncContext ctx, String query)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        // a token search (identifier=system|value) is not a valid URI as written
        String q = (query.startsWith("Patient") ? query : "Patient?" + query).replace("|", "%7C");
        URI url = ctx.endpoint.base().resolve(q + (q.contains("?") ? "&" : "?") + "_elements=id&_count="
                + ctx.endpoint.pageSize());
        int page = 0;
        java.util.Set<URI> read = new java.util.HashSet<>();
        while (url != null) {
            String where = "reading the roster, Patient page " + (++page) + " (" + url + ")";
            if (!read.add(url)) {
                throw new SyncFailedException(where + ": the server links back to a page already read, which would "
                        + "loop forever");
            }
            JsonNode bundle = readJson(fetcher.send(ctx, "GET", url, Map.of("Accept", "application/fhir+json"), where,
                    false), where);
            for (JsonNode entry : bundle.path("entry")) {
                JsonNode resource = entry.path("resource");
                if ("Patient".equals(resource.path("resourceType").asText()) && resource.hasNonNull("id")) {
                    addPatient(ctx, resource.get("id").asText());
                }
            }
            url = null;
            for (JsonNode link : bundle.path("link")) {
                if ("next".equals(link.path("relation").asText())) {
                    try {
                        url = NextLinks.toUri(link.path("url").asText(), ctx.endpoint.base());
                    } catch (RefusedUrlException e) {
                        throw new SyncFailedException(where + ": its next page is not followed: " + e.getMessage());
                    }
                }
            }
        }
    }

    private static JsonNode readJson(FhirHttpClient.Response response, String where) throws RetryableSyncException {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new RetryableSyncException(where + ": the answer is not JSON: " + e.getMessage(), null, e);
        }
    }

    private static void addPatient(SyncContext ctx, String id) {
        if (id != null && !id.isBlank() && ctx.roster.patientSet.add(id)) {
            ctx.roster.patients.add(id);
        }
    }

    /** True while patients are left to crawl. */
    public boolean hasPatients(Exchange exchange) {
        SyncContext ctx = SyncSteps.context(exchange);
        return ctx.roster.next < ctx.roster.patients.size();
    }

    /**
     * Fetches the next batch of patients, each patient's searches on the sync's workers (the
     * endpoint's concurrency), every page followed. A failure anywhere fails the batch for the route
     * to retry.
     */
    public void fetchPatients(Exchange exchange) throws RetryableSyncException, SyncFailedException,
            InterruptedException {
        SyncContext ctx = SyncSteps.context(exchange);
        exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        SyncContext.RosterState roster = ctx.roster;
        ctx.attemptsOnCurrentPage++;
        int to = Math.min(roster.patients.size(), roster.next + properties.pull().rosterBatch());
        List<String> patients = roster.patients.subList(roster.next, to);
        // a patient id that names no patient we can tell apart has no hash, and no mark: read in full
        roster.batchHashes = patients.stream().map(p -> hash(ctx, p)).toList();
        // where each patient's read of what changed starts
        roster.batchMarks = incremental(ctx)
                ? marks.find(ctx.endpoint.id(), roster.batchHashes.stream().filter(java.util.Objects::nonNull).toList())
                : Map.of();
        List<Future<List<SyncContext.Fetched>>> pending = new ArrayList<>();
        for (int i = 0; i < patients.size(); i++) {
            String patient = patients.get(i);
            String patientHash = roster.batchHashes.get(i);
            Map<String, OffsetDateTime> since = patientHash == null ? Map.of()
                    : roster.batchMarks.getOrDefault(patientHash, Map.of());
            int attempt = ctx.attemptsOnCurrentPage;
            pending.add(ctx.workers.submit(() -> crawl(ctx, patient, roster.types, since, attempt)));
        }
        List<List<SyncContext.Fetched>> batch = new ArrayList<>();
        try {
            for (Future<List<SyncContext.Fetched>> f : pending) {
                batch.add(f.get());
            }
        } catch (ExecutionException e) {
            pending.forEach(f -> f.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof RetryableSyncException r) {
                throw steps.retrying(exchange, ctx, r);
            }
            if (cause instanceof SyncFailedException f) {
                throw f;
            }
            if (cause instanceof InterruptedException i) {
                throw i;
            }
            throw steps.retrying(exchange, ctx, new RetryableSyncException("crawling patients failed: " + cause,
                    null, cause));
        }
        roster.batch = batch;
    }

    /** Whether this crawl asks patients read before only for what changed since. */
    private boolean incremental(SyncContext ctx) {
        return properties.pull().rosterIncremental() && !ctx.reconciling();
    }

    /** The patient's keyed hash, as its referrals and visits carry it. */
    private String hash(SyncContext ctx, String patient) {
        return pseudonyms.hash(ctx.endpoint.id(), new Reference("Patient/" + patient), ctx.endpoint.base());
    }

    /**
     * One patient's pages of each type, every next link followed: what changed since the patient's
     * mark of the type (less the overlap; a mark ahead of the server's clock counts from the server's
     * time) where there is one and the server declares {@code _lastUpdated} for the type, else all.
     */
    private List<SyncContext.Fetched> crawl(SyncContext ctx, String patient, List<String> types,
            Map<String, OffsetDateTime> since, int attempt)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        List<SyncContext.Fetched> pages = new ArrayList<>();
        OffsetDateTime to = ctx.windowEnd();
        for (String type : types) {
            OffsetDateTime mark = since.get(type);
            String changed = mark == null || ctx.sinceRefused || !ctx.capabilities.type(type).lastUpdated() ? ""
                    : "&_lastUpdated=ge" + SearchPull.format((mark.isAfter(to) ? to : mark)
                            .minus(ctx.endpoint.connection().overlap()));
            URI url = ctx.endpoint.base().resolve(type + "?" + ctx.capabilities.type(type).patientParameter() + "="
                    + encode(patient) + changed + "&_count=" + ctx.endpoint.pageSize());
            java.util.Set<URI> read = new java.util.HashSet<>();
            while (url != null) {
                if (!read.add(url)) {
                    throw new SyncFailedException(type + " of patient " + patient + ": the server links back to a "
                            + "page already read (" + url + "), which would loop forever");
                }
                SyncContext.Purpose purpose = read.size() == 1 && !changed.isEmpty()
                        ? SyncContext.Purpose.ROSTER_CHANGES : SyncContext.Purpose.ROSTER;
                SyncContext.Fetched fetched = fetcher.fetch(ctx,
                        new SyncContext.PageRequest(type, url, purpose, null), attempt);
                pages.add(fetched);
                String link = fetched.page().nextLink();
                try {
                    url = link == null ? null : NextLinks.toUri(link, ctx.endpoint.base());
                } catch (RefusedUrlException e) {
                    throw new SyncFailedException(type + " of patient " + patient + ": the next page is not "
                            + "followed: " + e.getMessage());
                }
            }
        }
        return pages;
    }

    /**
     * Writes the batch in one transaction and tallies, per type, announced totals against what arrived,
     * patient by patient: one patient's extra resources (included ones, say) cannot hide another's
     * shortfall.
     */
    public void writePatients(Exchange exchange) {
        SyncContext ctx = SyncSteps.context(exchange);
        SyncContext.RosterState roster = ctx.roster;
        List<SyncContext.Fetched> pages = roster.batch.stream().flatMap(List::stream).toList();
        List<RosterMarks.Mark> complete = new ArrayList<>();
        int readSince = 0;
        for (int i = 0; i < roster.batch.size(); i++) {
            List<SyncContext.Fetched> patient = roster.batch.get(i);
            String patientHash = roster.batchHashes.get(i);
            Map<String, Integer> announced = new java.util.HashMap<>();
            Map<String, IdSet> seen = new java.util.HashMap<>();
            Map<String, Integer> anonymous = new java.util.HashMap<>();
            for (SyncContext.Fetched page : patient) {
                String type = page.request().resourceType();
                if (page.page().total() != null) {
                    announced.putIfAbsent(type, page.page().total());
                }
                IdSet ids = seen.computeIfAbsent(type, t -> new IdSet());
                page.page().resources().stream().filter(r -> type.equals(r.resourceType()))
                        .forEach(r -> ids.add(r.resourceId()));
                for (var r : page.page().rejections()) {
                    if (r.resourceId() == null) {
                        anonymous.merge(type, 1, Integer::sum);
                    } else if (r.resourceType() == null || type.equals(r.resourceType())) {
                        ids.add(r.resourceId());
                    }
                }
            }
            seen.forEach((type, ids) -> {
                int received = ids.size() + anonymous.getOrDefault(type, 0);
                int total = announced.getOrDefault(type, received);
                int[] tally = roster.tally.computeIfAbsent(type, t -> new int[3]);
                tally[0] += total;
                tally[1] += received;
                if (received < total) {
                    tally[2] += total - received;
                    roster.shortPatients.merge(type, 1, Integer::sum);
                } else if (patientHash != null) {
                    complete.add(new RosterMarks.Mark(patientHash, type));
                }
            });
            if (patient.stream().anyMatch(page -> page.request().purpose() == SyncContext.Purpose.ROSTER_CHANGES)) {
                readSince++;
            }
        }
        steps.commit(ctx, pages);
        if (ctx.reconciling()) {
            // before the marks move: compared with how far the crawls before had read each patient
            List<String> hashes = roster.batchHashes.stream().filter(java.util.Objects::nonNull).toList();
            for (String type : roster.types) {
                int found = missed.countBeforeMarks(ctx.endpoint.id(), type, ctx.runId, hashes);
                ctx.missed += found;
                roster.missed.merge(type, found, Integer::sum);
            }
        }
        // after the pages are committed: a crash in between reads these patients again from their old marks
        marks.advance(ctx.endpoint.id(), ctx.runId, ctx.windowEnd(), complete);
        roster.readSince += readSince;
        roster.next += roster.batch.size();
        roster.batch = null;
        ctx.attemptsOnCurrentPage = 0;
        if (roster.next % (properties.pull().rosterBatch() * 10) == 0 || roster.next == roster.patients.size()) {
            steps.detail(ctx, "crawled " + roster.next + " of " + roster.patients.size() + " patients, "
                    + roster.readSince + " of them for changes only");
        }
    }

    /**
     * The crawl is complete: per type, records what the server announced against what arrived; the
     * watermark moves to the start of this sync's window only when nothing is short.
     */
    public void close(Exchange exchange) {
        SyncContext ctx = SyncSteps.context(exchange);
        SyncContext.RosterState roster = ctx.roster;
        if (roster.types.isEmpty()) {
            return;
        }
        OffsetDateTime to = ctx.windowEnd();
        OffsetDateTime now = OffsetDateTime.now(clock);
        log.info("{}: crawled {} patients, {} of them for changes only", ctx.endpoint.id(), roster.patients.size(),
                roster.readSince);
        tx.executeWithoutResult(status -> {
            for (String type : roster.types) {
                int[] tally = roster.tally.getOrDefault(type, new int[3]);
                int shortfall = tally[2];
                runs.recordWindow(ctx.runId, type, null, to, tally[0], tally[1], 1);
                ctx.countMismatch += shortfall;
                int found = roster.missed.getOrDefault(type, 0);
                if (found > 0) {
                    log.warn("{}: reconciliation found {} {} change(s) that the crawls before had missed",
                            ctx.endpoint.id(), found, type);
                }
                if (shortfall == 0) {
                    watermarks.advance(ctx.endpoint.id(), type, to, ctx.runId, now);
                } else {
                    log.warn("{}: the server announced {} {} over {} patients but {} arrived; {} patient(s) short by "
                                    + "{} in all", ctx.endpoint.id(), tally[0], type, roster.patients.size(), tally[1],
                            roster.shortPatients.getOrDefault(type, 0), shortfall);
                }
            }
            runs.recordProgress(ctx.runId, ctx.counters());
        });
        roster.types = List.of();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
