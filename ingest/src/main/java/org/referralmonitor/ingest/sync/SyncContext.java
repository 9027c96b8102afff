package org.referralmonitor.ingest.sync;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.referralmonitor.ingest.capability.ServerCapabilities;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.FhirSession;

/** The state of one running sync, carried by the Camel exchange from step to step. */
final class SyncContext implements AutoCloseable {

    /**
     * Why a page is fetched: a search window; a directory look-up by id after the windows; the whole
     * directory searched before the windows of a first sync ({@link SearchPull#plan}); a patient's roster.
     */
    enum Purpose {
        WINDOW, DIRECTORY, DIRECTORY_SEARCH, ROSTER,
        /** A roster patient's first page of what changed since its mark (the rest of its pages: ROSTER). */
        ROSTER_CHANGES
    }

    /** One page to fetch; {@code window} is set for pages of an incremental window. */
    record PageRequest(String resourceType, URI url, Purpose purpose, SearchWindow window) {
    }

    /** A page fetched and read, waiting to be written. */
    record Fetched(PageRequest request, FhirHttpClient.Response response, ParsedPage page, int attempts) {
    }

    static final String PROPERTY = "referralMonitorSync";
    static final String WAIT_PROPERTY = "referralMonitorWaitMs";

    final long runId;
    final String trigger;
    final EmrEndpoint endpoint;
    final Clinic clinic;
    final MappingContext mapping;
    final FhirSession session;
    final ServerCapabilities capabilities;
    /** The server's clock at the start: every window of this sync ends shortly before it. */
    final OffsetDateTime serverNow;
    /** Fetches in flight at once: patients crawled in parallel, the next search page while one is written. */
    final ExecutorService workers;
    private final Deque<PageRequest> queue = new ArrayDeque<>();
    /** Directory look-ups already asked in this run ("Type?param=id"). */
    final Set<String> requested = new HashSet<>();
    final List<SearchWindow> windows = new ArrayList<>();

    /** The comparator for the end of a window: "lt", or "le" once the server refused "lt". */
    volatile String upperComparator = "lt";

    /**
     * The server refused {@code _lastUpdated} with a patient search (a 400), though it declares it: the
     * roster crawl reads every patient in full for the rest of this sync.
     */
    volatile boolean sinceRefused;

    int pages;
    int received;
    int written;
    /** Resources stored by this sync per type, and how many there were when that type's tables were last analyzed. */
    final java.util.Map<String, Integer> storedByType = new java.util.HashMap<>();
    final java.util.Map<String, Integer> analyzedAtByType = new java.util.HashMap<>();
    int unchanged;
    int rejected;
    int retries;
    int countMismatch;
    /**
     * Of countMismatch, what the server fell short by exactly as before (the same total and resources
     * listed in both passes of a window, the same shortfall of an export from the same _since): the
     * watermark moved on, and the feed check records it without taking it for missing data.
     */
    int steadyMismatch;
    int missed;
    int tombstoned;
    int attemptsOnCurrentPage;
    int directoryRounds;
    /** Whether written referrals and visits record their conversion scope (the endpoint was linked before). */
    boolean recordChangeScope;
    /**
     * Whether directory gaps are looked for among all the endpoint's rows (a first sync, a
     * reconciliation, or the last such look older than directory-recheck), not only among what it wrote.
     */
    boolean fullDirectoryScan;
    /**
     * Set when referrals are credited as they are written (a first sync that pulled the directory and
     * the visits before the requests, {@link SearchPull#plan}): the sync's copy of the endpoint's
     * directory. Finishing then credits only what changed after, instead of every referral.
     */
    org.referralmonitor.ingest.store.ResourceWriter.Crediting crediting;
    /** Whether the directory-first searches were decided on (queued or not): decided once per sync. */
    boolean directoryPlanned;
    /** Referrals credited as they were written. */
    int creditedAtInsert;
    /** Requests classified again, or every referral linked again: every month may have changed. */
    boolean everyReferralChanged;
    Fetched fetched;
    /** A window whose pass just ended with the page written last, for {@link SearchPull#afterPage}. */
    SearchWindow passDone;
    /** Why the current page's next link is not followed, if it is not. */
    String refusedNext;
    /**
     * The pages fetched, per chain of next links (a window's pass, or a search of one type and
     * purpose): a next link back to one of them would loop forever.
     */
    final Set<String> fetchedPages = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The next page, being fetched while the current one is written. */
    Future<Fetched> prefetch;
    PageRequest prefetchFor;
    /** Whether {@link #prefetchFor} is already in the queue (a queued directory look-up), not a next page to insert. */
    boolean prefetchQueued;

    private Runnable announcer = () -> { };
    private boolean announced;

    final RosterState roster = new RosterState();
    BulkState bulk;

    SyncContext(long runId, String trigger, EmrEndpoint endpoint, Clinic clinic, MappingContext mapping,
            FhirSession session, ServerCapabilities capabilities, OffsetDateTime serverNow) {
        this.runId = runId;
        this.trigger = trigger;
        this.endpoint = endpoint;
        this.clinic = clinic;
        this.mapping = mapping;
        this.session = session;
        this.capabilities = capabilities;
        this.serverNow = serverNow;
        this.workers = Executors.newFixedThreadPool(endpoint.connection().concurrency(), r -> {
            Thread t = new Thread(r, "sync-" + endpoint.id() + "-" + runId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Called right before each write of stored data (pages, tombstones, reclassification, finishing):
     * the first call announces that the sync is changing data ({@link SyncSteps#begin} sets what that
     * does), the others do nothing. A sync that never writes (a Bulk export still being prepared)
     * never announces.
     */
    synchronized void beforeWriting() {
        if (!announced) {
            announced = true;
            announcer.run();
        }
    }

    void announceWith(Runnable announcer) {
        this.announcer = announcer;
    }

    boolean creditAtInsert() {
        return crediting != null;
    }

    /** Where this sync's windows end: the server's time less the endpoint's lag (commits in flight). */
    OffsetDateTime windowEnd() {
        return serverNow.minus(endpoint.connection().lag());
    }

    boolean reconciling() {
        return SyncService.TRIGGER_RECONCILE.equals(trigger);
    }

    void enqueue(PageRequest request) {
        queue.addLast(request);
    }

    void enqueueFirst(PageRequest request) {
        queue.addFirst(request);
    }

    PageRequest current() {
        return queue.peekFirst();
    }

    /** The request after the current one, or null. */
    PageRequest following() {
        java.util.Iterator<PageRequest> it = queue.iterator();
        if (!it.hasNext()) {
            return null;
        }
        it.next();
        return it.hasNext() ? it.next() : null;
    }

    boolean hasPages() {
        return !queue.isEmpty();
    }

    /**
     * Drops every queued search of the whole directory (the server refused one): the sync looks up
     * what it lacks by id after the windows instead, and credits every referral when finishing.
     */
    void abandonDirectorySearch() {
        queue.removeIf(r -> r.purpose() == Purpose.DIRECTORY_SEARCH);
        crediting = null;
        attemptsOnCurrentPage = 0;
        fetched = null;
    }

    /** The current page is written: drop it. */
    PageRequest done() {
        PageRequest done = queue.removeFirst();
        attemptsOnCurrentPage = 0;
        fetched = null;
        return done;
    }

    SyncCounters counters() {
        return new SyncCounters(pages, received, written, unchanged, rejected, retries, countMismatch, missed,
                tombstoned, session.renewals(), steadyMismatch);
    }

    @Override
    public void close() {
        if (prefetch != null) {
            prefetch.cancel(true);
        }
        workers.shutdownNow();
    }

    /** The patient roster of a crawl: who to crawl, how far it got, what it found. */
    static final class RosterState {
        /** The types crawled per patient (ServiceRequest, Encounter, or what an export could not give). */
        List<String> types = List.of();
        final List<String> patients = new ArrayList<>();
        final Set<String> patientSet = new HashSet<>();
        int next;
        /** Per type: announced totals, distinct resources received, and the shortfalls of patients short. */
        final java.util.Map<String, int[]> tally = new java.util.LinkedHashMap<>();
        /** Per type, how many patients fell short of their announced total. */
        final java.util.Map<String, Integer> shortPatients = new java.util.HashMap<>();
        List<List<Fetched>> batch;
        /** The keyed hashes of the batch's patients, in its order (null for an id that names no patient). */
        List<String> batchHashes = List.of();
        /** Patients asked only for what changed since their mark. */
        int readSince;
        /** The batch's patients' marks before this read, when it asks for what changed: hash to type to mark. */
        java.util.Map<String, java.util.Map<String, OffsetDateTime>> batchMarks = java.util.Map.of();
        /** Per type, the changes a reconciliation found that the crawls before had missed. */
        final java.util.Map<String, Integer> missed = new java.util.HashMap<>();
    }

    /** Where a Bulk Data export stands. */
    static final class BulkState {
        enum Phase { KICK_OFF, POLL, FILES, DONE }

        Phase phase = Phase.KICK_OFF;
        List<String> types = List.of();
        OffsetDateTime since;
        URI statusUrl;
        OffsetDateTime transactionTime;
        boolean requiresAccessToken = true;
        final List<BulkFile> files = new ArrayList<>();
        int fileIndex;
        /** Lines of the current file already written, so a retried download skips them. */
        int linesDone;
        /** Whether a line of the current file was a FHIR resource (a file with none is no export file). */
        boolean fileHasResource;
        long waitedMs;
        /** Polls of the status URL that failed in a row in a way worth retrying (this one not counted). */
        int pollFailures;
        /** Per exported type: what the manifest announced, and the distinct resources received. */
        final java.util.Map<String, Integer> announced = new java.util.LinkedHashMap<>();
        final java.util.Map<String, IdSet> seen = new java.util.LinkedHashMap<>();
        /** Types the export cannot give, for the roster crawl to fill. */
        final List<String> fill = new ArrayList<>();
        /** Issues of severity error or fatal (or unreadable lines) in the export's error files. */
        int errors;
        /** The first few of them, in the server's words. */
        final List<String> firstErrors = new ArrayList<>();
        /** Issues of severity warning or information in the error files (they hold nothing). */
        int notices;
        /** Lines of the deleted files that could not be read (sent to review). */
        int unreadDeletions;
        boolean resumed;
    }

    /** One file of an export's manifest. */
    record BulkFile(String type, URI url, Integer count, Kind kind) {
        enum Kind { OUTPUT, DELETED, ERROR }
    }
}
