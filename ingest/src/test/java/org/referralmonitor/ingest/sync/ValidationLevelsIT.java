package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The same EMR data through three endpoints at three validation levels: strict sends a referral
 * without requester to review, lenient keeps it and records why it deviates, off records nothing.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class ValidationLevelsIT {

    private static final String FHIR = "application/fhir+json";

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-v");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic V");
        String[] levels = {"strict", "lenient", "off"};
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            registry.add("referral-monitor.ingest.endpoints[" + i + "].id", () -> "emr-" + level);
            registry.add("referral-monitor.ingest.endpoints[" + i + "].clinic", () -> "clinic-v");
            registry.add("referral-monitor.ingest.endpoints[" + i + "].base-url", () -> emr.baseUrl() + "/fhir/");
            registry.add("referral-monitor.ingest.endpoints[" + i + "].validation", () -> level);
        }
    }

    @Autowired
    SyncService syncs;

    @Autowired
    IssueLog issues;

    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void emr() {
        emr.resetAll();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1)
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).atPriority(1).willReturn(notFound()));
        emr.stubFor(get(urlPathMatching("/fhir/.*")).atPriority(10)
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("validation/referrals.json"))));
    }

    @Test
    void strictSendsNonConformingReferralsToReviewWithThePlainReason() {
        SyncRun run = SyncAwait.sync(syncs, "emr-strict");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(ids("emr-strict")).containsExactly("sr-good", "sr-performer-words");
        assertThat(jdbc.sql("SELECT reason FROM rejected_resource WHERE endpoint_id = 'emr-strict' AND resource_id = 'sr-anonymous'")
                .query(String.class).single())
                .isEqualTo("ServiceRequest sr-anonymous: no requester, so no referring provider or practice can be credited with it");
    }

    @Test
    void lenientKeepsEverythingAndSaysHowItDeviates() {
        SyncRun run = SyncAwait.sync(syncs, "emr-lenient");

        assertThat(run.resourcesRejected()).isZero();
        assertThat(ids("emr-lenient")).containsExactly("sr-anonymous", "sr-good", "sr-performer-words");
        List<IssueLog.Deviation> summary = issues.summary("emr-lenient");
        assertThat(summary).extracting(IssueLog.Deviation::rule, IssueLog.Deviation::severity, IssueLog.Deviation::resources)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Validation_VAL_Profile_Minimum", "ERROR", 1),
                        org.assertj.core.groups.Tuple.tuple("rm-referral-2", "WARNING", 1));
        assertThat(summary.get(1).example()).isEqualTo("ServiceRequest sr-performer-words: names a performer only by "
                + "display text, so it cannot be told which clinic the referral was sent to");
        assertThat(issues.deviatingResources("emr-lenient")).isEqualTo(2);

        // the EMR fixes the referral: its deviation goes away on the next sync
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).willReturn(okForContentType(FHIR,
                FhirFixtures.read("validation/referrals.json").replace("\"id\":\"sr-anonymous\",",
                        "\"id\":\"sr-anonymous\",\"requester\":{\"reference\":\"Organization/o1\"},"))));
        SyncAwait.sync(syncs, "emr-lenient");
        assertThat(issues.summary("emr-lenient")).extracting(IssueLog.Deviation::rule).containsExactly("rm-referral-2");
    }

    @Test
    void offValidatesNothing() {
        SyncAwait.sync(syncs, "emr-off");

        assertThat(ids("emr-off")).hasSize(3);
        assertThat(issues.deviatingResources("emr-off")).isZero();
    }

    private List<String> ids(String endpoint) {
        return jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = :e ORDER BY resource_id")
                .param("e", endpoint).query(String.class).list();
    }
}
