package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;

/**
 * One sync of one endpoint: what was asked, what happened, what it cost.
 *
 * @param trigger what started it: API, SCHEDULE, STARTUP, RESUME (at start, an endpoint whose sync the last stop
 *     interrupted) or RECONCILE (a re-pull of the last 120 days)
 * @param strategy how it pulled: SEARCH, ROSTER or BULK
 * @param serverTime the EMR's clock when the sync started (its Date header): windows end there
 * @param countMismatch resources the server announced ({@code Bundle.total}, export counts) that did not arrive
 * @param missed changes a reconciliation found that incremental syncs had missed
 * @param tombstoned referrals and visits found deleted or entered in error
 * @param authRenewals times the EMR refused a token mid-sync and a new one was fetched
 * @param detail what it is doing or did, in words
 * @param durationMs milliseconds from start to finish, or null while it runs
 * @param error why it failed, in words, or null
 */
public record SyncRun(
        long id,
        String endpointId,
        String trigger,
        String status,
        String strategy,
        OffsetDateTime requestedAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        OffsetDateTime serverTime,
        int pages,
        int resourcesReceived,
        int resourcesWritten,
        int resourcesUnchanged,
        int resourcesRejected,
        int retries,
        int countMismatch,
        int missed,
        int tombstoned,
        int authRenewals,
        String detail,
        Long durationMs,
        String error) {

    /**
     * How the error of a run left QUEUED or RUNNING by a process that stopped (a crash, a kill) begins:
     * such a run never published its {@link SyncFinishedEvent}, so the next run of its endpoint
     * stands in for it.
     */
    public static final String INTERRUPTED = "Interrupted:";

    public static final String QUEUED = "QUEUED";
    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";

    public boolean active() {
        return QUEUED.equals(status) || RUNNING.equals(status);
    }
}
