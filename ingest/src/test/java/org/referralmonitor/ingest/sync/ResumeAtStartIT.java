package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Without sync-on-startup (the test default), a start still syncs the endpoints whose sync the last
 * stop interrupted, and only those: what the interrupted sync committed is credited, linked and
 * recomputed now rather than at the endpoint's next scheduled sync; an interrupted reconciliation
 * starts again as a reconciliation. The stop is played by leaving a
 * run queued and running the start's two steps again (marking interrupted runs, then the start
 * trigger); {@link CrashRecoveryIT} does it with a killed process.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class ResumeAtStartIT {

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-r");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic R");
        List<String> ids = List.of("emr-interrupted", "emr-finished", "emr-reconciling");
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            String key = "referral-monitor.ingest.endpoints[" + i + "].";
            registry.add(key + "id", () -> id);
            registry.add(key + "clinic", () -> "clinic-r");
            registry.add(key + "base-url", () -> emr.baseUrl() + "/" + id + "/");
        }
    }

    @Autowired
    SyncService syncs;

    @Autowired
    SyncTriggers triggers;

    @Autowired
    SyncRunRepository runs;

    @Test
    void aStartSyncsTheEndpointsWhoseSyncTheLastStopInterrupted() {
        emr.stubFor(get(urlPathMatching("/[^/]+/metadata")).atPriority(1)
                .willReturn(okForContentType("application/fhir+json", FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathMatching("/[^/]+/\\.well-known/smart-configuration")).atPriority(1)
                .willReturn(notFound()));
        emr.stubFor(get(urlPathMatching("/.*")).willReturn(okForContentType("application/fhir+json",
                FhirFixtures.emptyBundle())));
        long left = runs.insertQueued("emr-interrupted", SyncService.TRIGGER_SCHEDULE, "SEARCH", OffsetDateTime.now());
        runs.markRunning(left, OffsetDateTime.now());
        long reconciling = runs.insertQueued("emr-reconciling", SyncService.TRIGGER_RECONCILE, "SEARCH",
                OffsetDateTime.now());
        runs.markRunning(reconciling, OffsetDateTime.now());

        syncs.failInterruptedRuns();
        assertThat(syncs.interruptedAtStart()).containsOnlyKeys("emr-interrupted", "emr-reconciling");
        triggers.onStartup();

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                syncs.runs("emr-interrupted", 10).stream().anyMatch(r -> r.status().equals(SyncRun.SUCCEEDED)));
        assertThat(syncs.runs("emr-interrupted", 10)).extracting(SyncRun::trigger, SyncRun::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(SyncService.TRIGGER_RESUME, SyncRun.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(SyncService.TRIGGER_SCHEDULE, SyncRun.FAILED));
        assertThat(syncs.run(left).orElseThrow().error()).startsWith(SyncRun.INTERRUPTED);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                syncs.runs("emr-reconciling", 10).stream().anyMatch(r -> r.status().equals(SyncRun.SUCCEEDED)));
        assertThat(syncs.runs("emr-reconciling", 10)).as("an interrupted reconciliation starts again as one")
                .extracting(SyncRun::trigger).containsExactly(SyncService.TRIGGER_RECONCILE,
                        SyncService.TRIGGER_RECONCILE);
        assertThat(syncs.runs("emr-finished", 10)).as("an endpoint nothing interrupted waits for its schedule")
                .isEmpty();
        emr.verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathMatching("/emr-finished/.*")));
    }
}
