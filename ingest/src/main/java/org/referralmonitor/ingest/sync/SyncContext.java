package org.referralmonitor.ingest.sync;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.fhir.ParsedPage;

/** The state of one running sync, carried by the Camel exchange from step to step. */
final class SyncContext {

    /** One page to fetch. */
    record PageRequest(String resourceType, URI url) {
    }

    /** A page fetched and read, waiting to be written. */
    record Fetched(PageRequest request, FhirHttpClient.Response response, ParsedPage page, int attempts) {
    }

    static final String PROPERTY = "referralMonitorSync";

    final long runId;
    final EmrEndpoint endpoint;
    final MappingContext mapping;
    private final Deque<PageRequest> queue = new ArrayDeque<>();
    /** Directory look-ups already asked in this run ("Type/id" or "PractitionerRole?practitioner=id"). */
    final Set<String> requested = new HashSet<>();

    int pages;
    int received;
    int written;
    int unchanged;
    int rejected;
    int retries;
    int attemptsOnCurrentPage;
    int directoryRounds;
    boolean directoryChanged;
    Fetched fetched;

    SyncContext(long runId, EmrEndpoint endpoint, MappingContext mapping) {
        this.runId = runId;
        this.endpoint = endpoint;
        this.mapping = mapping;
    }

    void enqueue(PageRequest request) {
        queue.addLast(request);
    }

    PageRequest current() {
        return queue.peekFirst();
    }

    boolean hasPages() {
        return !queue.isEmpty();
    }

    /** The current page is written: drop it, and continue with its next page, if any, before anything else. */
    void advance(URI next) {
        PageRequest done = queue.removeFirst();
        if (next != null) {
            queue.addFirst(new PageRequest(done.resourceType(), next));
        }
        attemptsOnCurrentPage = 0;
        fetched = null;
    }

    SyncCounters counters() {
        return new SyncCounters(pages, received, written, unchanged, rejected, retries);
    }
}
