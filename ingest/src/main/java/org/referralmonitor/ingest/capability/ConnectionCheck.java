package org.referralmonitor.ingest.capability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.auth.AuthenticationException;
import org.referralmonitor.ingest.auth.Authenticator;
import org.referralmonitor.ingest.auth.Authenticators;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.FhirSession;
import org.referralmonitor.ingest.http.RefusedUrlException;
import org.referralmonitor.ingest.http.RetryAfter;
import org.springframework.stereotype.Service;

/**
 * "Test connection": reads the server's {@code /metadata} and {@code /.well-known/smart-configuration},
 * keeps what it declares, and says which of the endpoint's choices (strategy, roster, auth) the
 * server does not support, and why. Also tells syncs where tokens come from and which scopes to ask.
 */
@Service
public class ConnectionCheck {

    /**
     * The outcome of a check: what the server declared, what it refuses, what to watch out for.
     *
     * @param serverTime the server's clock (the Date header of its {@code /metadata} answer), or null
     */
    public record Report(ServerCapabilities capabilities, List<String> refusals, List<String> warnings,
            Instant serverTime) {

        public boolean ok() {
            return refusals.isEmpty();
        }
    }

    /** Raised when the server cannot be asked at all. */
    public static class UnreachableException extends Exception {

        private final boolean retryable;
        private final Duration retryAfter;

        public UnreachableException(String message, boolean retryable) {
            this(message, retryable, null);
        }

        public UnreachableException(String message, boolean retryable, Duration retryAfter) {
            super(message);
            this.retryable = retryable;
            this.retryAfter = retryAfter;
        }

        /** Whether asking again later may succeed (network trouble, 5xx, 429), as opposed to a refusal. */
        public boolean retryable() {
            return retryable;
        }

        /** How long the server asked us to wait (its Retry-After), or null. */
        public Duration retryAfter() {
            return retryAfter;
        }
    }

    private record Answer(JsonNode body, Instant date) {
    }

    private static final List<String> DIRECTORY = List.of("Practitioner", "PractitionerRole", "Organization");

    private final FhirHttpClient http;
    private final Authenticators authenticators;
    private final CapabilityStore store;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    ConnectionCheck(FhirHttpClient http, Authenticators authenticators, CapabilityStore store, Optional<Clock> clock) {
        this.http = http;
        this.authenticators = authenticators;
        this.store = store;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    /** Asks the server, keeps what it declares, and assesses the endpoint's settings against it. */
    public Report check(EmrEndpoint endpoint) throws UnreachableException {
        URI base = endpoint.base();
        JsonNode smart = fetch(endpoint, base.resolve(".well-known/smart-configuration"), null)
                .map(Answer::body).orElse(null);
        ServerCapabilities provisional = CapabilityParser.parse(json.createObjectNode(), smart, now());
        // An auth the server's SMART configuration already refuses is reported, not tried: asking for a
        // token the server cannot issue would only fail with the token endpoint's words instead of ours.
        List<String> authRefusals = authRefusals(endpoint, provisional);
        Authenticator authenticator;
        try {
            authenticator = authRefusals.isEmpty() ? authenticator(endpoint, provisional) : Authenticator.NONE;
        } catch (IllegalStateException e) {
            throw new UnreachableException(e.getMessage(), false);
        }
        FhirSession session = new FhirSession(base, http, authenticator);
        Optional<Answer> read;
        try {
            read = fetch(endpoint, base.resolve("metadata"), session);
        } catch (UnreachableException e) {
            if (authRefusals.isEmpty()) {
                throw e;
            }
            // the CapabilityStatement needs the credentials the server refuses: the refusal is the answer
            return new Report(provisional, authRefusals, List.of(), null);
        }
        Answer metadata = read.orElseThrow(() -> new UnreachableException("the server has no CapabilityStatement at "
                + base + "metadata (HTTP 404): is the base URL right?", false));
        JsonNode statement = metadata.body();
        if (!"CapabilityStatement".equals(statement.path("resourceType").asText())) {
            throw new UnreachableException(base + "metadata is not a CapabilityStatement (got "
                    + statement.path("resourceType").asText("no resourceType") + "): is the base URL right?", false);
        }
        ServerCapabilities capabilities = CapabilityParser.parse(statement, smart, now());
        store.save(endpoint.id(), capabilities);
        Report assessed = assess(endpoint, capabilities);
        return new Report(capabilities, assessed.refusals(), assessed.warnings(), metadata.date());
    }

    /** What the server declared at the last check, if any. */
    public Optional<ServerCapabilities> stored(String endpointId) {
        return store.find(endpointId);
    }

    /**
     * Where tokens come from: the configured token URL, else the server's SMART token endpoint; null
     * when neither is set or it is not a URL ({@link #authRefusals} says which).
     */
    public static URI tokenUrl(EmrEndpoint endpoint, ServerCapabilities capabilities) {
        Connection.Auth auth = endpoint.connection().auth();
        boolean configured = auth.tokenUrl() != null && !auth.tokenUrl().isBlank();
        String raw = rawTokenUrl(endpoint, capabilities);
        if (raw == null) {
            return null;
        }
        try {
            return configured ? URI.create(raw) : endpoint.base().resolve(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The configured token URL, else the token endpoint the server's SMART configuration names, as written. */
    private static String rawTokenUrl(EmrEndpoint endpoint, ServerCapabilities capabilities) {
        Connection.Auth auth = endpoint.connection().auth();
        if (auth.tokenUrl() != null && !auth.tokenUrl().isBlank()) {
            return auth.tokenUrl();
        }
        return capabilities == null || capabilities.tokenEndpoint() == null || capabilities.tokenEndpoint().isBlank()
                ? null : capabilities.tokenEndpoint();
    }

    /**
     * Why credentials must not go to the token URL, or null: it is not a URL, or not https (http is
     * allowed to this machine only): the client secret or assertion would cross the network in clear.
     */
    private static String tokenUrlProblem(EmrEndpoint endpoint, ServerCapabilities c) {
        Connection.Auth auth = endpoint.connection().auth();
        String source = auth.tokenUrl() != null && !auth.tokenUrl().isBlank() ? "auth.token-url"
                : "the token_endpoint of the server's SMART configuration";
        URI uri = tokenUrl(endpoint, c);
        if (uri == null) {
            return "the token URL '" + rawTokenUrl(endpoint, c) + "' (" + source + ") is not a URL";
        }
        if (Authenticators.secureTokenUrl(uri)) {
            return null;
        }
        return "http".equalsIgnoreCase(uri.getScheme())
                ? "the token URL " + uri + " (" + source + ") is not https: the client's credentials would cross the "
                        + "network in clear (http is allowed only to localhost)"
                : "the token URL " + uri + " (" + source + ") is not an https URL";
    }

    /** Keeps what a check found for an endpoint registered after it was checked. */
    public void remember(String endpointId, Report report) {
        store.save(endpointId, report.capabilities());
    }

    /**
     * The scopes to ask for: configured ones; else, when the server lists its scopes, those it lists
     * for the types needed ({@link #chooseScopes}); else v2 ({@code .rs}) or v1 ({@code .read}) for
     * each type needed, as the server declares.
     */
    public static String scopes(EmrEndpoint endpoint, ServerCapabilities capabilities) {
        Connection.Auth auth = endpoint.connection().auth();
        if (auth.scopes() != null && !auth.scopes().isBlank()) {
            return auth.scopes();
        }
        ScopeChoice choice = chooseScopes(endpoint, capabilities);
        if (choice != null) {
            return String.join(" ", choice.scopes());
        }
        boolean v2 = capabilities != null && capabilities.scopesV2();
        return typesNeeded(endpoint).stream().map(t -> "system/" + t + (v2 ? ".rs" : ".read"))
                .collect(Collectors.joining(" "));
    }

    /**
     * Scopes chosen from the server's {@code scopes_supported}: v2 or v1 as it lists them, and for each
     * type needed the scope it lists for reading it ({@code system/T.rs} or {@code system/T.read}), else
     * its wildcard ({@code system/*.rs}, {@code system/*.read}).
     *
     * @param scopes what to ask for, each once: listed by the server where it lists one
     * @param missing the types needed for which the server lists no such scope (asked for all the same:
     *     the list need not be complete)
     * @param suffix {@code .rs} or {@code .read}
     */
    record ScopeChoice(List<String> scopes, List<String> missing, String suffix) {
    }

    /** The scopes chosen from what the server lists, or null when scopes are configured or it lists none. */
    static ScopeChoice chooseScopes(EmrEndpoint endpoint, ServerCapabilities capabilities) {
        Connection.Auth auth = endpoint.connection().auth();
        boolean tokens = auth.kind() == Connection.AuthKind.CLIENT_SECRET
                || auth.kind() == Connection.AuthKind.SMART_BACKEND;
        if (!tokens || (auth.scopes() != null && !auth.scopes().isBlank()) || capabilities == null
                || capabilities.scopesSupported().isEmpty()) {
            return null;
        }
        List<String> listed = capabilities.scopesSupported();
        String suffix = capabilities.scopesV2() ? ".rs" : ".read";
        String other = capabilities.scopesV2() ? ".read" : ".rs";
        Set<String> chosen = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (String type : typesNeeded(endpoint)) {
            if (listed.contains("system/" + type + suffix)) {
                chosen.add("system/" + type + suffix);
            } else if (listed.contains("system/*" + suffix)) {
                chosen.add("system/*" + suffix);
            } else if (listed.contains("system/" + type + other)) {
                // listed in the other version only (a server between v1 and v2): what it lists
                chosen.add("system/" + type + other);
            } else {
                // scopes_supported need not be complete (SMART App Launch): asked for all the same
                chosen.add("system/" + type + suffix);
                missing.add(type);
            }
        }
        return new ScopeChoice(List.copyOf(chosen), List.copyOf(missing), suffix);
    }

    /**
     * Types without a listed scope, as one warning naming those the sync cannot do without (the pulled
     * types, and what the roster or a group export reads). Their scopes are asked for all the same.
     */
    private static void scopeGaps(EmrEndpoint endpoint, ServerCapabilities c, List<String> warnings) {
        ScopeChoice choice = chooseScopes(endpoint, c);
        if (choice == null || choice.missing().isEmpty()) {
            return;
        }
        Connection connection = endpoint.connection();
        Set<String> required = new LinkedHashSet<>(Connection.PULLED_TYPES);
        if (connection.strategy() != PullStrategy.SEARCH) {
            if (connection.roster().source() == Connection.RosterSource.GROUP
                    || (connection.strategy() == PullStrategy.BULK
                            && connection.bulk().level() == Connection.ExportLevel.GROUP)) {
                required.add("Group");
            }
            if (connection.roster().source() == Connection.RosterSource.PATIENT_SEARCH) {
                required.add("Patient");
            }
        }
        String kind = connection.auth().kind() == Connection.AuthKind.SMART_BACKEND ? "smart-backend" : "client-secret";
        // a warning, never a refusal: the list need not be complete, and a server that does not grant a
        // scope says so at the token endpoint, in its own words
        warnings.add("auth " + kind + ": the server's scopes_supported lists no scope to read "
                + String.join(", ", choice.missing()) + " (" + expected(choice.missing(), choice.suffix())
                + "); asked for all the same" + (choice.missing().stream().anyMatch(required::contains)
                        ? " (the sync needs " + choice.missing().stream().filter(required::contains).toList() + ")"
                        : "") + "; if the server does not grant them, set auth.scopes");
    }

    /** "neither system/A.rs, system/B.rs nor system/*.rs". */
    private static String expected(List<String> types, String suffix) {
        return "neither " + types.stream().map(t -> "system/" + t + suffix).collect(Collectors.joining(", "))
                + " nor system/*" + suffix;
    }

    /** An authenticator for the endpoint, from what its server declared. */
    public Authenticator authenticator(EmrEndpoint endpoint, ServerCapabilities capabilities) {
        Connection.AuthKind kind = endpoint.connection().auth().kind();
        boolean tokens = kind == Connection.AuthKind.CLIENT_SECRET || kind == Connection.AuthKind.SMART_BACKEND;
        return authenticators.forEndpoint(endpoint, tokens ? tokenUrl(endpoint, capabilities) : null,
                tokens ? scopes(endpoint, capabilities) : null);
    }

    static Set<String> typesNeeded(EmrEndpoint endpoint) {
        Set<String> types = new LinkedHashSet<>(List.of("ServiceRequest", "Encounter"));
        types.addAll(DIRECTORY);
        PullStrategy strategy = endpoint.connection().strategy();
        if (strategy != PullStrategy.SEARCH) {
            types.add("Patient");
            types.add("Group");
        }
        return types;
    }

    /** Which of the endpoint's choices the server does not declare, with the reason. */
    public static Report assess(EmrEndpoint endpoint, ServerCapabilities c) {
        List<String> refusals = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Connection connection = endpoint.connection();
        for (String type : List.of("ServiceRequest", "Encounter")) {
            ServerCapabilities.TypeSupport support = c.type(type);
            switch (connection.strategy()) {
                case SEARCH -> {
                    if (!support.search()) {
                        refusals.add("strategy search: the server does not declare search for " + type);
                    } else if (support.patientRequired()) {
                        refusals.add("strategy search: the server only allows " + type + " searches by patient; "
                                + "choose strategy roster (or bulk)");
                    } else if (!support.lastUpdated()) {
                        warnings.add(type + ": the server does not declare _lastUpdated, so every sync pulls everything");
                    }
                }
                case ROSTER -> {
                    if (!support.patientSearch()) {
                        refusals.add("strategy roster: the server does not declare a patient search for " + type);
                    }
                }
                case BULK -> { }
            }
        }
        if (connection.strategy() == PullStrategy.BULK) {
            Connection.Bulk bulk = connection.bulk();
            if (bulk.level() == Connection.ExportLevel.SYSTEM && !c.systemExport()) {
                refusals.add("strategy bulk: the server does not declare a system-level $export"
                        + (c.groupExport() ? "; it declares Group/[id]/$export: set bulk.level group" : ""));
            }
            if (bulk.level() == Connection.ExportLevel.GROUP && !c.groupExport()) {
                refusals.add("strategy bulk: the server does not declare Group/[id]/$export");
            }
            if (bulk.level() == Connection.ExportLevel.GROUP && (bulk.groupId() == null || bulk.groupId().isBlank())) {
                refusals.add("strategy bulk at group level needs bulk.group-id");
            }
        }
        if (connection.strategy() != PullStrategy.SEARCH) {
            Connection.Roster roster = connection.roster();
            switch (roster.source()) {
                case NONE -> {
                    if (connection.strategy() == PullStrategy.ROSTER) {
                        refusals.add("strategy roster needs a roster: roster.source group, patient-search or list");
                    }
                }
                case GROUP -> {
                    if (!c.type("Group").read()) {
                        refusals.add("roster.source group: the server does not declare reading Group");
                    }
                }
                case PATIENT_SEARCH -> {
                    if (!c.type("Patient").search()) {
                        refusals.add("roster.source patient-search: the server does not declare search for Patient");
                    }
                }
                case LIST -> {
                    if (roster.patients().isEmpty()) {
                        refusals.add("roster.source list: roster.patients is empty");
                    }
                }
            }
        }
        refusals.addAll(authRefusals(endpoint, c));
        scopeGaps(endpoint, c, warnings);
        return new Report(c, List.copyOf(refusals), List.copyOf(warnings), null);
    }

    /** Why the server's SMART configuration rules out the endpoint's auth, if it does. */
    static List<String> authRefusals(EmrEndpoint endpoint, ServerCapabilities c) {
        List<String> refusals = new ArrayList<>();
        Connection.Auth auth = endpoint.connection().auth();
        if (auth.kind() == Connection.AuthKind.SMART_BACKEND) {
            if (rawTokenUrl(endpoint, c) == null) {
                refusals.add("auth smart-backend: no token URL (" + (c.smartFound()
                        ? "the server's SMART configuration names no token_endpoint"
                        : "the server publishes no SMART configuration") + "; set auth.token-url)");
            } else {
                Optional.ofNullable(tokenUrlProblem(endpoint, c)).ifPresent(p -> refusals.add("auth smart-backend: " + p));
            }
            if (!c.tokenAuthMethods().isEmpty() && !c.tokenAuthMethods().contains("private_key_jwt")) {
                refusals.add("auth smart-backend: the server's token endpoint does not accept private_key_jwt (it lists "
                        + c.tokenAuthMethods() + ")");
            }
            String missing = Authenticators.missingIdentity(auth);
            if (missing != null) {
                refusals.add("auth smart-backend: " + missing);
            }
            String algorithm = auth.algorithm() == null ? "RS384" : auth.algorithm();
            if (!c.signingAlgorithms().isEmpty() && !c.signingAlgorithms().contains(algorithm)) {
                refusals.add("auth smart-backend: the server does not accept " + algorithm + " signatures (it lists "
                        + c.signingAlgorithms() + ")");
            }
        }
        if (auth.kind() == Connection.AuthKind.CLIENT_SECRET) {
            if (rawTokenUrl(endpoint, c) == null) {
                refusals.add("auth client-secret: no token URL (set auth.token-url)");
            } else {
                Optional.ofNullable(tokenUrlProblem(endpoint, c)).ifPresent(p -> refusals.add("auth client-secret: " + p));
            }
            String missing = Authenticators.missingIdentity(auth);
            if (missing != null) {
                refusals.add("auth client-secret: " + missing);
            }
            String method = auth.clientAuth() == Connection.ClientAuth.POST ? "client_secret_post" : "client_secret_basic";
            if (!c.tokenAuthMethods().isEmpty() && !c.tokenAuthMethods().contains(method)) {
                refusals.add("auth client-secret: the server's token endpoint does not accept " + method + " (it lists "
                        + c.tokenAuthMethods() + ")");
            }
        }

        return List.copyOf(refusals);
    }

    private Optional<Answer> fetch(EmrEndpoint endpoint, URI uri, FhirSession session) throws UnreachableException {
        try {
            FhirHttpClient.Response response = session == null
                    ? http.send("GET", uri, Map.of("Accept", "application/json"))
                    : session.get(uri);
            int status = response.status();
            boolean transientFailure = status == 408 || status == 429 || status >= 500;
            // the SMART configuration is optional, unless tokens are to come from the endpoint it names:
            // then a server that is busy for the moment is waited for, not taken for one without it
            boolean optional = session == null && !(transientFailure && needsSmartConfiguration(endpoint));
            if (status == 404 || (optional && status >= 400)) {
                return Optional.empty();
            }
            if (status == 401 || status == 403) {
                throw new UnreachableException(uri + " answered HTTP " + status + ": the EMR refused our credentials",
                        false);
            }
            if (status >= 400) {
                throw new UnreachableException(uri + " answered HTTP " + status, transientFailure, RetryAfter.parse(
                        response.header("Retry-After"), response.header("Date"), clock.instant()));
            }
            try {
                return Optional.of(new Answer(json.readTree(response.body()), date(response.header("Date"))));
            } catch (IOException e) {
                throw new UnreachableException(uri + " did not answer JSON: " + e.getMessage(), true);
            }
        } catch (IOException e) {
            throw new UnreachableException("cannot reach " + uri + ": " + e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted", true);
        } catch (AuthenticationException e) {
            throw new UnreachableException(endpoint.id() + ": " + e.getMessage(), e.retryable(), RetryAfter.of(e));
        } catch (RefusedUrlException e) {
            throw new UnreachableException(endpoint.id() + ": " + e.getMessage(), false);
        }
    }

    private static boolean needsSmartConfiguration(EmrEndpoint endpoint) {
        Connection.AuthKind kind = endpoint.connection().auth().kind();
        return (kind == Connection.AuthKind.CLIENT_SECRET || kind == Connection.AuthKind.SMART_BACKEND)
                && rawTokenUrl(endpoint, null) == null;
    }

    private static Instant date(String header) {
        if (header == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }
}
