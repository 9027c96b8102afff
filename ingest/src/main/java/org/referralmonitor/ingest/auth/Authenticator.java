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
        public void invalidate(String refused) {
        }

        @Override
        public boolean canRenew() {
            return false;
        }
    };

    /** The header value to send, or empty for none. May fetch or renew a token. */
    Optional<String> authorization() throws AuthenticationException;

    /**
     * After a 401: forgets the refused credentials, so the next {@link #authorization()} authenticates
     * afresh, unless they were already replaced (another request was refused the same credentials and
     * renewed them first): then the current ones are kept, and concurrent 401s renew only once.
     *
     * @param refused the Authorization header value the server refused (null when none was sent)
     */
    void invalidate(String refused);

    /** Whether authenticating again can change anything (false when there are no credentials at all). */
    boolean canRenew();
}
