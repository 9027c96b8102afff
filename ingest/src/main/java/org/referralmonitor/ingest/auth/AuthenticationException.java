package org.referralmonitor.ingest.auth;

/**
 * Getting credentials failed. {@link #retryable()}: worth trying again (the token endpoint was down);
 * otherwise the settings or the server's registration need fixing first.
 */
public class AuthenticationException extends Exception {

    private final boolean retryable;

    public AuthenticationException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
