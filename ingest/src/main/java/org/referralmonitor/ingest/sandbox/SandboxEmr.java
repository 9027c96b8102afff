package org.referralmonitor.ingest.sandbox;

import ca.uhn.fhir.context.FhirContext;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointSource;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;

/**
 * The built-in sandbox EMR of the demo run: generates the seeded world as of today, serves it
 * on a free local port, and defines its clinics and endpoints. Off unless
 * {@code referral-monitor.ingest.sandbox.enabled} is true.
 */
@Component
@ConditionalOnBooleanProperty("referral-monitor.ingest.sandbox.enabled")
public class SandboxEmr implements EndpointSource {

    private static final Logger log = LoggerFactory.getLogger(SandboxEmr.class);

    private final SandboxFhirServer server;
    private final IngestProperties.Sandbox settings;
    private final String schedule;

    SandboxEmr(FhirContext fhir, IngestProperties properties, Optional<Clock> clock) {
        this.settings = properties.sandbox();
        this.schedule = properties.defaultSchedule();
        LocalDate today = LocalDate.now(clock.orElse(Clock.systemDefaultZone()));
        long start = System.nanoTime();
        SandboxWorld world = new SandboxWorldGenerator(fhir).generate(
                SandboxSpec.demo(settings.seed(), today, settings.months(), settings.practicesPerClinic()));
        this.server = new SandboxFhirServer(world);
        // the second clinic's EMR behaves like Oracle Health: patient-anchored search only
        world.clinics().stream().skip(1).forEach(c -> server.behave(c.id(),
                server.behavior(c.id()).patientAnchoredOnly()));
        log.info("Sandbox EMR: {} clinics, {} resources generated as of {} (seed {}) in {} ms, serving "
                        + "http://127.0.0.1:{}/fhir/<clinic>/",
                world.clinics().size(), world.clinics().stream().mapToInt(c -> c.resources().size()).sum(), today,
                settings.seed(), (System.nanoTime() - start) / 1_000_000, server.port());
    }

    public SandboxWorld world() {
        return server.world();
    }

    @Override
    public List<Clinic> clinics() {
        return world().clinics().stream().map(c -> new Clinic(c.id(), c.name(), c.zone())).toList();
    }

    @Override
    public List<EmrEndpoint> endpoints() {
        return world().clinics().stream()
                .map(c -> new EmrEndpoint("sandbox-" + c.id(), c.id(), c.name() + " EMR (sandbox)",
                        server.baseUrl(c.id()), settings.pageSize(), schedule, true, "SANDBOX",
                        ValidationLevel.LENIENT, connection(c.id())))
                .toList();
    }

    /** Population search where the sandbox server allows it, else a crawl of the clinic's patient Group. */
    private Connection connection(String clinicId) {
        Connection d = Connection.DEFAULT;
        boolean population = server.behavior(clinicId).populationSearch();
        return new Connection(population ? PullStrategy.SEARCH : PullStrategy.ROSTER, d.concurrency(), d.overlap(),
                d.lag(), d.reconcileSchedule(), List.of("Organization/org-self"), d.auth(),
                population ? Connection.Roster.NONE
                        : new Connection.Roster(Connection.RosterSource.GROUP, clinicId + "-patients", null, null),
                d.bulk(), d.referralRule());
    }

    @PreDestroy
    void stop() {
        server.close();
    }
}
