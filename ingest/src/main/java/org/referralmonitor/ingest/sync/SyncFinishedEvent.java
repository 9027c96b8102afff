package org.referralmonitor.ingest.sync;

/**
 * Published after every sync, successful or not. Metrics recomputes on success; feed-health
 * checks read failures.
 */
public record SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
        int resourcesWritten) {
}
