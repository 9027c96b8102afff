package org.referralmonitor.ingest.sync;

/** Running totals of one sync. */
record SyncCounters(int pages, int received, int written, int unchanged, int rejected, int retries,
        int countMismatch, int missed, int tombstoned, int authRenewals, int steadyMismatch) {

    static final SyncCounters NONE = new SyncCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
