package org.referralmonitor.ingest.sync;

/** Running totals of one sync. */
record SyncCounters(int pages, int received, int written, int unchanged, int rejected, int retries) {
}
