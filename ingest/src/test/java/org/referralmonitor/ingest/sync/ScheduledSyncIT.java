package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.time.Duration;
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

/** An endpoint's cron schedule starts syncs by itself, through its schedule route. */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class ScheduledSyncIT {

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoint(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-s");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic S");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "emr-s");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> "clinic-s");
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> emr.baseUrl() + "/fhir/");
        registry.add("referral-monitor.ingest.endpoints[0].schedule", () -> "*/2 * * * * *");
        registry.add("referral-monitor.ingest.endpoints[1].id", () -> "emr-r");
        registry.add("referral-monitor.ingest.endpoints[1].clinic", () -> "clinic-s");
        registry.add("referral-monitor.ingest.endpoints[1].base-url", () -> emr.baseUrl() + "/fhir/");
        registry.add("referral-monitor.ingest.endpoints[1].schedule", () -> "-");
        registry.add("referral-monitor.ingest.endpoints[1].reconcile-schedule", () -> "*/3 * * * * *");
    }

    @Autowired
    SyncService syncs;

    @Autowired
    org.referralmonitor.ingest.endpoint.EndpointDirectory directory;

    private static void emrAnswers() {
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1)
                .willReturn(okForContentType("application/fhir+json", FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).atPriority(1).willReturn(notFound()));
        emr.stubFor(get(urlPathMatching("/fhir/.*")).willReturn(okForContentType("application/fhir+json",
                FhirFixtures.emptyBundle())));
    }

    /** An endpoint's reconcile schedule starts reconciliations by itself; one that names none reconciles weekly. */
    @Test
    void theReconcileScheduleStartsReconciliationsWeeklyUnlessSet() {
        emrAnswers();

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                syncs.runs("emr-r", 10).stream().anyMatch(r -> r.status().equals(SyncRun.SUCCEEDED)));

        assertThat(syncs.runs("emr-r", 10)).allMatch(r -> r.trigger().equals(SyncService.TRIGGER_RECONCILE));
        assertThat(directory.endpoint("emr-s").orElseThrow().connection().reconcileSchedule())
                .isEqualTo("0 0 4 * * SUN");
    }

    @Test
    void theScheduleStartsSyncs() {
        emrAnswers();

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                syncs.runs("emr-s", 10).stream().filter(r -> r.status().equals(SyncRun.SUCCEEDED)).count() >= 2);

        assertThat(syncs.runs("emr-s", 10)).allMatch(r -> r.trigger().equals(SyncService.TRIGGER_SCHEDULE));
    }
}
