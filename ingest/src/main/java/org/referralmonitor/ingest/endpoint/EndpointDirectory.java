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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The clinics and EMR endpoints the monitor knows. At start-up it records every clinic and
 * endpoint defined by configuration (and by the sandbox EMR when enabled) in the database.
 */
@Service
public class EndpointDirectory {

    private static final Logger log = LoggerFactory.getLogger(EndpointDirectory.class);

    private final EndpointRepository repository;
    private final List<EndpointSource> sources;
    private final TransactionTemplate tx;
    private final Clock clock;

    EndpointDirectory(EndpointRepository repository, List<EndpointSource> sources, TransactionTemplate tx,
            Optional<Clock> clock) {
        this.repository = repository;
        this.sources = sources;
        this.tx = tx;
        this.clock = clock.orElse(Clock.systemUTC());
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
        });
        log.info("Registered {} clinic(s) and {} endpoint(s): {}", clinics.size(), endpoints.size(),
                endpoints.values().stream().map(e -> e.id() + " -> " + e.baseUrl()).collect(Collectors.joining(", ")));
    }

    private static <T> void putUnique(Map<String, T> map, String id, T value, String what) {
        if (map.putIfAbsent(id, value) != null) {
            throw new IllegalStateException("The " + what + " id '" + id + "' is defined twice");
        }
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
