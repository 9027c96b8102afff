package org.referralmonitor.ingest.auth;

import java.util.Optional;

/** Supplies the Authorization header for one endpoint's requests. */
public interface Authenticator {

    /** No credentials at all. */
    Authenticator NONE = new Authenticator() {

        @Override
        public Optional<String> authorization() {
            return Optional.empty();
        }

        @Override
        public void invalidate() {
        }

        @Override
        public boolean canRenew() {
            return false;
        }
    };

    /** The header value to send, or empty for none. May fetch or renew a token. */
    Optional<String> authorization() throws AuthenticationException;

    /** Forgets cached credentials, so the next {@link #authorization()} authenticates afresh (after a 401). */
    void invalidate();

    /** Whether authenticating again can change anything (false when there are no credentials at all). */
    boolean canRenew();
}
