package org.referralmonitor.ingest.auth;

import java.time.Duration;

/**
 * Getting credentials failed. {@link #retryable()}: worth trying again (the token endpoint was down);
 * otherwise the settings or the server's registration need fixing first. {@link #retryAfter()}: how
 * long the token endpoint asked us to wait (its Retry-After), or null.
 */
public class AuthenticationException extends Exception {

    private final boolean retryable;
    private final Duration retryAfter;

    public AuthenticationException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public AuthenticationException(String message, boolean retryable, Duration retryAfter) {
        super(message);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public boolean retryable() {
        return retryable;
    }

    /** What the token endpoint asked us to wait, or null to use our own backoff. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
