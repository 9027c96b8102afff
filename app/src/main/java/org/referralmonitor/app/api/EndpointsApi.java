package org.referralmonitor.app.api;

import java.net.URI;
import java.util.List;
import org.referralmonitor.app.security.ClinicAccess;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.capability.ConnectionCheck;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.sync.EndpointStatus;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;
import org.referralmonitor.ingest.sync.UnknownEndpointException;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** EMR endpoints, their syncs and what they sent that needs review. */
@RestController
@RequestMapping("/api/v1/endpoints")
class EndpointsApi {

    /**
     * An endpoint with its latest sync, the number of resources waiting in review, and the number of
     * kept resources that deviate from the profiles.
     */
    record EndpointView(String id, String clinicId, String name, URI baseUrl, int pageSize, String schedule,
            boolean enabled, String origin, String validationLevel, String strategy, String authKind,
            List<String> ownOrganizations, EndpointStatus status, SyncRun lastSync, int openReviewItems,
            int deviatingResources) {
    }

    /** What "test connection" found: what the server declares, what it refuses and why, its clock. */
    record ConnectionReport(boolean ok, List<String> refusals, List<String> warnings, Object capabilities,
            Object serverTime) {

        static ConnectionReport of(ConnectionCheck.Report report) {
            return new ConnectionReport(report.ok(), report.refusals(), report.warnings(), report.capabilities(),
                    report.serverTime());
        }
    }

    /** A connected endpoint and what its server declared. */
    record Connected(EndpointView endpoint, ConnectionReport connection) {
    }

    private final EndpointDirectory directory;
    private final SyncService syncs;
    private final ReviewQueue review;
    private final IssueLog issues;
    private final ConnectionCheck check;
    private final IngestProperties properties;

    EndpointsApi(EndpointDirectory directory, SyncService syncs, ReviewQueue review, IssueLog issues,
            ConnectionCheck check, IngestProperties properties) {
        this.directory = directory;
        this.syncs = syncs;
        this.review = review;
        this.issues = issues;
        this.check = check;
        this.properties = properties;
    }

    /**
     * Connects an endpoint: tests the connection first and refuses, with the server's reasons, a
     * strategy or auth the server does not declare ({@code check=false} skips the test, for a server
     * not reachable yet).
     */
    @PostMapping
    ResponseEntity<Connected> connect(@RequestBody EndpointRequest request,
            @RequestParam(defaultValue = "true") boolean check) {
        EmrEndpoint endpoint = request.toEndpoint(properties.defaultSchedule());
        Clinic clinic = request.clinicToCreate();
        try {
            directory.checkEnteredSecrets(endpoint);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        ConnectionCheck.Report report = null;
        if (check) {
            report = test(endpoint);
            if (!report.ok()) {
                throw new InvalidRequestException("The server at " + endpoint.baseUrl() + " does not support this "
                        + "endpoint's settings: " + String.join("; ", report.refusals()));
            }
        }
        EmrEndpoint saved;
        try {
            saved = directory.register(endpoint, clinic);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (report != null) {
            this.check.remember(saved.id(), report);
        }
        return ResponseEntity.created(URI.create("/api/v1/endpoints/" + saved.id()))
                .body(new Connected(view(saved), report == null ? null : ConnectionReport.of(report)));
    }

    /** "Test connection": reads /metadata and /.well-known/smart-configuration afresh. */
    @PostMapping("/{id}/test")
    ConnectionReport testConnection(@PathVariable String id) {
        return ConnectionReport.of(test(endpoint(id)));
    }

    private ConnectionCheck.Report test(EmrEndpoint endpoint) {
        try {
            return check.check(endpoint);
        } catch (ConnectionCheck.UnreachableException e) {
            throw new InvalidRequestException("Cannot test the connection to " + endpoint.baseUrl() + ": "
                    + e.getMessage());
        }
    }

    /** The endpoints of the clinics the user sees. */
    @GetMapping
    List<EndpointView> list(Authentication user) {
        return directory.endpoints().stream().filter(e -> ClinicAccess.allows(user, e.clinicId())).map(this::view)
                .toList();
    }

    @GetMapping("/{id}")
    EndpointView get(@PathVariable String id) {
        return view(endpoint(id));
    }

    @PostMapping("/{id}/sync")
    ResponseEntity<SyncRun> sync(@PathVariable String id) {
        SyncRun run = syncs.requestSync(id, SyncService.TRIGGER_API);
        return ResponseEntity.accepted().location(URI.create("/api/v1/endpoints/" + id + "/syncs/" + run.id())).body(run);
    }

    @GetMapping("/{id}/syncs")
    List<SyncRun> syncs(@PathVariable String id, @RequestParam(defaultValue = "20") int limit) {
        return syncs.runs(id, Math.max(1, Math.min(limit, 500)));
    }

    @GetMapping("/{id}/syncs/{runId}")
    SyncRun sync(@PathVariable String id, @PathVariable long runId) {
        return syncs.run(runId).filter(r -> r.endpointId().equals(id))
                .orElseThrow(() -> new NotFoundException("Endpoint '" + id + "' has no sync " + runId));
    }

    @GetMapping("/{id}/review")
    List<ReviewQueue.OpenRejection> review(@PathVariable String id, @RequestParam(defaultValue = "50") int limit) {
        endpoint(id);
        return review.open(id, Math.max(1, Math.min(limit, 1000)));
    }

    /** How the endpoint's resources deviate from the profiles, by rule, most common first. */
    @GetMapping("/{id}/deviations")
    List<IssueLog.Deviation> deviations(@PathVariable String id) {
        endpoint(id);
        return issues.summary(id);
    }

    private EmrEndpoint endpoint(String id) {
        return directory.endpoint(id).orElseThrow(() -> new UnknownEndpointException(id));
    }

    private EndpointView view(EmrEndpoint e) {
        return new EndpointView(e.id(), e.clinicId(), e.name(), e.baseUrl(), e.pageSize(), e.schedule(), e.enabled(),
                e.origin(), e.validationLevel().name(), e.connection().strategy().name(),
                e.connection().auth().kind().name(), e.connection().ownOrganizations(), syncs.status(e.id()),
                syncs.lastRun(e.id()).orElse(null), review.countOpen(e.id()), issues.deviatingResources(e.id()));
    }
}
