package org.referralmonitor.ingest.auth;

import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.springframework.stereotype.Component;

/**
 * One authenticator per endpoint, kept across syncs so tokens are reused until they near expiry,
 * and replaced when the endpoint's credentials or token URL change.
 */
@Component
public class Authenticators {

    private record Key(Connection.Auth auth, URI tokenUrl, String scopes) {
    }

    private record Entry(Key key, Authenticator authenticator) {
    }

    private final Map<String, Entry> byEndpoint = new ConcurrentHashMap<>();
    /** Token requests go through a client of their own, so auth does not depend on the FHIR client. */
    private final java.net.http.HttpClient http;
    private final Clock clock;
    private final IngestProperties.EnteredSecrets enteredSecrets;

    Authenticators(IngestProperties properties, Optional<Clock> clock) {
        this.http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(properties.http().connectTimeout())
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
        this.clock = clock.orElse(Clock.systemUTC());
        this.enteredSecrets = properties.enteredSecrets();
    }

    /**
     * @param tokenUrl where tokens come from (configured, or the server's SMART token endpoint)
     * @param scopes what to ask for (configured, or chosen from what the server lists)
     */
    public Authenticator forEndpoint(EmrEndpoint endpoint, URI tokenUrl, String scopes) {
        Connection.Auth auth = endpoint.connection().auth();
        if (EndpointDirectory.ORIGIN_API.equals(endpoint.origin())) {
            try {
                // entered before the limits were set, or the limits changed since: refused at use too
                enteredSecrets.check(auth);
            } catch (IllegalArgumentException e) {
                byEndpoint.remove(endpoint.id());
                return refusing(e.getMessage());
            }
        }
        Key key = new Key(auth, tokenUrl, scopes);
        return byEndpoint.compute(endpoint.id(), (id, current) -> current != null && Objects.equals(current.key(), key)
                ? current : new Entry(key, create(auth, tokenUrl, scopes))).authenticator();
    }

    /** An authenticator that never sends anything: each request fails with the reason, to be fixed in the settings. */
    private static Authenticator refusing(String reason) {
        return new Authenticator() {

            @Override
            public Optional<String> authorization() throws AuthenticationException {
                throw new AuthenticationException(reason, false);
            }

            @Override
            public void invalidate(String refused) {
            }

            @Override
            public boolean canRenew() {
                return false;
            }
        };
    }

    /**
     * The secret a reference names; one that cannot be read (unset variable, missing file) is a
     * refusal to authenticate that needs the settings fixed, said plainly, not a crash.
     */
    static String secret(String ref, String what) throws AuthenticationException {
        try {
            return SecretRefs.read(ref, what);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new AuthenticationException(e.getMessage(), false);
        }
    }

    /**
     * Whether credentials may be sent to a token URL: https, or http to this machine only (localhost,
     * 127.x.x.x, ::1); anything else would carry the client secret or assertion in clear, or is not a
     * URL a token can be asked at.
     */
    public static boolean secureTokenUrl(URI tokenUrl) {
        String host = tokenUrl.getHost();
        if (host == null || host.isEmpty()) {
            return false;
        }
        if ("https".equalsIgnoreCase(tokenUrl.getScheme())) {
            return true;
        }
        return "http".equalsIgnoreCase(tokenUrl.getScheme()) && (host.equalsIgnoreCase("localhost")
                || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || host.equals("[::1]"));
    }

    /**
     * What a token request cannot do without and is not set: the client id (for SMART Backend Services,
     * the assertion's iss and sub) and, to sign an assertion, the id of the key (its kid); null when set.
     */
    public static String missingIdentity(Connection.Auth auth) {
        boolean smart = auth.kind() == Connection.AuthKind.SMART_BACKEND;
        if (auth.kind() != Connection.AuthKind.CLIENT_SECRET && !smart) {
            return null;
        }
        if (auth.clientId() == null || auth.clientId().isBlank()) {
            return "auth.client-id is not set: " + (smart ? "the signed assertion names the client the server "
                    + "registered as its iss and sub" : "the token endpoint needs the client the secret belongs to");
        }
        if (smart && (auth.keyId() == null || auth.keyId().isBlank())) {
            return "auth.key-id is not set: the signed assertion names the key the server registered (its kid)";
        }
        return null;
    }

    private Authenticator create(Connection.Auth auth, URI tokenUrl, String scopes) {
        return switch (auth.kind()) {
            case NONE, BASIC, BEARER -> new StaticAuthenticator(auth);
            case CLIENT_SECRET, SMART_BACKEND -> {
                if (tokenUrl == null) {
                    throw new IllegalStateException("No token URL: set auth.token-url, or let the server publish "
                            + "token_endpoint in /.well-known/smart-configuration");
                }
                if (!secureTokenUrl(tokenUrl)) {
                    yield refusing("the token URL " + tokenUrl + " is not https (http only to localhost): refusing "
                            + "to send the client's credentials to it");
                }
                String missing = missingIdentity(auth);
                if (missing != null) {
                    yield refusing(missing);
                }
                yield new TokenAuthenticator(auth, tokenUrl, scopes, http, clock);
            }
        };
    }
}
