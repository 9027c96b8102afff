package org.referralmonitor.ingest.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.endpoint.Connection;

/**
 * OAuth2 {@code client_credentials} tokens, authenticated with a client secret (Basic or form post)
 * or, for SMART Backend Services, with a signed JWT assertion ({@code private_key_jwt}). Tokens are
 * cached and renewed before they expire; {@link #invalidate(String)} of the current token forces a new one.
 */
final class TokenAuthenticator implements Authenticator {

    /** Renew when less than this is left, or a fifth of the token's life, whichever is longer. */
    private static final Duration MARGIN = Duration.ofSeconds(30);
    /** How long a token is taken to live when the token endpoint does not say (or says 0 or less). */
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    private final Connection.Auth auth;
    private final URI tokenUrl;
    private final String scopes;
    private final HttpClient http;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private String token;
    private Instant renewAt = Instant.MIN;

    TokenAuthenticator(Connection.Auth auth, URI tokenUrl, String scopes, HttpClient http, Clock clock) {
        this.auth = auth;
        this.tokenUrl = tokenUrl;
        this.scopes = scopes;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public synchronized Optional<String> authorization() throws AuthenticationException {
        if (token == null || !clock.instant().isBefore(renewAt)) {
            fetchToken();
        }
        return Optional.of("Bearer " + token);
    }

    @Override
    public synchronized void invalidate(String refused) {
        // another request refused the same token may have renewed it already: the new one is kept (one renewal)
        if (token != null && ("Bearer " + token).equals(refused)) {
            token = null;
        }
    }

    @Override
    public boolean canRenew() {
        return true;
    }

    private void fetchToken() throws AuthenticationException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (scopes != null && !scopes.isBlank()) {
            form.put("scope", scopes);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(tokenUrl)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        if (auth.kind() == Connection.AuthKind.SMART_BACKEND) {
            form.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            form.put("client_assertion", ClientAssertion.sign(auth, tokenUrl, clock.instant()));
        } else {
            String secret = Authenticators.secret(auth.clientSecretRef(), "auth.client-secret-ref");
            if (auth.clientAuth() == Connection.ClientAuth.POST) {
                form.put("client_id", auth.clientId());
                form.put("client_secret", secret);
            } else {
                request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (encode(auth.clientId()) + ":" + encode(secret)).getBytes(StandardCharsets.UTF_8)));
            }
        }
        String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpResponse<String> response;
        try {
            response = http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AuthenticationException("the token endpoint " + tokenUrl + " could not be reached: " + e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthenticationException("interrupted while asking for a token", true);
        }
        Instant received = clock.instant();
        int status = response.statusCode();
        if (status == 408 || status == 429 || status >= 500) {
            // busy or down for the moment: worth asking again, after what it asks us to wait
            throw new AuthenticationException("the token endpoint " + tokenUrl + " answered HTTP " + status, true,
                    response.headers().firstValue("Retry-After").orElse(null),
                    response.headers().firstValue("Date").orElse(null), received);
        }
        JsonNode answer = parse(response.body());
        if (response.statusCode() != 200 || answer == null || !answer.hasNonNull("access_token")) {
            String error = answer == null ? "" : (answer.path("error").asText("") + " "
                    + answer.path("error_description").asText("")).strip();
            throw new AuthenticationException("the token endpoint refused the " + describe() + " (HTTP "
                    + response.statusCode() + (error.isEmpty() ? "" : ": " + error) + ")", false);
        }
        if (!"bearer".equalsIgnoreCase(answer.path("token_type").asText("bearer"))) {
            throw new AuthenticationException("the token endpoint issued a '" + answer.path("token_type").asText()
                    + "' token; only bearer tokens are supported", false);
        }
        long lifetime = answer.path("expires_in").asLong(DEFAULT_LIFETIME.toSeconds());
        if (lifetime <= 0) {
            // a token said to expire at once is used as if its lifetime was not given, not fetched for every request
            lifetime = DEFAULT_LIFETIME.toSeconds();
        }
        // renew ahead of expiry, but a short-lived token is still used for half its life, not renewed on every request
        Duration margin = Duration.ofSeconds(Math.min(Math.max(MARGIN.toSeconds(), lifetime / 5), lifetime / 2));
        token = answer.get("access_token").asText();
        renewAt = received.plusSeconds(lifetime).minus(margin);
    }

    private String describe() {
        return auth.kind() == Connection.AuthKind.SMART_BACKEND
                ? "signed client assertion of client '" + auth.clientId() + "'"
                : "client secret of client '" + auth.clientId() + "'";
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
