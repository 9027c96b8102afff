package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Strategy 3 against a WireMock EMR: a 429 at kick-off (an export already running) is waited out
 * and no second export is started; the status URL is polled through a 202 with X-Progress; the
 * manifest's three files are streamed, one of them failing with a 500 once and one redirected to
 * another host, which never sees our token; the job is deleted; the next export asks
 * {@code _since} the manifest's transactionTime, and its deleted file becomes a tombstone.
 */
@SpringBootTest(classes = {IngestTestApplication.class, BulkExportIT.Announcements.class})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
@org.junit.jupiter.api.extension.ExtendWith(OutputCaptureExtension.class)
class BulkExportIT {

    /** What was true when a sync announced that it is about to write (what metrics reads). */
    record Announced(long runId, int statusPolls, int referrals, int visits, boolean writingSince) {
    }

    static class Announcements {
        final List<Announced> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Autowired
        JdbcClient jdbc;

        @org.springframework.context.event.EventListener
        void announced(SyncStartedEvent event) {
            seen.add(new Announced(event.syncRunId(),
                    emr.countRequestsMatching(getRequestedFor(urlPathMatching("/fhir/export-status/.*")).build())
                            .getCount(),
                    jdbc.sql("SELECT count(*) FROM referral WHERE endpoint_id = :e").param("e", event.endpointId())
                            .query(Integer.class).single(),
                    jdbc.sql("SELECT count(*) FROM visit WHERE endpoint_id = :e").param("e", event.endpointId())
                            .query(Integer.class).single(),
                    jdbc.sql("SELECT writing_since IS NOT NULL FROM sync_run WHERE id = :id").param("id", event.syncRunId())
                            .query(Boolean.class).single()));
        }
    }

    @Autowired
    Announcements announcements;

    @Autowired
    org.referralmonitor.ingest.store.SourceResolver sources;

    private static final String FHIR = "application/fhir+json";
    private static final String NDJSON = "application/fhir+ndjson";
    private static final String TOKEN = "bulk-test-token";
    private static final String TRANSACTION_TIME = "2026-11-20T10:00:00Z";

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension storage = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoint(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-b");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic B");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "emr-bulk");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> "clinic-b");
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> emr.baseUrl() + "/fhir");
        registry.add("referral-monitor.ingest.endpoints[0].strategy", () -> "bulk");
        registry.add("referral-monitor.ingest.endpoints[0].auth.kind", () -> "bearer");
        registry.add("referral-monitor.ingest.endpoints[0].auth.token-ref", () -> "file:" + tokenFile());
        registry.add("referral-monitor.ingest.pull.bulk-poll-interval", () -> "100ms");
        registry.add("referral-monitor.ingest.http.read-idle-timeout", () -> "1s");
        // the roster that crawls what the export cannot give
        registry.add("referral-monitor.ingest.endpoints[0].roster.source", () -> "list");
        registry.add("referral-monitor.ingest.endpoints[0].roster.patients[0]", () -> "pat-9");
        // the same EMR under /group/fhir, exporting one Group's data only
        registry.add("referral-monitor.ingest.endpoints[1].id", () -> "emr-bulk-group");
        registry.add("referral-monitor.ingest.endpoints[1].clinic", () -> "clinic-b");
        registry.add("referral-monitor.ingest.endpoints[1].base-url", () -> emr.baseUrl() + "/group/fhir/");
        registry.add("referral-monitor.ingest.endpoints[1].strategy", () -> "bulk");
        registry.add("referral-monitor.ingest.endpoints[1].bulk.level", () -> "group");
        registry.add("referral-monitor.ingest.endpoints[1].bulk.group-id", () -> "clinic-patients");
        registry.add("referral-monitor.ingest.endpoints[1].bulk.types[0]", () -> "ServiceRequest");
        registry.add("referral-monitor.ingest.endpoints[1].bulk.types[1]", () -> "Encounter");
        registry.add("referral-monitor.ingest.endpoints[1].auth.kind", () -> "bearer");
        registry.add("referral-monitor.ingest.endpoints[1].auth.token-ref", () -> "file:" + tokenFile());
        // the same EMR again, synced for the first time by the test of crediting as requests are written
        registry.add("referral-monitor.ingest.endpoints[2].id", () -> "emr-bulk-first");
        registry.add("referral-monitor.ingest.endpoints[2].clinic", () -> "clinic-b");
        registry.add("referral-monitor.ingest.endpoints[2].base-url", () -> emr.baseUrl() + "/fhir");
        registry.add("referral-monitor.ingest.endpoints[2].strategy", () -> "bulk");
        registry.add("referral-monitor.ingest.endpoints[2].auth.kind", () -> "bearer");
        registry.add("referral-monitor.ingest.endpoints[2].auth.token-ref", () -> "file:" + tokenFile());
    }

    private static Path tokenFile() {
        try {
            Path file = Files.createTempFile("bulk-token", ".txt");
            Files.writeString(file, TOKEN + "\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Autowired
    SyncService syncs;

    @Autowired
    JdbcClient jdbc;

    private String base() {
        return emr.baseUrl() + "/fhir/";
    }

    @BeforeEach
    void stubEmr() {
        emr.resetAll();
        storage.resetAll();
        jdbc.sql("DELETE FROM sync_watermark WHERE endpoint_id IN ('emr-bulk', 'emr-bulk-group')").update();
        jdbc.sql("DELETE FROM bulk_export").update();
        // each test starts with no export held before it (a hold of another test's would count as the one before)
        jdbc.sql("UPDATE sync_run SET held_reason = NULL, held_since = NULL, steady_mismatch = 0 "
                + "WHERE endpoint_id IN ('emr-bulk', 'emr-bulk-group')").update();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata"))
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).willReturn(notFound()));
        emr.stubFor(get(urlPathMatching("/fhir/(Practitioner|PractitionerRole|Organization)"))
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));

        emr.stubFor(get(urlPathEqualTo("/fhir/$export")).withQueryParam("_since", absent()).inScenario("kick-off")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")
                        .withHeader("Content-Type", FHIR).withBody(outcome("An export is already running")))
                .willSetStateTo("free"));
        emr.stubFor(get(urlPathEqualTo("/fhir/$export")).withQueryParam("_since", absent()).inScenario("kick-off")
                .whenScenarioStateIs("free")
                .willReturn(aResponse().withStatus(202).withHeader("Content-Location", base() + "export-status/1")));
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/1")).inScenario("poll").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(202).withHeader("X-Progress", "50% done")
                        .withHeader("Retry-After", "1"))
                .willSetStateTo("ready"));
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/1")).inScenario("poll").whenScenarioStateIs("ready")
                .willReturn(okForContentType("application/json", manifest(TRANSACTION_TIME, List.of(
                        file("ServiceRequest", base() + "files/servicerequest-1.ndjson", 3),
                        file("ServiceRequest", base() + "files/servicerequest-2.ndjson", 3),
                        file("Encounter", base() + "files/encounter-1.ndjson", 2)), List.of()))));
        emr.stubFor(delete(urlPathMatching("/fhir/export-status/.*")).willReturn(aResponse().withStatus(202)));

        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-1.ndjson"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-2.ndjson")).inScenario("flaky")
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500).withBody("storage hiccup"))
                .willSetStateTo("recovered"));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-2.ndjson")).inScenario("flaky")
                .whenScenarioStateIs("recovered")
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-2.ndjson"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/encounter-1.ndjson"))
                .willReturn(aResponse().withStatus(302).withHeader("Location",
                        storage.baseUrl() + "/bucket/encounter-1.ndjson?signature=abc")));
        storage.stubFor(get(urlPathEqualTo("/bucket/encounter-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/encounter-1.ndjson"))));
    }

    @Test
    void exportsWaitsForTheRunningOnePollsStreamsAndDeletesTheJob() {
        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(ids("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-bulk' ORDER BY resource_id"))
                .containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        assertThat(ids("SELECT resource_id FROM visit WHERE endpoint_id = 'emr-bulk' ORDER BY resource_id"))
                .containsExactly("enc-1", "enc-2");
        // one 429 waited out, then exactly one export started
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/$export")));
        emr.verify(getRequestedFor(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_type", equalTo("ServiceRequest,Encounter"))
                .withHeader("Prefer", equalTo("respond-async")));
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/export-status/1")));
        // the 500 was retried, not skipped; our token went to the EMR, never to the other host
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/files/servicerequest-2.ndjson"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
        storage.verify(1, getRequestedFor(urlPathEqualTo("/bucket/encounter-1.ndjson"))
                .withHeader("Authorization", absent()));
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/1")));
        assertThat(run.retries()).isGreaterThanOrEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("SELECT watermark FROM sync_watermark WHERE endpoint_id = 'emr-bulk' AND resource_type = "
                + "'ServiceRequest'").query(OffsetDateTime.class).single().withOffsetSameInstant(ZoneOffset.UTC))
                .isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(jdbc.sql("SELECT stored FROM sync_window WHERE sync_run_id = :id AND resource_type = 'ServiceRequest'")
                .param("id", run.id()).query(Integer.class).single()).isEqualTo(6);
        // others are told the sync writes once the export is ready, not while it is being prepared (hours, on
        // a real server), and before anything is written
        assertThat(announcements.seen).filteredOn(a -> a.runId() == run.id())
                .as("announced once, after both polls, before the first file was written, writing_since set first")
                .containsExactly(new Announced(run.id(), 2, 0, 0, true));
    }

    /**
     * A first export from a server that allows searching the directory: practices, providers and roles
     * are searched whole once the export is ready, the visit file is written before the request files
     * (the manifest lists it last), and each request is credited as it is written; the credit is the
     * one crediting every referral afterwards gives.
     */
    @Test
    void aFirstExportSearchesTheDirectoryFirstAndCreditsEachRequestAsItIsWritten(CapturedOutput output) {
        emr.stubFor(get(urlPathEqualTo("/fhir/PractitionerRole"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("bulk/directory-roles.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/Practitioner"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("bulk/directory-practitioners.json"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/Organization"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("bulk/directory-organizations.json"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk-first");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        List<String> asked = new java.util.ArrayList<>(emr.getAllServeEvents().stream()
                .map(e -> e.getRequest().getUrl().replaceAll("\\?.*", "")).toList());
        java.util.Collections.reverse(asked); // the journal lists the newest request first
        int firstFile = asked.indexOf("/fhir/files/encounter-1.ndjson");
        int ready = asked.subList(0, firstFile).lastIndexOf("/fhir/export-status/1"); // the poll that found it ready
        for (String directory : List.of("/fhir/PractitionerRole", "/fhir/Practitioner", "/fhir/Organization")) {
            assertThat(asked.indexOf(directory)).as("%s searched once the export is ready, before its files: %s",
                    directory, asked).isGreaterThan(ready).isLessThan(firstFile);
        }
        assertThat(firstFile).as("visits before requests").isLessThan(asked.indexOf("/fhir/files/servicerequest-1.ndjson"));
        assertThat(announcements.seen).filteredOn(a -> a.runId() == run.id()).extracting(Announced::statusPolls)
                .as("announced once, with its first write: the directory, after the export's polls")
                .containsExactly(2);
        assertThat(output.getOut()).as("the sync's summary: every request credited as it was written")
                .containsPattern("Sync " + run.id() + " of emr-bulk-first succeeded: .* 6 referrals credited as written "
                        + "and 0 after");

        Map<String, String> atInsert = SyncDatabases.credits(jdbc, "emr-bulk-first");
        assertThat(atInsert.get("sr-1")).as("requested by a role: its practitioner at its practice")
                .isEqualTo("ROLE npi:1510000015 npi:1310000017");
        sources.resolve("emr-bulk-first", true);
        assertThat(atInsert).as("credited as written = credited afterwards").isEqualTo(SyncDatabases.credits(jdbc, "emr-bulk-first"));
    }

    @Test
    void theNextExportAsksSinceTheLastTransactionTimeAndTombstonesWhatWasDeleted() {
        SyncAwait.sync(syncs, "emr-bulk");
        emr.stubFor(get(urlPathEqualTo("/fhir/$export")).withQueryParam("_since", equalTo("2026-11-20T10:00:00.000Z"))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Location", base() + "export-status/2")));
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/2"))
                .willReturn(okForContentType("application/json", manifest("2026-11-21T10:00:00Z", List.of(),
                        List.of(file("Bundle", base() + "files/deleted-1.ndjson", 1))))));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/deleted-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/deleted-1.ndjson"))));

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.tombstoned()).isEqualTo(1);
        assertThat(ids("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-bulk' AND deleted_at IS NOT NULL"))
                .containsExactly("sr-1");
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/2")));
    }

    @Test
    void exportsTheNamedGroupOnlyAndAsksSinceItsLastExportNextTime() {
        String group = emr.baseUrl() + "/group/fhir/";
        // whatever this endpoint asks for besides what is stubbed below (a system-level $export) is unknown
        emr.stubFor(get(urlPathMatching("/group/fhir/.*")).atPriority(10).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", FHIR).withBody(outcome("Unknown path"))));
        emr.stubFor(get(urlPathEqualTo("/group/fhir/metadata"))
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathMatching("/group/fhir/(Practitioner|PractitionerRole|Organization)"))
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
        emr.stubFor(get(urlPathEqualTo("/group/fhir/Group/clinic-patients/$export")).withQueryParam("_since", absent())
                .willReturn(aResponse().withStatus(202).withHeader("Content-Location", group + "export-status/g1")));
        emr.stubFor(get(urlPathEqualTo("/group/fhir/export-status/g1"))
                .willReturn(okForContentType("application/json", manifest(TRANSACTION_TIME, List.of(
                        file("ServiceRequest", group + "files/servicerequest-1.ndjson", 3),
                        file("ServiceRequest", group + "files/servicerequest-2.ndjson", 3),
                        file("Encounter", group + "files/encounter-1.ndjson", 2)), List.of()))));
        for (String name : List.of("servicerequest-1", "servicerequest-2", "encounter-1")) {
            emr.stubFor(get(urlPathEqualTo("/group/fhir/files/" + name + ".ndjson"))
                    .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/" + name + ".ndjson"))));
        }
        emr.stubFor(delete(urlPathMatching("/group/fhir/export-status/.*")).willReturn(aResponse().withStatus(202)));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk-group");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, getRequestedFor(urlPathEqualTo("/group/fhir/Group/clinic-patients/$export"))
                .withQueryParam("_type", equalTo("ServiceRequest,Encounter"))
                .withHeader("Prefer", equalTo("respond-async"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
        emr.verify(0, getRequestedFor(urlPathEqualTo("/group/fhir/$export")));
        emr.verify(0, getRequestedFor(urlPathEqualTo("/fhir/$export")));
        assertThat(ids("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-bulk-group' ORDER BY resource_id"))
                .containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        assertThat(ids("SELECT resource_id FROM visit WHERE endpoint_id = 'emr-bulk-group' ORDER BY resource_id"))
                .containsExactly("enc-1", "enc-2");
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/group/fhir/export-status/g1")));
        assertThat(ids("SELECT resource_type FROM sync_watermark WHERE endpoint_id = 'emr-bulk-group' AND watermark = "
                + "TIMESTAMPTZ '" + TRANSACTION_TIME + "' ORDER BY resource_type")).containsExactly("Encounter",
                "ServiceRequest");

        emr.stubFor(get(urlPathEqualTo("/group/fhir/Group/clinic-patients/$export"))
                .withQueryParam("_since", equalTo("2026-11-20T10:00:00.000Z"))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Location", group + "export-status/g2")));
        emr.stubFor(get(urlPathEqualTo("/group/fhir/export-status/g2"))
                .willReturn(okForContentType("application/json",
                        manifest("2026-11-21T10:00:00Z", List.of(), List.of()))));

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk-group");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, getRequestedFor(urlPathEqualTo("/group/fhir/Group/clinic-patients/$export"))
                .withQueryParam("_since", equalTo("2026-11-20T10:00:00.000Z"))
                .withQueryParam("_type", equalTo("ServiceRequest,Encounter")));
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/group/fhir/export-status/g2")));
    }

    /**
     * The server says the export failed (a 4xx with an OperationOutcome at the status URL): the job is
     * deleted, the export forgotten and the run fails saying what the server said; the next sync
     * kicks off a new export asking since the same time, not polling the dead job again.
     */
    @Test
    void anExportTheServerSaysFailedIsAbandonedAndTheNextSyncStartsANewOne() {
        watermarks("2026-11-01T00:00:00Z");
        kickOffSince("2026-11-01T00:00:00.000Z", "export-status/dead");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/dead")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", FHIR).withBody(outcome("Export job 17 aborted: disk full"))));

        SyncRun failed = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(failed.status()).isEqualTo(SyncRun.FAILED);
        assertThat(failed.error()).contains("export failed", "HTTP 400", "Export job 17 aborted: disk full",
                "next sync starts a new export since 2026-11-01T00:00:00.000Z");
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/export-status/dead")));
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/dead")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();

        kickOffSince("2026-11-01T00:00:00.000Z", "export-status/1");
        SyncRun next = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(next.status()).as(next.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/export-status/dead")));
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_since", equalTo("2026-11-01T00:00:00.000Z")));
    }

    /**
     * A 5xx without an OperationOutcome is an outage: the run fails, the job is kept and polled again
     * by the next sync. A 5xx with an OperationOutcome is retried, then taken for the export's failure.
     */
    @Test
    void aServerErrorKeepsTheExportUnlessItCarriesAnOperationOutcomeOnceRetriesAreSpent() {
        kickOffSince(null, "export-status/sick");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/sick")).willReturn(aResponse().withStatus(503)
                .withBody("Service Unavailable")));

        SyncRun outage = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(outage.status()).isEqualTo(SyncRun.FAILED);
        assertThat(outage.error()).contains("HTTP 503");
        emr.verify(3, getRequestedFor(urlPathEqualTo("/fhir/export-status/sick")));
        emr.verify(0, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/sick")));
        assertThat(jdbc.sql("SELECT status_url FROM bulk_export WHERE endpoint_id = 'emr-bulk'").query(String.class)
                .single()).isEqualTo(base() + "export-status/sick");

        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/sick")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", FHIR).withBody(outcome("Export worker crashed"))));
        SyncRun failed = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(failed.status()).isEqualTo(SyncRun.FAILED);
        assertThat(failed.error()).contains("export failed", "HTTP 500", "Export worker crashed");
        emr.verify(3 + 3, getRequestedFor(urlPathEqualTo("/fhir/export-status/sick")));
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/sick")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/$export")));
    }

    /**
     * A manifest naming a file on another host, even one that needs no credentials, is refused before
     * anything is downloaded (bulk-download-hosts lists none): the other host is never asked.
     */
    @Test
    void anExportFileOnAnotherHostIsRefusedAndNeverAsked() {
        kickOffSince(null, "export-status/elsewhere");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/elsewhere")).willReturn(okForContentType("application/json",
                manifest(TRANSACTION_TIME, List.of(file("Encounter", storage.baseUrl() + "/bucket/encounter-1.ndjson",
                        2)), List.of()).replace("\"requiresAccessToken\":true", "\"requiresAccessToken\":false"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("encounter-1.ndjson", "not on the endpoint's own host", "bulk-download-hosts",
                "The export is kept").doesNotContain("export failed");
        storage.verify(0, getRequestedFor(anyUrl()));
        assertThat(watermark("Encounter")).isNull();
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single())
                .as("kept: once the host is listed, the same export is used").isOne();
        emr.verify(0, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/elsewhere")));
    }

    /**
     * A 503 whose OperationOutcome says "transient" (the Bulk Data spec's mark of a failure worth
     * waiting out) and a 401 at the status URL (our credentials, not the export) keep the export.
     */
    @Test
    void aTransientFailureOrRefusedCredentialsAtTheStatusUrlKeepTheExport() {
        kickOffSince(null, "export-status/busy");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/busy")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", FHIR).withBody(outcome("Export queue is full").replace("throttled",
                        "transient"))));

        SyncRun busy = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(busy.status()).isEqualTo(SyncRun.FAILED);
        assertThat(busy.error()).contains("HTTP 503").doesNotContain("export failed");
        emr.verify(0, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/busy")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isOne();

        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/busy")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", FHIR).withBody(outcome("Invalid token"))));

        SyncRun refused = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(refused.status()).isEqualTo(SyncRun.FAILED);
        assertThat(refused.error()).contains("HTTP 401", "refused our credentials", "export is kept");
        emr.verify(0, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/busy")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isOne();
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/$export")));
    }

    @Test
    void anotherHostIsAllowedOnlyWhenListedAndOverHttps() {
        List<String> hosts = List.of("files.emr-vendor.example", "*.s3.amazonaws.com");
        assertThat(BulkPull.downloadHostAllowed(URI.create("https://files.emr-vendor.example/x.ndjson"), hosts)).isTrue();
        assertThat(BulkPull.downloadHostAllowed(URI.create("https://bucket.s3.amazonaws.com/x.ndjson"), hosts)).isTrue();
        assertThat(BulkPull.downloadHostAllowed(URI.create("https://s3.amazonaws.com/x.ndjson"), hosts)).isFalse();
        assertThat(BulkPull.downloadHostAllowed(URI.create("https://evil-s3.amazonaws.com.example/x"), hosts)).isFalse();
        assertThat(BulkPull.downloadHostAllowed(URI.create("http://bucket.s3.amazonaws.com/x.ndjson"), hosts)).isFalse();
        assertThat(BulkPull.downloadHostAllowed(URI.create("https://other.example/x.ndjson"), hosts)).isFalse();
    }

    /** A manifest without a transactionTime is no export we can use: abandoned like a failed one. */
    @Test
    void aManifestWithoutTransactionTimeAbandonsTheExport() {
        kickOffSince(null, "export-status/odd");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/odd")).willReturn(okForContentType("application/json",
                "{\"request\":\"$export\",\"requiresAccessToken\":true,\"output\":[],\"error\":[]}")));

        SyncRun failed = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(failed.status()).isEqualTo(SyncRun.FAILED);
        assertThat(failed.error()).contains("export failed", "no transactionTime");
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/odd")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();
    }

    /**
     * An expired signed download link answers 200 with an HTML error page: not NDJSON, so the download
     * is retried and, once retries are spent, the sync fails; no watermark moves.
     */
    @Test
    void anHtmlPageInsteadOfAnExportFileFailsTheSyncAndMovesNoWatermark() {
        kickOffSince(null, "export-status/1");
        storage.stubFor(get(urlPathEqualTo("/bucket/encounter-1.ndjson"))
                .willReturn(okForContentType("text/html; charset=utf-8", FhirFixtures.read("bulk/expired-link.html"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("encounter-1.ndjson", "text/html", "not NDJSON");
        storage.verify(3, getRequestedFor(urlPathEqualTo("/bucket/encounter-1.ndjson")));
        assertThat(watermark("Encounter")).isNull();
        assertThat(watermark("ServiceRequest")).isNull();
    }

    /** The same page sent as NDJSON: no line of it is a FHIR resource, so it is no export file either. */
    @Test
    void aFileWithoutASingleFhirResourceFailsTheSyncAndMovesNoWatermark() {
        kickOffSince(null, "export-status/1");
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/expired-link.html"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("servicerequest-1.ndjson", "no FHIR resource", "line 1 of "
                + "servicerequest-1.ndjson is not valid JSON");
        emr.verify(3, getRequestedFor(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")));
        assertThat(watermark("ServiceRequest")).isNull();
        assertThat(ids("SELECT reason FROM rejected_resource WHERE sync_run_id = " + run.id())).isEmpty();
    }

    /**
     * Every line of a genuine file cut short: no line is readable, but they begin as ServiceRequests,
     * so it is an export file, not an error page: its lines go to review and its type's watermark
     * stays (before, it was downloaded again and again and the sync failed until the export expired).
     */
    @Test
    void aFileWhoseEveryLineIsCutShortGoesToReviewInsteadOfFailingTheSync() {
        kickOffSince(null, "export-status/1");
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-1-every-line-cut.ndjson"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")));
        assertThat(ids("SELECT reason FROM rejected_resource WHERE sync_run_id = " + run.id())).hasSize(3)
                .allMatch(r -> r.contains("of servicerequest-1.ndjson is not valid JSON"));
        assertThat(run.countMismatch()).isEqualTo(3);
        assertThat(watermark("ServiceRequest")).isNull();
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(BulkPull.beginsAs(" { \"resourceType\" : \"ServiceRequest\", \"id", "ServiceRequest")).isTrue();
        assertThat(BulkPull.beginsAs("{\"resourceType\":\"ServiceRequestX\"", "ServiceRequest")).isFalse();
        assertThat(BulkPull.beginsAs("<html>{\"resourceType\":\"ServiceRequest\"", "ServiceRequest")).isFalse();
    }

    /**
     * One line of a file cut short: it goes to review with its reason, the rest of the file is
     * written, and it is not counted as received, so its type's watermark stays.
     */
    @Test
    void aBadLineAmongGoodOnesGoesToReviewAndHoldsItsTypesWatermark() {
        kickOffSince(null, "export-status/1");
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-2.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-2-cut-line.ndjson"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(jdbc.sql("SELECT stored FROM sync_window WHERE sync_run_id = :id AND resource_type = :type")
                .param("id", run.id()).param("type", "ServiceRequest").query(Integer.class).single())
                .as("sr-6, after the bad line, too").isEqualTo(5);
        assertThat(run.resourcesRejected()).isEqualTo(1);
        assertThat(ids("SELECT reason FROM rejected_resource WHERE sync_run_id = " + run.id()))
                .singleElement().asString().startsWith("line 2 of servicerequest-2.ndjson is not valid JSON");
        assertThat(run.countMismatch()).isEqualTo(1);
        assertThat(watermark("ServiceRequest")).as("5 of the 6 announced arrived").isNull();
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));

        SyncRun again = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(again.resourcesRejected()).isEqualTo(1);
        assertThat(ids("SELECT sync_run_id || ' ' || reason FROM rejected_resource WHERE status = 'OPEN' "
                + "AND sync_run_id IN (" + run.id() + ", " + again.id() + ")"))
                .as("the same bad line, without type or id, pulled again: its review row is updated, not repeated")
                .singleElement().asString().startsWith(again.id() + " line 2 of servicerequest-2.ndjson");
        assertThat(watermark("ServiceRequest")).as("the same shortfall from the same _since (everything)")
                .isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
    }

    /**
     * A line of a deleted file cut short: the deletions of the others are applied, the line goes to
     * review, and the watermarks stay, so the next export asks for the deletions again.
     */
    @Test
    void anUnreadableDeletedLineGoesToReviewAndHoldsTheWatermarks() {
        kickOffSince(null, "export-status/1");
        SyncAwait.sync(syncs, "emr-bulk");
        nextExportWithDeletedFile("bulk/deleted-with-cut-line.ndjson");

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(ids("SELECT resource_id FROM visit WHERE endpoint_id = 'emr-bulk' AND deleted_at IS NOT NULL"))
                .containsExactly("enc-2");
        assertThat(ids("SELECT reason FROM rejected_resource WHERE sync_run_id = " + second.id())).singleElement()
                .asString().startsWith("line 1 of deleted-2.ndjson (deleted resources) is not valid JSON");
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(second.detail()).contains("watermarks stay", "deleted files could not be read");
    }

    /** A deleted file with no readable line (an error page): retried, then the sync fails; no watermark moves. */
    @Test
    void aDeletedFileWithoutAReadableLineFailsTheSync() {
        kickOffSince(null, "export-status/1");
        SyncAwait.sync(syncs, "emr-bulk");
        nextExportWithDeletedFile("bulk/expired-link.html");

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(second.status()).isEqualTo(SyncRun.FAILED);
        assertThat(second.error()).contains("deleted-2.ndjson", "no Bundle of deleted resources");
        emr.verify(3, getRequestedFor(urlPathEqualTo("/fhir/files/deleted-2.ndjson")));
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
    }

    /** The export after the first asks since its transactionTime; its manifest lists this deleted file only. */
    private void nextExportWithDeletedFile(String fixture) {
        kickOffSince("2026-11-20T10:00:00.000Z", "export-status/2");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/2"))
                .willReturn(okForContentType("application/json", manifest("2026-11-21T10:00:00Z", List.of(),
                        List.of(file("Bundle", base() + "files/deleted-2.ndjson", 2))))));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/deleted-2.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read(fixture))));
    }

    /**
     * The manifest lists an error file: its issues are counted on the run and the watermarks stay (what
     * the server failed to export would otherwise be lost), though everything exported is written; the
     * next export asks since the same time, and when it reports errors again, they are recorded again
     * and the watermarks move on (held for good, every export would pull a growing window).
     */
    @Test
    void errorFilesHoldTheWatermarksAndSayWhy() {
        afterAFirstExportTheNextOffers(3, List.of(file("OperationOutcome", base() + "files/errors-1.ndjson", 2)));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/errors-1.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/errors-1.ndjson"))));

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(jdbc.sql("SELECT stored FROM sync_window WHERE sync_run_id = :id AND resource_type = :type")
                .param("id", second.id()).param("type", "ServiceRequest").query(Integer.class).single()).isEqualTo(3);
        assertThat(second.countMismatch()).as("the error and the fatal issue, not the information").isEqualTo(2);
        assertThat(second.detail()).contains("watermarks stay because", "asks since 2026-11-20T10:00:00.000Z again",
                "2 error(s)",
                "ServiceRequest/sr-9 could not be serialized", "Encounter export of partition 3 timed out");
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/2")));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();

        SyncRun third = SyncAwait.sync(syncs, "emr-bulk");
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_since", equalTo("2026-11-20T10:00:00.000Z")));
        // the same errors from the same _since: asking again gives the same, so the watermarks move on
        assertThat(third.countMismatch()).as("still recorded").isEqualTo(2);
        assertThat(third.detail()).contains("as in the export before from the same time", "move on");
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse("2026-11-21T10:00:00Z"));
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse("2026-11-21T10:00:00Z"));
    }

    /**
     * A manifest that announces more of a type than its files hold: that type's watermark stays, the
     * others move. When the next export from the same _since falls short by the same number (a server
     * counting what it does not export), it is recorded again and the watermark moves on: held for
     * good, every export would pull a growing window and keep the feed suspect.
     */
    @Test
    void theSameManifestShortfallFromTheSameSinceTwiceMovesTheWatermarkOn() {
        afterAFirstExportTheNextOffers(5, List.of());

        SyncRun second = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.countMismatch()).isEqualTo(2);
        assertThat(second.detail()).contains("the watermark of ServiceRequest stays because",
                "2 ServiceRequest the manifest announced did not arrive", "asks since 2026-11-20T10:00:00.000Z again");
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(watermark("Encounter")).isEqualTo(OffsetDateTime.parse("2026-11-21T10:00:00Z"));

        SyncRun third = SyncAwait.sync(syncs, "emr-bulk");

        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_since", equalTo("2026-11-20T10:00:00.000Z")));
        assertThat(third.countMismatch()).as("still recorded").isEqualTo(2);
        assertThat(jdbc.sql("SELECT steady_mismatch FROM sync_run WHERE id IN (:ids) ORDER BY id")
                .param("ids", List.of(second.id(), third.id())).query(Integer.class).list())
                .as("the second shortfall from the same _since is steady, for the feed check").containsExactly(0, 2);
        assertThat(third.detail()).contains("as in the export before from the same time", "move on");
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse("2026-11-21T10:00:00Z"));

        // the server's quirk is known now: the next export, falling short by more, moves on at once
        kickOffSince("2026-11-21T10:00:00.000Z", "export-status/3");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/3"))
                .willReturn(okForContentType("application/json", manifest("2026-11-22T10:00:00Z",
                        List.of(file("ServiceRequest", base() + "files/servicerequest-2.ndjson", 6)), List.of()))));

        SyncRun fourth = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(fourth.countMismatch()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT steady_mismatch FROM sync_run WHERE id = :id").param("id", fourth.id())
                .query(Integer.class).single()).isEqualTo(3);
        assertThat(watermark("ServiceRequest")).as("not held again for a count that grows")
                .isEqualTo(OffsetDateTime.parse("2026-11-22T10:00:00Z"));
    }

    /**
     * A process stopped while polling an export whose kick-off refused Encounter: the export resumed
     * after the restart still leaves Encounter to the roster crawl.
     */
    @Test
    void aResumedExportLeavesTheTypesRefusedAtItsKickOffToTheRosterCrawl() {
        jdbc.sql("""
                INSERT INTO bulk_export (endpoint_id, status_url, kicked_off_at, since, types)
                VALUES ('emr-bulk', :url, now(), NULL, 'ServiceRequest')
                """).param("url", base() + "export-status/1").update();
        emr.stubFor(get(urlPathMatching("/fhir/(Encounter|ServiceRequest)"))
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(0, getRequestedFor(urlPathEqualTo("/fhir/$export")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")));
        emr.verify(0, getRequestedFor(urlPathEqualTo("/fhir/files/encounter-1.ndjson")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/Encounter")).withQueryParam("patient", equalTo("pat-9")));
        emr.verify(0, getRequestedFor(urlPathEqualTo("/fhir/ServiceRequest")));
    }

    /** A type refused at kick-off, never exported, does not make the export ask for everything again. */
    @Test
    void aTypeRefusedAtKickOffDoesNotDecideTheSince() {
        watermarks("2026-11-01T00:00:00Z", List.of("ServiceRequest"));
        emr.stubFor(get(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_type", equalTo("ServiceRequest,Encounter")).willReturn(aResponse().withStatus(400).withHeader("Content-Type", FHIR)
                        .withBody(outcome("Resource type Encounter is not supported for export"))));
        emr.stubFor(get(urlPathEqualTo("/fhir/$export")).withQueryParam("_type", equalTo("ServiceRequest"))
                .withQueryParam("_since", equalTo("2026-11-01T00:00:00.000Z"))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Location", base() + "export-status/1")));
        emr.stubFor(get(urlPathEqualTo("/fhir/Encounter"))
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/$export"))
                .withQueryParam("_type", equalTo("ServiceRequest")).withQueryParam("_since", equalTo("2026-11-01T00:00:00.000Z")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/fhir/Encounter")).withQueryParam("patient", equalTo("pat-9")));
    }

    /**
     * The EMR refuses to delete the finished job (403): the export is written and its watermarks move
     * all the same, and the next sync starts the next export instead of being stuck on this one.
     */
    @Test
    void aRefusedDeleteOfTheFinishedJobBlocksNothing() {
        kickOffSince(null, "export-status/1");
        emr.stubFor(delete(urlPathMatching("/fhir/export-status/.*")).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", FHIR).withBody(outcome("Only the job's owner may delete it"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-bulk");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(1, deleteRequestedFor(urlPathEqualTo("/fhir/export-status/1")));
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
        assertThat(jdbc.sql("SELECT count(*) FROM bulk_export").query(Integer.class).single()).isZero();
    }

    /**
     * A download whose server sends the headers and half the body after 4 s, then stalls for 4 s more:
     * dropped after read-idle-timeout (1 s here) and downloaded again, not waited for.
     */
    @Test
    void aStalledDownloadIsDroppedAndRetried() {
        kickOffSince(null, "export-status/1");
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")).inScenario("stall")
                .whenScenarioStateIs(STARTED)
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-1.ndjson"))
                        .withChunkedDribbleDelay(2, 8_000))
                .willSetStateTo("flowing"));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")).inScenario("stall")
                .whenScenarioStateIs("flowing")
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-1.ndjson"))));

        SyncRun run = SyncAwait.finished(syncs, syncs.requestSync("emr-bulk", SyncService.TRIGGER_API),
                java.time.Duration.ofSeconds(30));

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        emr.verify(2, getRequestedFor(urlPathEqualTo("/fhir/files/servicerequest-1.ndjson")));
        assertThat(jdbc.sql("SELECT stored FROM sync_window WHERE sync_run_id = :id AND resource_type = :type")
                .param("id", run.id()).param("type", "ServiceRequest").query(Integer.class).single()).isEqualTo(6);
        assertThat(watermark("ServiceRequest")).isEqualTo(OffsetDateTime.parse(TRANSACTION_TIME));
    }

    /** Kick-off answers 202 with this status URL (asked with this {@code _since}, or any when null). */
    /**
     * A first export synced; the next, asked since its transactionTime, announces {@code announced}
     * ServiceRequests in servicerequest-2.ndjson (which holds 3) and lists the error files.
     */
    private void afterAFirstExportTheNextOffers(int announced, List<String> errorFiles) {
        kickOffSince(null, "export-status/1");
        SyncAwait.sync(syncs, "emr-bulk");
        kickOffSince("2026-11-20T10:00:00.000Z", "export-status/2");
        emr.stubFor(get(urlPathEqualTo("/fhir/export-status/2"))
                .willReturn(okForContentType("application/json", manifest("2026-11-21T10:00:00Z",
                        List.of(file("ServiceRequest", base() + "files/servicerequest-2.ndjson", announced)), List.of(),
                        errorFiles))));
        emr.stubFor(get(urlPathEqualTo("/fhir/files/servicerequest-2.ndjson"))
                .willReturn(okForContentType(NDJSON, FhirFixtures.read("bulk/servicerequest-2.ndjson"))));
    }

    private void kickOffSince(String since, String statusPath) {
        var request = get(urlPathEqualTo("/fhir/$export"));
        if (since != null) {
            request = request.withQueryParam("_since", equalTo(since));
        }
        emr.stubFor(request.willReturn(aResponse().withStatus(202)
                .withHeader("Content-Location", base() + statusPath)));
    }

    /** emr-bulk's watermarks, as a sync that ended at this instant left them. */
    private void watermarks(String at) {
        watermarks(at, List.of("ServiceRequest", "Encounter"));
    }

    private void watermarks(String at, List<String> types) {
        for (String type : types) {
            jdbc.sql("""
                    INSERT INTO sync_watermark (endpoint_id, resource_type, watermark, sync_run_id, updated_at)
                    VALUES ('emr-bulk', :type, CAST(:at AS TIMESTAMP WITH TIME ZONE), 0, now())
                    """).param("type", type).param("at", at).update();
        }
    }

    private OffsetDateTime watermark(String type) {
        return jdbc.sql("SELECT watermark FROM sync_watermark WHERE endpoint_id = 'emr-bulk' AND resource_type = :type")
                .param("type", type).query(OffsetDateTime.class).optional()
                .map(w -> w.withOffsetSameInstant(ZoneOffset.UTC)).orElse(null);
    }

    private List<String> ids(String sql) {
        return jdbc.sql(sql).query(String.class).list();
    }

    private static String file(String type, String url, int count) {
        return "{\"type\":\"" + type + "\",\"url\":\"" + url + "\",\"count\":" + count + "}";
    }

    private static String manifest(String transactionTime, List<String> output, List<String> deleted) {
        return manifest(transactionTime, output, deleted, List.of());
    }

    private static String manifest(String transactionTime, List<String> output, List<String> deleted,
            List<String> error) {
        return "{\"transactionTime\":\"" + transactionTime + "\",\"request\":\"$export\",\"requiresAccessToken\":true,"
                + "\"output\":[" + String.join(",", output) + "],\"deleted\":[" + String.join(",", deleted)
                + "],\"error\":[" + String.join(",", error) + "]}";
    }

    private static String outcome(String text) {
        return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"throttled\","
                + "\"diagnostics\":\"" + text + "\"}]}";
    }
}
