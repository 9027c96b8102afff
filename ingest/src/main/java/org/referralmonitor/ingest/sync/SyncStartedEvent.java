package org.referralmonitor.ingest.sync;

/**
 * Published once per sync, right before it first changes stored data (its first page, tombstone or
 * reclassification; at the latest when finishing), after {@code sync_run.writing_since} is set:
 * what others derived from the endpoint's data may be out of date from then until its
 * {@link SyncFinishedEvent} (also after a crash, when that event never comes). A sync that is still
 * waiting for a Bulk export to be prepared has not published it.
 */
public record SyncStartedEvent(String endpointId, String clinicId, long syncRunId) {
}
