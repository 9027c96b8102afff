package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;

/**
 * One sync of one endpoint: what was asked, what happened, what it cost.
 *
 * @param durationMs milliseconds from start to finish, or null while it runs
 * @param error why it failed, in words, or null
 */
public record SyncRun(
        long id,
        String endpointId,
        String trigger,
        String status,
        OffsetDateTime requestedAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        int pages,
        int resourcesReceived,
        int resourcesWritten,
        int resourcesUnchanged,
        int resourcesRejected,
        int retries,
        Long durationMs,
        String error) {

    public static final String QUEUED = "QUEUED";
    public static final String RUNNING = "RUNNING";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";

    public boolean active() {
        return QUEUED.equals(status) || RUNNING.equals(status);
    }
}
