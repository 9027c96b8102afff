package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;

/**
 * How an endpoint's feed is doing, for the status page, the API and Actuator health.
 *
 * @param health OK (the last sync succeeded), FAILING (the last finished sync failed), NEVER_SYNCED
 * @param lastSuccessAt when the last successful sync finished
 * @param lagMinutes minutes since then: how old the freshest complete data is
 * @param failuresSinceLastSuccess failed syncs after the last success
 * @param lastError why the last failed sync failed, when the feed is failing
 * @param countMismatch what the last successful sync was announced but did not receive
 * @param missed what the last reconciliation found incremental syncs had missed
 * @param syncing whether a sync is queued or running now
 */
public record EndpointStatus(String health, OffsetDateTime lastSuccessAt, Long lagMinutes, int failuresSinceLastSuccess,
        String lastError, int countMismatch, int missed, boolean syncing) {

    public static final String OK = "OK";
    public static final String FAILING = "FAILING";
    public static final String NEVER_SYNCED = "NEVER_SYNCED";
}
