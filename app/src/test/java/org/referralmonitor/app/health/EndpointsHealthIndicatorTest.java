package org.referralmonitor.app.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.ingest.sync.EndpointStatus;
import org.referralmonitor.ingest.sync.SyncService;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Actuator health names the failing endpoints: UP while any feed works (one broken EMR does not take
 * the monitor out of a load balancer), DOWN when every feed fails.
 */
class EndpointsHealthIndicatorTest {

    final EndpointDirectory directory = mock(EndpointDirectory.class);
    final SyncService syncs = mock(SyncService.class);
    final EndpointsHealthIndicator indicator = new EndpointsHealthIndicator(directory, syncs);

    static final OffsetDateTime LAST = OffsetDateTime.parse("2026-12-07T06:00:00Z");
    static final EndpointStatus OK = new EndpointStatus(EndpointStatus.OK, LAST, 30L, 0, null, 0, 0, false);
    static final EndpointStatus FAILING = new EndpointStatus(EndpointStatus.FAILING, LAST, 300L, 3,
            "ServiceRequest page 2: HTTP 503 after 5 attempts", 0, 0, false);

    @Test
    void namesTheFailingEndpointAndStaysUpWhileAnotherWorks() {
        when(directory.enabledEndpoints()).thenReturn(List.of(endpoint("east"), endpoint("west")));
        when(syncs.status("east")).thenReturn(FAILING);
        when(syncs.status("west")).thenReturn(OK);

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("failing", 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> east = (Map<String, Object>) health.getDetails().get("east");
        assertThat(east).containsEntry("health", "FAILING").containsEntry("failuresSinceLastSuccess", 3)
                .containsEntry("lastError", "ServiceRequest page 2: HTTP 503 after 5 attempts");
        @SuppressWarnings("unchecked")
        Map<String, Object> west = (Map<String, Object>) health.getDetails().get("west");
        assertThat(west).containsEntry("health", "OK").doesNotContainKey("lastError");
    }

    @Test
    void isDownWhenEveryFeedFails() {
        when(directory.enabledEndpoints()).thenReturn(List.of(endpoint("east"), endpoint("west")));
        when(syncs.status("east")).thenReturn(FAILING);
        when(syncs.status("west")).thenReturn(FAILING);

        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(indicator.health().getDetails()).containsEntry("failing", 2);
    }

    private static EmrEndpoint endpoint(String id) {
        return new EmrEndpoint(id, "clinic", id, URI.create("https://emr.example.org/" + id + "/"), 100, "-", true,
                "CONFIG", ValidationLevel.LENIENT, Connection.DEFAULT);
    }
}
