package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.YearMonth;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.ingest.sandbox.SandboxWorld;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The monitor on its embedded default, end to end: it starts, syncs the sandbox EMR, computes
 * last month and raises alerts for the slowdowns planted in the sandbox, all visible in the API.
 */
@EmbeddedDefaultTest
class AppSmokeIT {

    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    /** Alert kinds that mark a source SLOWDOWN: fewer referrals than expected. */
    static final Set<String> VOLUME_KINDS = Set.of("SLOWDOWN", "GONE_DARK", "SUSTAINED_DECLINE");

    @LocalServerPort
    int port;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    Http http;

    @BeforeEach
    void waitForStartupWork() {
        http = new Http(port);
        // the first sync computes the months of history on H2 (one run per clinic; seconds when idle)
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() ->
                sandbox.world().clinics().stream().allMatch(c -> runner.history(c.id(), 20).stream()
                        .anyMatch(r -> r.covers(OCTOBER) && r.status().equals("COMPLETED"))));
    }

    @Test
    void runsOnTheEmbeddedH2Database() {
        // H2VERSION() exists only on H2
        assertThat(jdbc.sql("SELECT H2VERSION()").query(String.class).single()).startsWith("2.");
    }

    @Test
    void listsBothSandboxEndpointsWithTheirSyncOutcome() {
        Http.Reply reply = http.get("/api/v1/endpoints", "demo", "demo");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.<List<String>>json("$[*].id"))
                .containsExactlyInAnyOrder("sandbox-harbor-behavioral", "sandbox-lakeside-ortho");
        assertThat(reply.<List<String>>json("$[*].lastSync.status")).containsOnly("SUCCEEDED");
        assertThat(reply.<List<Integer>>json("$[*].lastSync.pages")).allMatch(p -> p > 10);
        assertThat(reply.<List<Integer>>json("$[*].lastSync.durationMs")).allMatch(d -> d != null && d > 0);
        assertThat(reply.<List<Integer>>json("$[*].openReviewItems")).containsOnly(2);
        assertThat(http.get("/api/v1/endpoints/sandbox-lakeside-ortho/syncs", "demo", "demo")
                .<List<String>>json("$[*].trigger")).contains("STARTUP");
    }

    @Test
    void flagsThePlantedSlowdownsOfLastMonthAndLittleElse() {
        int planted = 0;
        int found = 0;
        int flagged = 0;
        for (SandboxWorld.Clinic clinic : sandbox.world().clinics()) {
            Set<String> truth = clinic.planted().stream().filter(p -> p.covers(OCTOBER))
                    .map(p -> "npi:" + p.npi()).collect(Collectors.toSet());
            Http.Reply sources = http.get("/api/v1/clinics/" + clinic.id() + "/sources?month=2026-10", "demo", "demo");
            assertThat(sources.status()).isEqualTo(200);
            assertThat(sources.<Boolean>json("$.provisional")).isFalse();
            Set<String> slowdowns = new HashSet<>(sources.json("$.sources[?(@.status == 'SLOWDOWN')].orgKey"));
            planted += truth.size();
            flagged += slowdowns.size();
            found += (int) truth.stream().filter(slowdowns::contains).count();

            Http.Reply alerts = http.get("/api/v1/alerts?clinic=" + clinic.id() + "&status=open", "demo", "demo");
            List<Map<String, Object>> list = alerts.<List<Map<String, Object>>>json("$").stream()
                    .filter(a -> VOLUME_KINDS.contains((String) a.get("kind"))).toList();
            assertThat(list.stream().map(a -> a.get("orgKey")).collect(Collectors.toSet())).isEqualTo(slowdowns);
            for (Map<String, Object> alert : list) {
                assertThat(alert.get("month")).isEqualTo("2026-10");
                assertThat((String) alert.get("sourceName")).isNotBlank();
                assertThat((String) alert.get("sourceNpi")).matches("\\d{10}");
                // a slowdown is at least 30% below expected; a sustained decline (3 months together) at least 15%
                double share = alert.get("kind").equals("SUSTAINED_DECLINE") ? 0.85 : 0.7;
                assertThat(((Number) alert.get("observed")).doubleValue())
                        .isLessThan(((Number) alert.get("expected")).doubleValue() * share);
                assertThat((String) alert.get("explanation")).contains("referral", "expected", "by chance");
            }
        }
        assertThat(planted).isEqualTo(8);
        assertThat(found).as("planted slowdowns found").isGreaterThanOrEqualTo(7);
        assertThat(flagged - found).as("steady sources flagged").isLessThanOrEqualTo(1);
    }

    @Test
    void saysWhatIsWrongWithABadRequest() {
        Http.Reply badMonth = http.get("/api/v1/clinics/lakeside-ortho/sources?month=October", "demo", "demo");
        assertThat(badMonth.status()).isEqualTo(400);
        assertThat(badMonth.<String>json("$.detail")).isEqualTo("month must be YYYY-MM, for example 2026-10; got 'October'");

        Http.Reply unknown = http.get("/api/v1/clinics/nowhere/sources", "demo", "demo");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.<String>json("$.detail")).isEqualTo("No clinic with id 'nowhere'");

        assertThat(http.get("/api/v1/alerts?status=maybe", "demo", "demo").<String>json("$.detail"))
                .contains("status must be one of open, acknowledged, resolved");
        assertThat(http.get("/api/v1/alerts?kind=drop", "demo", "demo").<String>json("$.detail"))
                .startsWith("kind must be one of [conversion_collapse, feed, gone_dark, reciprocity_flip, slowdown, "
                        + "sustained_decline]; got 'drop'");
    }

    @Test
    void tellsClinicItWhetherTheirDataCanBeCounted() {
        String noRequester = "{\"resourceType\":\"ServiceRequest\",\"id\":\"x1\",\"status\":\"active\","
                + "\"intent\":\"order\",\"category\":[{\"coding\":[{\"system\":\"http://snomed.info/sct\","
                + "\"code\":\"3457005\"}]}],\"subject\":{\"reference\":\"Patient/p\"},\"authoredOn\":\"2026-10-01\"}";
        String visit = "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"status\":\"finished\",\"class\":{\"code\":"
                + "\"AMB\"},\"subject\":{\"reference\":\"Patient/p\"},\"period\":{\"start\":\"2026-10-09\"}}";

        Http.Reply reply = http.post("/api/v1/validate", noRequester + "\n" + visit, "application/fhir+ndjson", "demo", "demo");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.<Integer>json("$.resources")).isEqualTo(2);
        assertThat(reply.<Integer>json("$.countable")).isEqualTo(1);
        assertThat(reply.<String>json("$.results[0].findings[0].message"))
                .isEqualTo("ServiceRequest x1: no requester, so no referring provider or practice can be credited with it");
        assertThat(reply.<String>json("$.results[0].findings[0].location")).isEqualTo("ServiceRequest");
        assertThat(reply.<Boolean>json("$.results[1].countable")).isTrue();

        Http.Reply broken = http.post("/api/v1/validate", "{\n \"resourceType\": \"Encounter\",\n \"status\": ,\n}",
                "application/fhir+json", "demo", "demo");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.<Integer>json("$.line")).isEqualTo(3);
        assertThat(broken.<String>json("$.detail")).startsWith("not valid JSON at line 3, column ");
    }

    @Test
    void showsHowEachFeedDeviatesFromTheProfiles() {
        Http.Reply deviations = http.get("/api/v1/endpoints/sandbox-lakeside-ortho/deviations", "demo", "demo");

        assertThat(deviations.status()).isEqualTo(200);
        assertThat(deviations.<List<String>>json("$[*].rule")).contains("rm-referral-2");
        assertThat(deviations.<List<String>>json("$[?(@.rule == 'rm-referral-2')].example").get(0))
                .endsWith("names a performer only by display text, so it cannot be told which clinic the referral was sent to");
        assertThat(http.get("/api/v1/endpoints", "demo", "demo").<List<Integer>>json("$[*].deviatingResources"))
                .allMatch(n -> n > 0);
    }

    @Test
    void requiresSignInExceptForHealth() {
        assertThat(http.get("/api/v1/endpoints", null, null).status()).isEqualTo(401);
        assertThat(http.get("/api/v1/endpoints", "demo", "wrong").status()).isEqualTo(401);
        Http.Reply health = http.get("/actuator/health", null, null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.<String>json("$.status")).isEqualTo("UP");
    }
}
