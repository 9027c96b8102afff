package org.referralmonitor.ingest.sync;

import jakarta.annotation.PostConstruct;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.ProducerTemplate;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.instance.InstanceLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starting syncs and reading their records. A request is recorded as QUEUED and handed to the
 * endpoint's route; at most one sync per endpoint is queued or running at a time.
 */
@Service
public class SyncService {

    private static final Logger log = LoggerFactory.getLogger(SyncService.class);

    static final String RUN_ID_HEADER = "referralMonitorSyncRunId";

    public static final String TRIGGER_API = "API";
    public static final String TRIGGER_SCHEDULE = "SCHEDULE";
    public static final String TRIGGER_STARTUP = "STARTUP";
    /** At start, without sync-on-startup: a sync of an endpoint whose sync the last stop interrupted. */
    public static final String TRIGGER_RESUME = "RESUME";
    /** A reconciliation: re-pulls the last 120 days (configurable) and records what incremental syncs missed. */
    public static final String TRIGGER_RECONCILE = "RECONCILE";

    private final EndpointDirectory directory;
    private final SyncRunRepository runs;
    private final TransactionTemplate tx;
    private final ProducerTemplate producer;
    private final Clock clock;
    private final Map<String, String> interruptedAtStart = new ConcurrentHashMap<>();

    /**
     * @param lease taken before anything here runs: the runs marked interrupted at start are those of
     *     a process that stopped, never those of another one still running
     */
    SyncService(EndpointDirectory directory, SyncRunRepository runs, TransactionTemplate tx, ProducerTemplate producer,
            Optional<Clock> clock, InstanceLease lease) {
        this.clock = clock.orElse(Clock.systemUTC());
        this.directory = directory;
        this.runs = runs;
        this.tx = tx;
        this.producer = producer;
    }

    @PostConstruct
    void failInterruptedRuns() {
        Map<String, String> endpoints = tx.execute(status -> runs.failInterrupted(OffsetDateTime.now(clock)));
        interruptedAtStart.putAll(endpoints);
        if (!endpoints.isEmpty()) {
            log.warn("Syncs of {} were interrupted by the last stop and are marked FAILED", endpoints.keySet());
        }
    }

    /**
     * The endpoints whose sync the last stop interrupted (marked at this start), each with what had
     * started that sync. Until one of them syncs again, what its interrupted sync committed is neither
     * credited nor linked in full, and the months it touched are not recomputed.
     */
    Map<String, String> interruptedAtStart() {
        return Map.copyOf(interruptedAtStart);
    }

    /**
     * Queues a sync of the endpoint.
     *
     * @throws UnknownEndpointException when there is no such endpoint
     * @throws SyncNotStartedException when it is disabled or a sync of it is already queued or running
     */
    public SyncRun requestSync(String endpointId, String trigger) {
        EmrEndpoint endpoint = directory.endpoint(endpointId).orElseThrow(() -> new UnknownEndpointException(endpointId));
        if (!endpoint.enabled()) {
            throw new SyncNotStartedException("Endpoint '" + endpointId + "' is disabled", null);
        }
        SyncRun run = tx.execute(status -> {
            runs.lockEndpoint(endpointId);
            runs.findActive(endpointId).ifPresent(active -> {
                throw new SyncNotStartedException("A sync of endpoint '" + endpointId + "' is already "
                        + active.status().toLowerCase() + " (run " + active.id() + ", requested "
                        + active.requestedAt() + ")", active);
            });
            long id = runs.insertQueued(endpointId, trigger, endpoint.connection().strategy().name(),
                    OffsetDateTime.now(clock));
            return runs.find(id).orElseThrow();
        });
        producer.sendBodyAndHeader(SyncRoutes.queueUri(endpointId, endpoint.connection().strategy()), null, RUN_ID_HEADER, run.id());
        log.info("Sync {} of {} queued ({})", run.id(), endpointId, trigger);
        return run;
    }

    public List<SyncRun> runs(String endpointId, int limit) {
        directory.endpoint(endpointId).orElseThrow(() -> new UnknownEndpointException(endpointId));
        return runs.findByEndpoint(endpointId, limit);
    }

    public Optional<SyncRun> run(long id) {
        return runs.find(id);
    }

    /** How the endpoint's feed is doing: last success, lag, failures since, mismatches. */
    public EndpointStatus status(String endpointId) {
        Optional<SyncRun> success = runs.lastSucceeded(endpointId);
        List<SyncRun> recent = runs.findByEndpoint(endpointId, 20);
        boolean syncing = recent.stream().anyMatch(SyncRun::active);
        Optional<SyncRun> lastFinished = recent.stream().filter(r -> !r.active()).findFirst();
        int failures = runs.failuresSinceLastSuccess(endpointId);
        String health = lastFinished.isEmpty() ? EndpointStatus.NEVER_SYNCED
                : SyncRun.FAILED.equals(lastFinished.get().status()) ? EndpointStatus.FAILING : EndpointStatus.OK;
        OffsetDateTime at = success.map(SyncRun::finishedAt).orElse(null);
        Long lag = at == null ? null : java.time.Duration.between(at, OffsetDateTime.now(clock)).toMinutes();
        int missed = recent.stream().filter(r -> TRIGGER_RECONCILE.equals(r.trigger()) && SyncRun.SUCCEEDED.equals(r.status()))
                .findFirst().map(SyncRun::missed).orElse(0);
        return new EndpointStatus(health, at, lag, failures,
                EndpointStatus.FAILING.equals(health) ? lastFinished.get().error() : null,
                success.map(SyncRun::countMismatch).orElse(0), missed, syncing);
    }

    public Optional<SyncRun> lastRun(String endpointId) {
        return runs.findByEndpoint(endpointId, 1).stream().findFirst();
    }
}
