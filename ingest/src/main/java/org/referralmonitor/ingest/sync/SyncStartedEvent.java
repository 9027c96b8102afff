package org.referralmonitor.ingest.sync;

/**
 * Published when a sync starts, before it commits anything: what others derived from the
 * endpoint's data may be out of date until its {@link SyncFinishedEvent} (also after a crash, when
 * that event never comes).
 */
public record SyncStartedEvent(String endpointId, String clinicId, long syncRunId) {
}
