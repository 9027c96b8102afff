package org.referralmonitor.ingest.auth;

import java.time.Instant;

/**
 * Getting credentials failed. {@link #retryable()}: worth trying again (the token endpoint was down
 * or busy); otherwise the settings or the server's registration need fixing first. A busy token
 * endpoint's {@code Retry-After} and {@code Date} headers are kept as sent, with when they arrived:
 * {@code http.RetryAfter.of} reads them (auth does not depend on http, which depends on auth).
 */
public class AuthenticationException extends Exception {

    private final boolean retryable;
    private final String retryAfterHeader;
    private final String dateHeader;
    private final Instant receivedAt;

    public AuthenticationException(String message, boolean retryable) {
        this(message, retryable, null, null, null);
    }

    public AuthenticationException(String message, boolean retryable, String retryAfterHeader, String dateHeader,
            Instant receivedAt) {
        super(message);
        this.retryable = retryable;
        this.retryAfterHeader = retryAfterHeader;
        this.dateHeader = dateHeader;
        this.receivedAt = receivedAt;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The token endpoint's Retry-After header, or null. */
    public String retryAfterHeader() {
        return retryAfterHeader;
    }

    /** The token endpoint's Date header, or null. */
    public String dateHeader() {
        return dateHeader;
    }

    /** When the answer carrying them arrived, or null. */
    public Instant receivedAt() {
        return receivedAt;
    }
}
