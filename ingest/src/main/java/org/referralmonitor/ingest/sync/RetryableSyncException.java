package org.referralmonitor.ingest.sync;

import java.time.Duration;

/** A page that failed in a way worth retrying (429, 5xx, timeouts, malformed bodies). */
class RetryableSyncException extends Exception {

    private final Duration retryAfter;

    RetryableSyncException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** What the server asked us to wait, or null to use our own backoff. */
    Duration retryAfter() {
        return retryAfter;
    }
}
