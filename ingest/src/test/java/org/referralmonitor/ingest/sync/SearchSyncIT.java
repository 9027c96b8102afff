package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
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
 * A FHIR search sync against a WireMock EMR on real PostgreSQL: three ServiceRequest pages
 * followed by their next links, duplicates across pages stored once, a second sync of the same
 * data writes nothing, and every form of requester reference is credited to a source.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class SearchSyncIT {

    private static final String FHIR = "application/fhir+json";

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoint(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-a");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic A");
        registry.add("referral-monitor.ingest.clinics[0].time-zone", () -> "America/New_York");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "emr-a");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> "clinic-a");
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> emr.baseUrl() + "/fhir");
        registry.add("referral-monitor.ingest.endpoints[0].page-size", () -> "3");
    }

    @Autowired
    SyncService syncs;

    @Autowired
    JdbcClient jdbc;

    private String base() {
        return emr.baseUrl() + "/fhir/";
    }

    /** Each test starts with an endpoint that holds nothing, as a first sync finds it (its runs are kept). */
    @BeforeEach
    void forgetWhatTheEndpointHolds() {
        for (String delete : List.of(
                "DELETE FROM referral_conversion WHERE endpoint_id = 'emr-a'",
                "DELETE FROM visit_based_on WHERE endpoint_id = 'emr-a'",
                "DELETE FROM change_scope WHERE endpoint_id = 'emr-a'",
                "DELETE FROM conversion_link_state WHERE endpoint_id = 'emr-a'",
                "DELETE FROM directory_scan_state WHERE endpoint_id = 'emr-a'",
                "DELETE FROM referral_rule_state WHERE endpoint_id = 'emr-a'",
                "DELETE FROM resource_issue WHERE endpoint_id = 'emr-a'",
                "DELETE FROM rejected_resource WHERE endpoint_id = 'emr-a'",
                "DELETE FROM sync_watermark WHERE endpoint_id = 'emr-a'",
                "DELETE FROM referral WHERE endpoint_id = 'emr-a'",
                "DELETE FROM visit WHERE endpoint_id = 'emr-a'",
                "DELETE FROM practitioner_role WHERE endpoint_id = 'emr-a'",
                "DELETE FROM practitioner WHERE endpoint_id = 'emr-a'",
                "DELETE FROM organization WHERE endpoint_id = 'emr-a'")) {
            jdbc.sql(delete).update();
        }
    }

    @BeforeEach
    void stubEmr() {
        emr.resetAll();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1)
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).atPriority(1).willReturn(notFound()));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", absent())
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-1.json", base()))));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", equalTo("3"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-2.json", base()))));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", equalTo("6"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-3.json", base()))));
        emr.stubFor(get(urlPathEqualTo("/fhir/Encounter"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/encounter-page-1.json", base()))));
        emr.stubFor(get(urlPathEqualTo("/fhir/PractitionerRole")).withQueryParam("_id", absent())
                .withQueryParam("practitioner", absent())
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/practitionerroles.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/PractitionerRole")).withQueryParam("_id", matching(".+"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/practitionerrole-by-id.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/PractitionerRole")).withQueryParam("practitioner", matching(".+"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/practitionerrole-by-practitioner.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/Practitioner"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/practitioners.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/Organization"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/organizations.json"))));
    }

    @Test
    void followsThreePagesAndStoresDuplicatesOnce() {
        SyncRun run = SyncAwait.sync(syncs, "emr-a");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(3, getRequestedFor(urlPathEqualTo("/fhir/ServiceRequest")));
        emr.verify(getRequestedFor(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_count", equalTo("3"))
                .withQueryParam("_offset", equalTo("6")));
        assertThat(ids("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-a' ORDER BY resource_id"))
                .containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        assertThat(jdbc.sql("SELECT count(*) FROM sync_page WHERE sync_run_id = :id AND resource_type = 'ServiceRequest'")
                .param("id", run.id()).query(Integer.class).single()).isEqualTo(3);
        assertThat(run.resourcesRejected()).isZero();
    }

    @Test
    void secondSyncOfUnchangedDataWritesNoRow() {
        SyncAwait.sync(syncs, "emr-a");
        Map<String, Object> before = snapshot();

        SyncRun second = SyncAwait.sync(syncs, "emr-a");

        assertThat(second.status()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.resourcesWritten()).isZero();
        assertThat(second.resourcesUnchanged()).isPositive();
        assertThat(snapshot()).isEqualTo(before);
    }

    /**
     * A first sync searches practices, providers and roles whole, then visits, then requests, and
     * credits each request as it writes it; a server refusing that search (though its capability
     * statement declares it) gets the look-ups by id after the windows and every referral credited
     * when finishing. Either way, the same credit.
     */
    @ParameterizedTest(name = "directory search refused: {0}")
    @ValueSource(booleans = {false, true})
    void creditsEachRequesterFormToAPracticeAndProvider(boolean refused) {
        if (refused) {
            emr.stubFor(get(urlPathEqualTo("/fhir/PractitionerRole")).withQueryParam("_id", absent())
                    .withQueryParam("practitioner", absent()).atPriority(1)
                    .willReturn(aResponse().withStatus(400).withHeader("Content-Type", FHIR)
                            .withBody("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                                    + "\"code\":\"too-costly\"}]}")));
        }
        SyncRun run = SyncAwait.sync(syncs, "emr-a");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(refused ? 1 : 0, getRequestedFor(urlPathEqualTo("/fhir/PractitionerRole"))
                .withQueryParam("_id", matching(".+")));
        List<String> order = jdbc.sql("SELECT resource_type FROM sync_page WHERE sync_run_id = :id ORDER BY seq")
                .param("id", run.id()).query(String.class).list();
        assertThat(order.indexOf("Encounter")).as("visits before requests: %s", order)
                .isLessThan(order.indexOf("ServiceRequest"));

        List<String> rows = jdbc.sql("""
                SELECT resource_id || ' ' || source_resolution || ' ' || COALESCE(source_org_key, '-') || ' '
                       || COALESCE(source_practitioner_key, '-')
                FROM referral WHERE endpoint_id = 'emr-a' ORDER BY resource_id
                """).query(String.class).list();
        assertThat(rows).containsExactly(
                "sr-1 ROLE npi:1245319599 npi:1555555550",
                "sr-2 PRACTITIONER_SINGLE_ROLE npi:1245319599 npi:1777777776",
                // org-2's NPI fails its check digit: keyed by endpoint and id instead
                "sr-3 ORGANIZATION emr-a/Organization/org-2 -",
                "sr-4 IDENTIFIER unknown npi:1999999919",
                "sr-5 UNRESOLVED unknown -",
                "sr-6 CONTAINED unknown npi:1888888884");
    }

    @Test
    void linksVisitsToReferralsAndPlacesReferralsInTheClinicsMonth() {
        SyncAwait.sync(syncs, "emr-a");

        assertThat(ids("SELECT visit_id || '>' || referral_id FROM visit_based_on WHERE endpoint_id = 'emr-a' ORDER BY 1"))
                .containsExactly("enc-1>sr-1", "enc-2>sr-4");
        // 2026-04-01T02:30Z is 22:30 on March 31 in New York (April 1 in UTC); a date-only authoredOn is taken as written
        assertThat(ids("SELECT CAST(authored_date AS VARCHAR(10)) FROM referral WHERE resource_id IN ('sr-2', 'sr-3') "
                + "ORDER BY resource_id")).containsExactly("2026-03-05", "2026-03-31");
    }

    @Test
    void storesNoPatientIdentityOrFreeText() {
        SyncAwait.sync(syncs, "emr-a");

        List<String> hashes = ids("SELECT patient_hash FROM referral WHERE endpoint_id = 'emr-a'");
        assertThat(hashes).hasSize(6).allMatch(h -> h.matches("[0-9a-f]{64}"));
        String everything = jdbc.sql("SELECT * FROM referral").query().listOfRows().toString()
                + jdbc.sql("SELECT * FROM visit").query().listOfRows();
        assertThat(everything).doesNotContain("Jane", "Doe", "free text", "Patient/p1", "p3");
        // the same patient on a referral and its visit has the same hash
        assertThat(ids("""
                SELECT r.resource_id FROM referral r JOIN visit v ON v.endpoint_id = r.endpoint_id
                 AND v.patient_hash = r.patient_hash WHERE r.endpoint_id = 'emr-a' ORDER BY 1
                """)).containsExactly("sr-1", "sr-4");
    }

    private List<String> ids(String sql) {
        return jdbc.sql(sql).query(String.class).list();
    }

    private Map<String, Object> snapshot() {
        return Map.of(
                "referral", jdbc.sql("SELECT count(*), max(updated_at) FROM referral").query().listOfRows(),
                "visit", jdbc.sql("SELECT count(*), max(updated_at) FROM visit").query().listOfRows(),
                "based_on", jdbc.sql("SELECT count(*) FROM visit_based_on").query().listOfRows(),
                "directory", jdbc.sql("SELECT (SELECT max(updated_at) FROM organization), "
                        + "(SELECT max(updated_at) FROM practitioner), (SELECT max(updated_at) FROM practitioner_role)")
                        .query().listOfRows());
    }
}
