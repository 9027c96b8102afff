package org.referralmonitor.ingest.sync;

/** A failure that retrying will not mend (401, 404, a refused next link): the sync fails at once. */
class SyncFailedException extends Exception {

    SyncFailedException(String message) {
        super(message);
    }
}
