package org.referralmonitor.ingest.endpoint;

import jakarta.annotation.PostConstruct;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.IngestProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.DependsOn;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The clinics and EMR endpoints the monitor knows. At start-up it records every clinic and
 * endpoint defined by configuration (and by the sandbox EMR when enabled) in the database.
 */
@Service
// registers the configured endpoints at start: only in the process that runs this database's jobs
@DependsOn("instanceLease")
public class EndpointDirectory {

    private static final Logger log = LoggerFactory.getLogger(EndpointDirectory.class);

    private final EndpointRepository repository;
    private final List<EndpointSource> sources;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    /** Where endpoints connected through the API or the UI come from. */
    public static final String ORIGIN_API = "API";

    /** Where the secrets of endpoints entered at run time may be. */
    private final IngestProperties.EnteredSecrets enteredSecrets;

    EndpointDirectory(EndpointRepository repository, List<EndpointSource> sources, TransactionTemplate tx,
            Optional<Clock> clock, ApplicationEventPublisher events,
            IngestProperties properties) {
        this.enteredSecrets = properties.enteredSecrets();
        this.repository = repository;
        this.sources = sources;
        this.tx = tx;
        this.clock = clock.orElse(Clock.systemUTC());
        this.events = events;
    }

    @PostConstruct
    void registerDefinedEndpoints() {
        Map<String, Clinic> clinics = new LinkedHashMap<>();
        Map<String, EmrEndpoint> endpoints = new LinkedHashMap<>();
        for (EndpointSource source : sources) {
            source.clinics().forEach(c -> putUnique(clinics, c.id(), c, "clinic"));
            source.endpoints().forEach(e -> putUnique(endpoints, e.id(), e, "endpoint"));
        }
        for (EmrEndpoint e : endpoints.values()) {
            if (!clinics.containsKey(e.clinicId())) {
                throw new IllegalStateException("Endpoint '" + e.id() + "' belongs to clinic '" + e.clinicId()
                        + "', which is not defined under referral-monitor.ingest.clinics (defined: "
                        + clinics.keySet() + ")");
            }
            String scheme = e.baseUrl().getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
                throw new IllegalStateException("Endpoint '" + e.id() + "': base-url must be http(s), got '"
                        + e.baseUrl() + "'");
            }
            checkSecretRefs(e);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        tx.executeWithoutResult(status -> {
            clinics.values().forEach(c -> repository.upsert(c, now));
            endpoints.values().forEach(e -> repository.upsert(e, now));
            Map<String, List<String>> idsByOrigin = new HashMap<>();
            for (String origin : Set.of("CONFIG", "SANDBOX")) {
                idsByOrigin.put(origin, new ArrayList<>());
            }
            endpoints.values().forEach(e -> idsByOrigin.computeIfAbsent(e.origin(), o -> new ArrayList<>()).add(e.id()));
            idsByOrigin.forEach((origin, ids) -> {
                int disabled = repository.disableOthers(origin, ids, now);
                if (disabled > 0) {
                    log.info("Disabled {} {} endpoint(s) no longer defined", disabled, origin.toLowerCase());
                }
            });
            repository.clearStoredSecrets(now).forEach(where -> log.warn("Endpoint {} held a secret where only its "
                    + "reference belongs (stored by an earlier version): removed, and the endpoint disabled until a "
                    + "reference (env:VARIABLE or file:/path) is entered", where));
        });
        log.info("Registered {} clinic(s) and {} endpoint(s): {}", clinics.size(), endpoints.size(),
                endpoints.values().stream().map(e -> e.id() + " -> " + e.baseUrl()).collect(Collectors.joining(", ")));
    }

    /**
     * Refuses to start with a secret written where only its reference belongs (it would be stored in
     * the database as it is), naming the endpoint and the key, never the value.
     */
    private static void checkSecretRefs(EmrEndpoint e) {
        Connection.Auth auth = e.connection().auth();
        Map<String, String> refs = new LinkedHashMap<>();
        refs.put("auth.password-ref", auth.passwordRef());
        refs.put("auth.token-ref", auth.tokenRef());
        refs.put("auth.client-secret-ref", auth.clientSecretRef());
        refs.put("auth.private-key-ref", auth.privateKeyRef());
        refs.forEach((key, ref) -> {
            try {
                SecretRefs.check(ref, key);
            } catch (IllegalArgumentException x) {
                throw new IllegalStateException("Endpoint '" + e.id() + "': " + x.getMessage());
            }
        });
    }

    private static <T> void putUnique(Map<String, T> map, String id, T value, String what) {
        if (map.putIfAbsent(id, value) != null) {
            throw new IllegalStateException("The " + what + " id '" + id + "' is defined twice");
        }
    }

    /**
     * Connects an endpoint an administrator entered (origin API), or replaces one entered before;
     * endpoints defined by configuration or the sandbox can only be changed there.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public EmrEndpoint register(EmrEndpoint endpoint) {
        return register(endpoint, null);
    }

    /**
     * The same, with the clinic it belongs to: created (name and time zone, in which its months are
     * counted) when there is none with its id; an existing clinic must have that time zone already (its
     * months follow it: a clinic of the configuration changes it there).
     *
     * @param clinic null: the endpoint's clinic must exist
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public EmrEndpoint register(EmrEndpoint endpoint, Clinic clinic) {
        if (!endpoint.id().matches(org.referralmonitor.ingest.IngestProperties.ID_PATTERN)) {
            throw new IllegalArgumentException("id '" + endpoint.id() + "' must be lower-case letters, digits and "
                    + "dashes (at most 64)");
        }
        Optional<Clinic> known = clinic(endpoint.clinicId());
        if (clinic != null && !clinic.id().equals(endpoint.clinicId())) {
            throw new IllegalArgumentException("the clinic given (" + clinic.id() + ") is not the endpoint's ("
                    + endpoint.clinicId() + ")");
        }
        if (known.isEmpty() && clinic == null) {
            throw new IllegalArgumentException("clinic '" + endpoint.clinicId() + "' is not defined (defined: "
                    + clinics().stream().map(Clinic::id).toList() + "); give its time zone to create it");
        }
        if (known.isEmpty() && !clinic.id().matches(org.referralmonitor.ingest.IngestProperties.ID_PATTERN)) {
            throw new IllegalArgumentException("clinic '" + clinic.id() + "' must be lower-case letters, digits and "
                    + "dashes (at most 64)");
        }
        if (known.isPresent() && clinic != null && !known.get().timeZone().equals(clinic.timeZone())) {
            throw new IllegalArgumentException("clinic '" + clinic.id() + "' counts its months in "
                    + known.get().timeZone() + ", not " + clinic.timeZone() + " (a clinic's time zone is set "
                    + "where the clinic was defined)");
        }
        String scheme = endpoint.baseUrl().getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL, got '" + endpoint.baseUrl() + "'");
        }
        Connection.Auth auth = endpoint.connection().auth();
        SecretRefs.check(auth.passwordRef(), "auth.passwordRef");
        SecretRefs.check(auth.tokenRef(), "auth.tokenRef");
        SecretRefs.check(auth.clientSecretRef(), "auth.clientSecretRef");
        SecretRefs.check(auth.privateKeyRef(), "auth.privateKeyRef");
        checkEnteredSecrets(endpoint);
        repository.find(endpoint.id()).filter(existing -> !ORIGIN_API.equals(existing.origin())).ifPresent(existing -> {
            throw new IllegalArgumentException("endpoint '" + endpoint.id() + "' is defined by "
                    + existing.origin().toLowerCase() + "; change it there");
        });
        boolean isNew = repository.find(endpoint.id()).isEmpty();
        OffsetDateTime now = OffsetDateTime.now(clock);
        tx.executeWithoutResult(status -> {
            if (known.isEmpty()) {
                repository.upsert(clinic, now);
                log.info("Clinic {} ({}, months in {}) created by an administrator", clinic.id(), clinic.name(),
                        clinic.timeZone());
            }
            repository.upsert(endpoint, now);
        });
        log.info("Endpoint {} {} by an administrator: {} ({})", endpoint.id(), isNew ? "connected" : "changed",
                endpoint.baseUrl(), endpoint.connection().strategy().name().toLowerCase());
        events.publishEvent(new EndpointRegisteredEvent(endpoint.id(), isNew));
        return repository.find(endpoint.id()).orElseThrow();
    }

    /**
     * Refuses an endpoint entered at run time whose secrets are not where such endpoints may name them
     * (referral-monitor.ingest.entered-secrets), before anything is sent to its server.
     *
     * @throws IllegalArgumentException saying which reference and what is allowed
     */
    public void checkEnteredSecrets(EmrEndpoint endpoint) {
        enteredSecrets.check(endpoint.connection().auth());
    }

    /** An endpoint was connected or changed at run time: its routes need (re)starting. */
    public record EndpointRegisteredEvent(String endpointId, boolean isNew) {
    }

    public List<EmrEndpoint> endpoints() {
        return repository.findAll();
    }

    public List<EmrEndpoint> enabledEndpoints() {
        return repository.findAll().stream().filter(EmrEndpoint::enabled).toList();
    }

    public Optional<EmrEndpoint> endpoint(String id) {
        return repository.find(id);
    }

    public List<Clinic> clinics() {
        return repository.findClinics();
    }

    public Optional<Clinic> clinic(String id) {
        return clinics().stream().filter(c -> c.id().equals(id)).findFirst();
    }
}
