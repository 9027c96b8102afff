package org.referralmonitor.ingest.sync;

import java.time.Duration;

/** A page that failed in a way worth retrying (429, 5xx, timeouts, malformed bodies). */
class RetryableSyncException extends Exception {

    private final Duration retryAfter;
    private final int status;

    RetryableSyncException(String message, Duration retryAfter, Throwable cause) {
        this(message, retryAfter, cause, 0);
    }

    RetryableSyncException(String message, Duration retryAfter, Throwable cause, int status) {
        super(message, cause);
        this.retryAfter = retryAfter;
        this.status = status;
    }

    /** The HTTP status that caused it, or 0 (network errors, timeouts, malformed bodies). */
    int status() {
        return status;
    }

    /** What the server asked us to wait, or null to use our own backoff. */
    Duration retryAfter() {
        return retryAfter;
    }
}
