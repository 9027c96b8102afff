package org.referralmonitor.app.api;

import java.net.URI;
import java.util.List;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;
import org.referralmonitor.ingest.sync.UnknownEndpointException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
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
            boolean enabled, String origin, String validationLevel, SyncRun lastSync, int openReviewItems,
            int deviatingResources) {
    }

    private final EndpointDirectory directory;
    private final SyncService syncs;
    private final ReviewQueue review;
    private final IssueLog issues;

    EndpointsApi(EndpointDirectory directory, SyncService syncs, ReviewQueue review, IssueLog issues) {
        this.directory = directory;
        this.syncs = syncs;
        this.review = review;
        this.issues = issues;
    }

    @GetMapping
    List<EndpointView> list() {
        return directory.endpoints().stream().map(this::view).toList();
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
                e.origin(), e.validationLevel().name(), syncs.lastRun(e.id()).orElse(null), review.countOpen(e.id()),
                issues.deviatingResources(e.id()));
    }
}
