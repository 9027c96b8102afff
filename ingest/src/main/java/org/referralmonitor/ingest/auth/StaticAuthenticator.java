package org.referralmonitor.ingest.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.referralmonitor.ingest.endpoint.Connection;

/** No credentials, HTTP Basic, or a static bearer token: secrets are read again after a 401 (a rotated file). */
final class StaticAuthenticator implements Authenticator {

    private final Connection.Auth auth;
    private volatile String header;

    StaticAuthenticator(Connection.Auth auth) {
        this.auth = auth;
    }

    @Override
    public Optional<String> authorization() throws AuthenticationException {
        if (auth.kind() == Connection.AuthKind.NONE) {
            return Optional.empty();
        }
        String value = header;
        if (value == null) {
            value = switch (auth.kind()) {
                case BASIC -> "Basic " + Base64.getEncoder().encodeToString((auth.username() + ":"
                        + Authenticators.secret(auth.passwordRef(), "auth.password-ref"))
                        .getBytes(StandardCharsets.UTF_8));
                case BEARER -> "Bearer " + Authenticators.secret(auth.tokenRef(), "auth.token-ref");
                default -> throw new IllegalStateException("Not a static credential: " + auth.kind());
            };
            header = value;
        }
        return Optional.of(value);
    }

    @Override
    public void invalidate(String refused) {
        if (refused == null || refused.equals(header)) {
            header = null;
        }
    }

    @Override
    public boolean canRenew() {
        return auth.kind() != Connection.AuthKind.NONE;
    }
}
