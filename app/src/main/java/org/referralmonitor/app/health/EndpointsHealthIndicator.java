package org.referralmonitor.app.health;

import java.util.LinkedHashMap;
import java.util.Map;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.sync.EndpointStatus;
import org.referralmonitor.ingest.sync.SyncService;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "emrEndpoints": each enabled endpoint's feed (OK, FAILING,
 * NEVER_SYNCED) with its last success, lag and last error. DOWN when every endpoint's feed is
 * failing (nothing arrives at all); UP otherwise, naming the failing ones, so one broken EMR does
 * not take the monitor out of a load balancer.
 */
@Component("emrEndpoints")
class EndpointsHealthIndicator implements HealthIndicator {

    private final EndpointDirectory directory;
    private final SyncService syncs;

    EndpointsHealthIndicator(EndpointDirectory directory, SyncService syncs) {
        this.directory = directory;
        this.syncs = syncs;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        int failing = 0;
        int total = 0;
        for (EmrEndpoint endpoint : directory.enabledEndpoints()) {
            total++;
            EndpointStatus status = syncs.status(endpoint.id());
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("health", status.health());
            one.put("lastSuccessAt", status.lastSuccessAt() == null ? null : status.lastSuccessAt().toString());
            one.put("lagMinutes", status.lagMinutes());
            one.put("failuresSinceLastSuccess", status.failuresSinceLastSuccess());
            if (status.lastError() != null) {
                one.put("lastError", status.lastError());
            }
            details.put(endpoint.id(), one);
            if (EndpointStatus.FAILING.equals(status.health())) {
                failing++;
            }
        }
        details.put("failing", failing);
        Health.Builder builder = total > 0 && failing == total ? Health.down() : Health.up();
        return builder.withDetails(details).build();
    }
}
