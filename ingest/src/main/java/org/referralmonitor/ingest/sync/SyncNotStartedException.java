package org.referralmonitor.ingest.sync;

/** A sync was asked for but cannot start now; {@link #active()} names the sync in the way, if any. */
public class SyncNotStartedException extends RuntimeException {

    private final transient SyncRun active;

    public SyncNotStartedException(String message, SyncRun active) {
        super(message);
        this.active = active;
    }

    public SyncRun active() {
        return active;
    }
}
