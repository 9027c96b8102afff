package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
 * What a real EMR does to a sync: throttling, outages, refused credentials, broken pages and
 * resources, next links to other hosts, slow answers. Retries are configured short here
 * (2 redeliveries, 10-50 ms backoff, Retry-After capped at 3 s).
 */
@SpringBootTest(classes = IngestTestApplication.class, properties = "referral-monitor.ingest.http.request-timeout=700ms")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class SyncFaultsIT {

    private static final String FHIR = "application/fhir+json";
    private static final String SR = "/fhir/ServiceRequest";

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension elsewhere = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoint(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-f");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic F");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "emr-f");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> "clinic-f");
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> emr.baseUrl() + "/fhir/");
        rosterEndpoint(registry, 1, "emr-roster", "/roster/", "pa", "pb");
        rosterEndpoint(registry, 2, "emr-roster-odd", "/roster-odd/", "pa", "pat_1");
        rosterEndpoint(registry, 3, "emr-roster-since", "/roster-since/", "pa", "pb");
        rosterEndpoint(registry, 4, "emr-roster-page2", "/roster-page2/", "pa");
    }

    /** A roster endpoint of clinic-f under the path of the EMR, crawling a list of patients. */
    private static void rosterEndpoint(DynamicPropertyRegistry registry, int index, String id, String path,
            String... patients) {
        String key = "referral-monitor.ingest.endpoints[" + index + "].";
        registry.add(key + "id", () -> id);
        registry.add(key + "clinic", () -> "clinic-f");
        registry.add(key + "base-url", () -> emr.baseUrl() + path);
        registry.add(key + "strategy", () -> "roster");
        registry.add(key + "roster.source", () -> "list");
        for (int i = 0; i < patients.length; i++) {
            String patient = patients[i];
            registry.add(key + "roster.patients[" + i + "]", () -> patient);
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
    void emptyEmr() {
        emr.resetAll();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1)
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).atPriority(1).willReturn(notFound()));
        elsewhere.resetAll();
        emr.stubFor(get(urlPathMatching("/fhir/.*")).atPriority(10)
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
    }

    private String onePage() {
        return FhirFixtures.read("paging/servicerequest-page-3.json", base());
    }

    @Test
    void waitsAsLongAsRetryAfterSecondsAsks() {
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("throttle").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("throttle").whenScenarioStateIs("open")
                .willReturn(okForContentType(FHIR, onePage())));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
        assertThat(gapBetweenFirstTwo(SR)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(count("SELECT count(*) FROM referral WHERE endpoint_id = 'emr-f' AND resource_id IN ('sr-5', 'sr-6')"))
                .isEqualTo(2);
    }

    @Test
    void readsRetryAfterAsAnHttpDateOnTheServersClock() {
        // The server's clock is 3 minutes ahead of ours: the wait is measured against its Date header.
        ZonedDateTime serverNow = ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(3);
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("busy").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503)
                        .withHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(serverNow))
                        .withHeader("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.format(serverNow.plusSeconds(2))))
                .willSetStateTo("up"));
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("busy").whenScenarioStateIs("up")
                .willReturn(okForContentType(FHIR, onePage())));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(gapBetweenFirstTwo(SR)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(3));
    }

    @Test
    void waitsOutA503WithRetryAfterAsAnHttpDateOnALaterPageAndSkipsNothing() {
        // page 2 is fetched ahead while page 1 is written; the server's clock is months behind ours, so
        // only measuring against its Date header gives the 2 s it asks for (ours would say "now")
        stubThreePages();
        emr.stubFor(get(urlPathEqualTo(SR)).atPriority(1).withQueryParam("_offset", equalTo("3")).inScenario("busy")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Date", "Tue, 03 Mar 2026 10:00:00 GMT")
                        .withHeader("Retry-After", "Tue, 03 Mar 2026 10:00:02 GMT"))
                .willSetStateTo("up"));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
        assertThat(gapBetweenFirstTwo(SR + "?_count=3&_offset=3")).isBetween(Duration.ofMillis(1950),
                Duration.ofMillis(2900));
        emr.verify(1, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", absent()));
        emr.verify(2, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo("3")));
        emr.verify(1, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo("6")));
        assertAllSixStored(run);
    }

    @Test
    void waitsOutA503WithRetryAfterSecondsOnTheLastPageAndSkipsNothing() {
        stubThreePages();
        emr.stubFor(get(urlPathEqualTo(SR)).atPriority(1).withQueryParam("_offset", equalTo("6")).inScenario("busy")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1")
                        .withBody("maintenance, back in a second"))
                .willSetStateTo("up"));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
        assertThat(gapBetweenFirstTwo(SR + "?_count=3&_offset=6")).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        emr.verify(1, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo("3")));
        emr.verify(2, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo("6")));
        assertAllSixStored(run);
    }

    @Test
    void honoursRetryAfterOnTheCapabilityStatementAtTheStartOfASync() {
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1).inScenario("starting")
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "1"))
                .willSetStateTo("up"));
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1).inScenario("starting")
                .whenScenarioStateIs("up")
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(okForContentType(FHIR, onePage())));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(gapBetweenFirstTwo("/fhir/metadata")).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(count("SELECT count(*) FROM referral WHERE endpoint_id = 'emr-f' AND resource_id IN ('sr-5', 'sr-6')"))
                .isEqualTo(2);
    }

    /**
     * The three linked ServiceRequest pages of {@code paging/}, served by their {@code _offset}; a
     * test's failing answer for one of them is a priority-1 stub of scenario "busy", state STARTED.
     */
    private void stubThreePages() {
        stubThreePages(6, false);
    }

    /**
     * The three pages announcing {@code total}; with {@code firstPassShort}, the first time page 3 is
     * asked it lists sr-5 twice instead of sr-5 and sr-6.
     */
    private void stubThreePages(int total, boolean firstPassShort) {
        emr.stubFor(get(urlPathEqualTo(SR)).withQueryParam("_offset", absent())
                .willReturn(okForContentType(FHIR, page(1, total))));
        for (int page = 2; page <= 3; page++) {
            emr.stubFor(get(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo(String.valueOf(3 * (page - 1))))
                    .willReturn(okForContentType(FHIR, page(page, total))));
        }
        if (firstPassShort) {
            emr.stubFor(get(urlPathEqualTo(SR)).atPriority(1).withQueryParam("_offset", equalTo("6"))
                    .inScenario("short").whenScenarioStateIs(STARTED)
                    .willReturn(okForContentType(FHIR, page(3, total).replace("sr-6", "sr-5")))
                    .willSetStateTo("complete"));
        }
    }

    private String page(int page, int total) {
        return FhirFixtures.read("paging/servicerequest-page-" + page + ".json", base())
                .replace("\"total\":6,", "\"total\":" + total + ",");
    }

    private void assertAllSixStored(SyncRun run) {
        assertThat(jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-f' ORDER BY resource_id")
                .query(String.class).list()).containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        assertThat(jdbc.sql("SELECT count(*) FROM sync_page WHERE sync_run_id = :id AND resource_type = 'ServiceRequest'")
                .param("id", run.id()).query(Integer.class).single()).isEqualTo(3);
    }

    @Test
    void failsVisiblyAfterBoundedRetriesOfA500() {
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(aResponse().withStatus(500).withBody("database is down")));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("gave up after 3 attempts", "HTTP 500", "database is down");
        emr.verify(3, getRequestedFor(urlPathEqualTo(SR)));
    }

    @Test
    void doesNotRetryRefusedCredentials() {
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(aResponse().withStatus(401)));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("HTTP 401", "refused our credentials");
        emr.verify(1, getRequestedFor(urlPathEqualTo(SR)));
    }

    @Test
    void retriesAPageThatIsNotJsonInsteadOfSkippingIt() {
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("garbled").whenScenarioStateIs(STARTED)
                .willReturn(okForContentType(FHIR, "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":"))
                .willSetStateTo("fine"));
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("garbled").whenScenarioStateIs("fine")
                .willReturn(okForContentType(FHIR, onePage())));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM referral WHERE endpoint_id = 'emr-f' AND resource_id IN ('sr-5', 'sr-6')"))
                .isEqualTo(2);
    }

    @Test
    void malformedPageThatStaysMalformedFailsTheSyncWithWhereAndWhat() {
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(okForContentType(FHIR, "{\"resourceType\":\"Bundle\",,}")));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("ServiceRequest page 1", "not valid JSON at line 1, column");
    }

    @Test
    void sendsUnreadableResourcesToReviewAndKeepsTheRestOfThePage() {
        emr.stubFor(get(urlPathEqualTo(SR))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("faults/page-with-bad-resources.json", base()))));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.resourcesRejected()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-f' AND resource_id LIKE 'ok-%'")
                .query(String.class).list()).containsExactlyInAnyOrder("ok-1", "ok-2");
        List<String> reasons = jdbc.sql("SELECT resource_id || ': ' || reason FROM rejected_resource "
                + "WHERE endpoint_id = 'emr-f' AND status = 'OPEN' ORDER BY resource_id").query(String.class).list();
        assertThat(reasons).containsExactly(
                "bad-date: ServiceRequest bad-date is not valid FHIR R4 JSON: [element=\"authoredOn\"] Invalid attribute "
                        + "value \"2026-02-30T10:00:00Z\": Invalid date/time format: \"2026-02-30T10:00:00Z\"",
                "no-authored: ServiceRequest no-authored has no authoredOn date, so it cannot be counted in any month",
                "no-status: ServiceRequest no-status has no status, so it cannot be told apart from a draft or "
                        + "cancelled request");

        // the same bad resources seen again do not pile up in review
        SyncAwait.sync(syncs, "emr-f");
        assertThat(count("SELECT count(*) FROM rejected_resource WHERE endpoint_id = 'emr-f' AND status = 'OPEN'"))
                .isEqualTo(3);
    }

    @Test
    void refusesANextLinkToAnotherHostAndNeverCallsIt() {
        String foreign = elsewhere.baseUrl().replace("localhost", "127.0.0.1") + "/steal?page=2";
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(okForContentType(FHIR,
                onePage().replace("\"relation\":\"self\"", "\"relation\":\"next\"")
                        .replace(base() + "ServiceRequest?_count=3&_offset=6", foreign))));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("next-page link points at", "refusing to follow it");
        elsewhere.verify(0, getRequestedFor(anyUrl()));
    }

    @Test
    void aNextLinkBackToAPageAlreadyReadFailsTheSyncInsteadOfLoopingForever() {
        stubThreePages();
        // the last page links back to the second
        emr.stubFor(get(urlPathEqualTo(SR)).atPriority(1).withQueryParam("_offset", equalTo("6"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-3.json", base())
                        .replace("\"relation\":\"self\"", "\"relation\":\"next\"")
                        .replace("_offset=6", "_offset=3"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("ServiceRequest page 3", "links back to a page already read",
                "_offset=3");
        assertThat(jdbc.sql("SELECT count(*) FROM referral WHERE endpoint_id = 'emr-f'").query(Integer.class).single())
                .as("the pages read are kept").isEqualTo(6);
        emr.verify(1, getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", equalTo("3")));
    }

    /**
     * The server announces 7 and lists 6: the window is pulled again; when the second pass lists the
     * same 6, the shortfall is recorded and the watermark moves on (asking again gives the same 6, and
     * a held watermark would pull a growing window short at every sync).
     */
    @Test
    void aShortfallTheSecondPassRepeatsIsRecordedAndTheWatermarkMovesOn() {
        stubThreePages(7, false);

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.countMismatch()).isEqualTo(1);
        assertThat(steadyMismatch(run)).as("recorded as steady, for the feed check").isEqualTo(1);
        assertThat(passes(run)).isEqualTo(2);
        assertThat(watermarkRun()).as("the watermark moved with this sync").contains(run.id());
    }

    /** The second pass lists other resources than the first and is still short: the watermark stays. */
    @Test
    void aShortfallThatChangesBetweenPassesHoldsTheWatermark() {
        stubThreePages(7, true);

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.countMismatch()).isEqualTo(1);
        assertThat(passes(run)).isEqualTo(2);
        assertThat(watermarkRun()).as("the watermark did not move with this sync")
                .isNotEqualTo(java.util.Optional.of(run.id()));
        assertThat(steadyMismatch(run)).as("not steady: the feed check takes it as missing data").isZero();
        assertThat(jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-f' ORDER BY resource_id")
                .query(String.class).list()).containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
    }

    private int steadyMismatch(SyncRun run) {
        return jdbc.sql("SELECT steady_mismatch FROM sync_run WHERE id = :id").param("id", run.id())
                .query(Integer.class).single();
    }

    private int passes(SyncRun run) {
        return jdbc.sql("SELECT passes FROM sync_window WHERE sync_run_id = :id AND resource_type = 'ServiceRequest'")
                .param("id", run.id()).query(Integer.class).single();
    }

    /**
     * A page that keeps failing fails the sync and leaves the watermark where it was (the pages before
     * it are kept); the next sync asks again from that watermark, less the overlap, and moves it on.
     */
    @Test
    void aFailedPageLeavesTheWatermarkWhereItWasAndTheNextSyncAsksFromIt() {
        stubThreePages();
        SyncRun first = SyncAwait.sync(syncs, "emr-f");
        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        java.time.OffsetDateTime watermark = srWatermark();
        var failing = emr.stubFor(get(urlPathEqualTo(SR)).atPriority(1).withQueryParam("_offset", equalTo("3"))
                .willReturn(aResponse().withStatus(500).withBody("database is down")));

        SyncRun failed = SyncAwait.sync(syncs, "emr-f");

        assertThat(failed.status()).isEqualTo(SyncRun.FAILED);
        assertThat(failed.error()).contains("ServiceRequest page 2", "HTTP 500");
        assertThat(srWatermark()).as("the watermark where it was").isEqualTo(watermark);
        assertThat(watermarkRun()).contains(first.id());

        emr.removeStub(failing);
        emr.resetRequests();
        SyncRun next = SyncAwait.sync(syncs, "emr-f");

        assertThat(next.status()).as(next.error()).isEqualTo(SyncRun.SUCCEEDED);
        String from = "_lastUpdated=ge" + SearchPull.format(watermark.minus(Duration.ofMinutes(5)));
        assertThat(emr.findAll(getRequestedFor(urlPathEqualTo(SR)).withQueryParam("_offset", absent())))
                .as("asked from the watermark the failed sync left, less the overlap").hasSize(1)
                .allMatch(r -> r.getUrl().contains(from));
        assertThat(watermarkRun()).contains(next.id());
        assertThat(srWatermark()).isAfter(watermark);
    }

    private java.time.OffsetDateTime srWatermark() {
        return jdbc.sql("SELECT watermark FROM sync_watermark WHERE endpoint_id = 'emr-f' "
                + "AND resource_type = 'ServiceRequest'").query(java.time.OffsetDateTime.class).single();
    }

    /** The sync that last moved the ServiceRequest watermark, if any did. */
    private java.util.Optional<Long> watermarkRun() {
        return jdbc.sql("SELECT sync_run_id FROM sync_watermark WHERE endpoint_id = 'emr-f' "
                + "AND resource_type = 'ServiceRequest'").query(Long.class).optional();
    }

    /**
     * Announced totals are compared patient by patient: patient pa's page lists its 2 requests and a
     * practitioner included with them, patient pb's lists 1 of its 2. Over the roster 4 were announced
     * and 4 resources arrived, but pb is short by one: the mismatch is recorded and the watermark stays.
     */
    @Test
    void aRosterPatientShortOfItsTotalIsNotHiddenByAnotherPatientsIncludedResources() {
        rosterServer("/roster/", FhirFixtures.patientOnlyServer());
        emr.stubFor(get(urlPathEqualTo("/roster/ServiceRequest")).atPriority(2).withQueryParam("patient", equalTo("pa"))
                .willReturn(okForContentType(FHIR, rosterPage(2, List.of("sr-a1", "sr-a2"), true, "pa"))));
        emr.stubFor(get(urlPathEqualTo("/roster/ServiceRequest")).atPriority(2).withQueryParam("patient", equalTo("pb"))
                .willReturn(okForContentType(FHIR, rosterPage(2, List.of("sr-b1"), false, "pb"))));

        SyncRun run = SyncAwait.sync(syncs, "emr-roster");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.countMismatch()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM sync_watermark WHERE endpoint_id = 'emr-roster' "
                + "AND resource_type = 'ServiceRequest'").query(Integer.class).single())
                .as("no ServiceRequest watermark while a patient is short").isZero();
    }

    /**
     * A roster patient whose id is not a FHIR id (no keyed hash tells it apart) is crawled like the
     * others but keeps no mark, sync after sync; and a server that does not declare {@code _lastUpdated}
     * has every patient read in full each time, those with a mark too.
     */
    @Test
    void aRosterPatientWithoutAHashIsReadInFullEverySyncAndAServerWithoutLastUpdatedReadsEveryone() {
        rosterServer("/roster-odd/", FhirFixtures.patientOnlyServer());
        emr.stubFor(get(urlPathEqualTo("/roster-odd/ServiceRequest")).atPriority(2)
                .withQueryParam("patient", equalTo("pa"))
                .willReturn(okForContentType(FHIR, rosterPage(1, List.of("sr-odd-a"), false, "pa"))));
        emr.stubFor(get(urlPathEqualTo("/roster-odd/ServiceRequest")).atPriority(2)
                .withQueryParam("patient", equalTo("pat_1"))
                .willReturn(okForContentType(FHIR, rosterPage(1, List.of("sr-odd-1"), false, "pat_1"))));

        SyncRun first = SyncAwait.sync(syncs, "emr-roster-odd");
        SyncRun second = SyncAwait.sync(syncs, "emr-roster-odd");

        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(jdbc.sql("SELECT COUNT(DISTINCT patient_hash) FROM roster_patient WHERE endpoint_id = 'emr-roster-odd'")
                .query(Integer.class).single()).as("a mark for pa only").isEqualTo(1);
        List<String> asked = emr.findAll(getRequestedFor(urlPathEqualTo("/roster-odd/ServiceRequest"))).stream()
                .map(r -> r.getUrl()).toList();
        assertThat(asked).as("both patients, twice, in full").hasSize(4)
                .noneMatch(u -> u.contains("_lastUpdated"));
        assertThat(jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = 'emr-roster-odd'")
                .query(String.class).list()).containsExactlyInAnyOrder("sr-odd-a", "sr-odd-1");
    }

    /**
     * A server that declares {@code _lastUpdated} but answers a patient search with it by a 400: the
     * sync reads that patient in full instead, and every patient after it, and succeeds.
     */
    @Test
    void aRosterServerRefusingLastUpdatedWithAPatientIsReadInFull() {
        rosterServer("/roster-since/", FhirFixtures.searchServer());
        emr.stubFor(get(urlPathMatching("/roster-since/(ServiceRequest|Encounter)")).atPriority(1)
                .withQueryParam("_lastUpdated", com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", FHIR).withBody(
                        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":"
                                + "\"not-supported\",\"diagnostics\":\"_lastUpdated cannot be combined with patient\"}]}")));
        for (String patient : List.of("pa", "pb")) {
            emr.stubFor(get(urlPathEqualTo("/roster-since/ServiceRequest")).atPriority(2)
                    .withQueryParam("patient", equalTo(patient))
                    .willReturn(okForContentType(FHIR, rosterPage(1, List.of("sr-since-" + patient), false, patient))));
        }

        SyncRun first = SyncAwait.sync(syncs, "emr-roster-since");
        emr.resetRequests();
        SyncRun second = SyncAwait.sync(syncs, "emr-roster-since");

        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        List<String> asked = emr.findAll(getRequestedFor(urlPathMatching("/roster-since/(ServiceRequest|Encounter)")))
                .stream().map(r -> r.getUrl()).toList();
        assertThat(asked).as("every patient's types in full").filteredOn(u -> !u.contains("_lastUpdated"))
                .containsExactlyInAnyOrder("/roster-since/ServiceRequest?patient=pa&_count=100",
                        "/roster-since/ServiceRequest?patient=pb&_count=100",
                        "/roster-since/Encounter?patient=pa&_count=100", "/roster-since/Encounter?patient=pb&_count=100");
        assertThat(asked).as("refused reads of what changed: the first, and one already sent alongside it (2 workers)")
                .filteredOn(u -> u.contains("_lastUpdated=ge")).hasSizeBetween(1, 2);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM referral WHERE endpoint_id = 'emr-roster-since'")
                .query(Integer.class).single()).isEqualTo(2);
    }

    /**
     * A server's next link of a changed-since read refused with a 400 fails the sync: only a patient's
     * first page falls back to a full read (a full search's second page would mix with the first page
     * of what changed, and the patient's mark would move past what was never read).
     */
    @Test
    void aRefusedNextPageOfAChangedSinceReadFailsTheSync() {
        rosterServer("/roster-page2/", FhirFixtures.searchServer());
        emr.stubFor(get(urlPathEqualTo("/roster-page2/ServiceRequest")).atPriority(3)
                .withQueryParam("patient", equalTo("pa")).withQueryParam("_lastUpdated", absent())
                .withQueryParam("_offset", absent())
                .willReturn(okForContentType(FHIR, rosterPage(1, List.of("sr-p2-a"), false, "pa"))));
        String next = emr.baseUrl() + "/roster-page2/ServiceRequest?patient=pa&_lastUpdated=ge2026-01-01T00:00:00Z"
                + "&_count=100&_offset=1";
        emr.stubFor(get(urlPathEqualTo("/roster-page2/ServiceRequest")).atPriority(2)
                .withQueryParam("patient", equalTo("pa"))
                .withQueryParam("_lastUpdated", com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))
                .withQueryParam("_offset", absent())
                .willReturn(okForContentType(FHIR, rosterPage(2, List.of("sr-p2-a"), false, "pa")
                        .replace("\"entry\":", "\"link\":[{\"relation\":\"next\",\"url\":\"" + next + "\"}],\"entry\":"))));
        emr.stubFor(get(urlPathEqualTo("/roster-page2/ServiceRequest")).atPriority(1)
                .withQueryParam("_offset", equalTo("1"))
                .withQueryParam("_lastUpdated", com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", FHIR)
                        .withBody("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                                + "\"code\":\"invalid\",\"diagnostics\":\"paging expired\"}]}")));

        SyncRun first = SyncAwait.sync(syncs, "emr-roster-page2");
        SyncRun second = SyncAwait.sync(syncs, "emr-roster-page2");

        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.status()).isEqualTo(SyncRun.FAILED);
        assertThat(second.error()).contains("HTTP 400", "paging expired");
        emr.verify(0, getRequestedFor(urlPathEqualTo("/roster-page2/ServiceRequest"))
                .withQueryParam("_offset", equalTo("1")).withQueryParam("_lastUpdated", absent()));
    }

    /** A roster endpoint's server under the path: its CapabilityStatement, no SMART, empty searches unless stubbed. */
    private static void rosterServer(String path, String capability) {
        emr.stubFor(get(urlPathEqualTo(path + "metadata")).atPriority(1).willReturn(okForContentType(FHIR, capability)));
        emr.stubFor(get(urlPathEqualTo(path + ".well-known/smart-configuration")).atPriority(1).willReturn(notFound()));
        emr.stubFor(get(urlPathMatching(path + ".*")).atPriority(10)
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
    }

    private static String rosterPage(int total, List<String> ids, boolean includePractitioner, String patient) {
        StringBuilder entries = new StringBuilder();
        for (String id : ids) {
            entries.append(entries.isEmpty() ? "" : ",").append("""
                    {"resource":{"resourceType":"ServiceRequest","id":"%s","meta":{"versionId":"1",
                    "lastUpdated":"2026-04-10T10:00:00Z"},"status":"active","intent":"order",
                    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                    "subject":{"reference":"Patient/%s"},"authoredOn":"2026-04-10"},"search":{"mode":"match"}}"""
                    .formatted(id, patient));
        }
        if (includePractitioner) {
            entries.append(",{\"resource\":{\"resourceType\":\"Practitioner\",\"id\":\"dr-1\",\"meta\":"
                    + "{\"versionId\":\"1\",\"lastUpdated\":\"2026-04-01T10:00:00Z\"}},\"search\":{\"mode\":\"include\"}}");
        }
        return """
                {"resourceType":"Bundle","type":"searchset","total":%d,"entry":[%s]}""".formatted(total, entries);
    }

    @Test
    void retriesAServerThatDoesNotAnswerInTime() {
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("slow").whenScenarioStateIs(STARTED)
                .willReturn(okForContentType(FHIR, onePage()).withFixedDelay(2000))
                .willSetStateTo("fast"));
        emr.stubFor(get(urlPathEqualTo(SR)).inScenario("slow").whenScenarioStateIs("fast")
                .willReturn(okForContentType(FHIR, onePage())));

        SyncRun run = SyncAwait.sync(syncs, "emr-f");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
    }

    @Test
    void refusesASecondSyncWhileOneIsActive() {
        emr.stubFor(get(urlPathEqualTo(SR)).willReturn(okForContentType(FHIR, onePage()).withFixedDelay(500)));
        SyncRun first = syncs.requestSync("emr-f", SyncService.TRIGGER_API);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> syncs.requestSync("emr-f", SyncService.TRIGGER_API))
                .isInstanceOf(SyncNotStartedException.class)
                .hasMessageContaining("already")
                .satisfies(e -> assertThat(((SyncNotStartedException) e).active().id()).isEqualTo(first.id()));
        assertThat(SyncAwait.finished(syncs, first).status()).isEqualTo(SyncRun.SUCCEEDED);
    }

    private Duration gapBetweenFirstTwo(String path) {
        List<ServeEvent> events = emr.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith(path))
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .toList();
        assertThat(events).hasSizeGreaterThanOrEqualTo(2);
        return Duration.between(events.get(0).getRequest().getLoggedDate().toInstant(),
                events.get(1).getRequest().getLoggedDate().toInstant());
    }

    private int count(String sql) {
        return jdbc.sql(sql).query(Integer.class).single();
    }
}
