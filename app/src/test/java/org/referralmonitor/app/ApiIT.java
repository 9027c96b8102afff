package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The JSON API on PostgreSQL (the {@code postgres} profile) with the built-in users, two named
 * users (one password in a file, one bcrypt hash in a file) and their roles: starting syncs, following them, running the monthly job, working alerts, and the
 * errors a client gets when it asks for something wrong or not allowed.
 */
@SpringBootTest(classes = {ReferralMonitorApplication.class, FixedClock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "referral-monitor.ingest.sandbox.enabled=true",
            "referral-monitor.ingest.sandbox.practices-per-clinic=8",
            "referral-monitor.ingest.sandbox.months=14",
            "referral-monitor.ingest.sync-on-startup=false",
            "referral-monitor.ingest.default-schedule=-",
            "referral-monitor.metrics.monthly-close-schedule=-",
            "referral-monitor.metrics.provisional-days=0",
            "referral-monitor.ingest.pseudonym-key=api-test-pseudonym-key-not-a-secret-0123",
            "referral-monitor.app.admin-password=admin-test-password",
            "referral-monitor.app.coordinator-password=coordinator-test-password",
            "referral-monitor.app.manager-password=manager-test-password"})
@ActiveProfiles("postgres")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiIT {

    static final String COORDINATOR = "coordinator";
    static final String COORDINATOR_PW = "coordinator-test-password";
    static final String MANAGER = "manager";
    static final String MANAGER_PW = "manager-test-password";
    static final String ADMIN = "admin";
    static final String ADMIN_PW = "admin-test-password";
    static final String ENDPOINT = "/api/v1/endpoints/sandbox-lakeside-ortho";
    /** A named coordinator, whose password is in a file. */
    static final String JORDAN = "jordan.lee";
    static final String JORDAN_PW = "jordan-lee-test-password";
    /** A named manager, whose file holds a bcrypt hash of the password. */
    static final String PAT = "pat.okafor";
    static final String PAT_PW = "pat-okafor-test-password";
    /** A named coordinator and manager of one clinic only (Harbor), with jordan.lee's password file. */
    static final String CASEY = "casey.harbor";
    static final String HARBOR = "harbor-behavioral";

    @DynamicPropertySource
    static void namedUsers(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("rm-users");
        Path jordan = Files.writeString(dir.resolve("jordan"), JORDAN_PW + "\n");
        Path pat = Files.writeString(dir.resolve("pat"), "{bcrypt}" + new BCryptPasswordEncoder().encode(PAT_PW));
        registry.add("referral-monitor.app.users[0].name", () -> JORDAN);
        registry.add("referral-monitor.app.users[0].roles", () -> "coordinator");
        registry.add("referral-monitor.app.users[0].password-ref", () -> "file:" + jordan);
        registry.add("referral-monitor.app.users[1].name", () -> PAT);
        registry.add("referral-monitor.app.users[1].roles", () -> "manager");
        registry.add("referral-monitor.app.users[1].password-ref", () -> "file:" + pat);
        registry.add("referral-monitor.app.users[2].name", () -> CASEY);
        registry.add("referral-monitor.app.users[2].roles", () -> "coordinator,manager");
        registry.add("referral-monitor.app.users[2].password-ref", () -> "file:" + jordan);
        registry.add("referral-monitor.app.users[2].clinics", () -> HARBOR);
    }

    @LocalServerPort
    int port;

    Http http;

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.jdbc.core.simple.JdbcClient jdbc;

    @org.springframework.beans.factory.annotation.Autowired
    org.referralmonitor.ingest.sandbox.SandboxEmr sandbox;

    @org.springframework.beans.factory.annotation.Autowired
    org.referralmonitor.app.audit.AuditLog audit;

    @org.springframework.beans.factory.annotation.Autowired
    java.time.Clock clock;

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    @Test
    @Order(1)
    void aCoordinatorStartsASyncAndFollowsIt() {
        assertThat(http.get("/actuator/health", null, null).<String>json("$.status")).isEqualTo("UP");
        Http.Reply started = http.post(ENDPOINT + "/sync", COORDINATOR, COORDINATOR_PW);

        assertThat(started.status()).isEqualTo(202);
        String location = started.headers().getLocation().toString();
        assertThat(location).matches("/api/v1/endpoints/sandbox-lakeside-ortho/syncs/\\d+");
        assertThat(started.<String>json("$.status")).isEqualTo("QUEUED");

        Http.Reply done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get(location, COORDINATOR, COORDINATOR_PW), r -> r.<String>json("$.status").equals("SUCCEEDED"));
        assertThat(done.<Integer>json("$.pages")).isPositive();
        assertThat(done.<Integer>json("$.resourcesRejected")).isEqualTo(2);

        List<Object> review = http.get(ENDPOINT + "/review", COORDINATOR, COORDINATOR_PW).list("$[*].reason");
        assertThat(review).hasSize(2).allMatch(r -> ((String) r).contains("has no authoredOn date"));
    }

    @Test
    @Order(2)
    void aManagerRunsTheMonthlyFiguresAndSeesTheirHistory() {
        Http.Reply queued = http.post("/api/v1/jobs/monthly-metrics?month=2026-10&clinic=lakeside-ortho", MANAGER, MANAGER_PW);

        assertThat(queued.status()).isEqualTo(202);
        assertThat(queued.<List<String>>json("$[*].status")).containsExactly("QUEUED");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                http.get("/api/v1/jobs/monthly-metrics?clinic=lakeside-ortho", MANAGER, MANAGER_PW)
                        .<List<String>>json("$[?(@.month == '2026-10')].status").contains("COMPLETED"));
        Http.Reply sources = http.get("/api/v1/clinics/lakeside-ortho/sources?month=2026-10", MANAGER, MANAGER_PW);
        assertThat(sources.<Boolean>json("$.computed")).isTrue();
        assertThat(sources.list("$.sources")).hasSize(8);

        // a full recompute: several months in one run
        Http.Reply range = http.post("/api/v1/jobs/monthly-metrics?from=2026-08&month=2026-10&clinic=lakeside-ortho"
                + "&recompute=true", MANAGER, MANAGER_PW);
        assertThat(range.status()).isEqualTo(202);
        assertThat(range.<List<String>>json("$[*].month")).containsExactly("2026-08/2026-10");
        assertThat(range.<List<String>>json("$[*].trigger")).containsExactly("recompute by manager (API)");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                http.get("/api/v1/jobs/monthly-metrics?clinic=lakeside-ortho", MANAGER, MANAGER_PW)
                        .<List<String>>json("$[?(@.month == '2026-08/2026-10')].status").contains("COMPLETED"));
        assertThat(http.get("/api/v1/jobs/monthly-metrics?clinic=lakeside-ortho", MANAGER, MANAGER_PW)
                .<List<String>>json("$[?(@.month == '2026-08/2026-10')].trigger")).as("why it ran, in the history")
                .containsExactly("recompute by manager (API)");
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/sources?month=2026-08", MANAGER, MANAGER_PW)
                .<Boolean>json("$.computed")).isTrue();
        // a run kept in the queue, not started yet (as a restart finds it before queueing it again): listed first
        jdbc.sql("""
                INSERT INTO metrics_run_request (clinic_id, from_month, to_month, recompute, trigger_text, requested_at)
                VALUES ('lakeside-ortho', DATE '2026-07-01', DATE '2026-07-01', FALSE, 'monthly close', :at)
                """).param("at", java.time.OffsetDateTime.parse("2026-11-01T03:00:00Z")).update();
        Http.Reply history = http.get("/api/v1/jobs/monthly-metrics?clinic=lakeside-ortho", MANAGER, MANAGER_PW);
        assertThat(history.<List<String>>json("$[?(@.month == '2026-07')].status")).containsExactly("QUEUED");
        assertThat(history.<List<String>>json("$[?(@.month == '2026-07')].trigger")).containsExactly("monthly close");
        List<String> statuses = history.json("$[*].status");
        assertThat(statuses.subList(0, statuses.lastIndexOf("QUEUED") + 1)).as("waiting runs first")
                .containsOnly("QUEUED");
        jdbc.sql("DELETE FROM metrics_run_request WHERE to_month = DATE '2026-07-01'").update();

        Http.Reply backwards = http.post("/api/v1/jobs/monthly-metrics?from=2026-11&month=2026-10", MANAGER,
                MANAGER_PW);
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.<String>json("$.detail")).isEqualTo("from (2026-11) must not be after month (2026-10)");
    }

    @Test
    @Order(3)
    void aNamedCoordinatorAcknowledgesAnAlertAsThemselvesAndAManagerMayNot() {
        List<Object> open = http.get("/api/v1/alerts?clinic=lakeside-ortho&status=open", PAT, PAT_PW)
                .list("$[*].id");
        assertThat(open).isNotEmpty();
        String acknowledge = "/api/v1/alerts/" + open.get(0) + "/acknowledge";

        assertThat(http.post(acknowledge, MANAGER, MANAGER_PW).status()).isEqualTo(403);
        assertThat(http.post(acknowledge, PAT, PAT_PW).status()).as("a named manager").isEqualTo(403);
        assertThat(http.post(acknowledge, JORDAN, "wrong-password-of-jordan").status()).isEqualTo(401);
        Http.Reply acknowledged = http.post(acknowledge, JORDAN, JORDAN_PW);

        assertThat(acknowledged.status()).isEqualTo(200);
        assertThat(acknowledged.<String>json("$.status")).isEqualTo("ACKNOWLEDGED");
        assertThat(acknowledged.<String>json("$.acknowledgedBy")).isEqualTo(JORDAN);
        assertThat(acknowledged.<String>json("$.acknowledgedAt")).isNotBlank();
        assertThat(http.post(acknowledge, ADMIN, ADMIN_PW).<String>json("$.acknowledgedBy"))
                .as("acknowledged once: a second acknowledgement changes nothing").isEqualTo(JORDAN);
        assertThat(http.get("/api/v1/alerts?clinic=lakeside-ortho&status=open", COORDINATOR, COORDINATOR_PW)
                .list("$[*].id")).hasSize(open.size() - 1);
    }

    /** What aNamedCoordinatorAcknowledgesAnAlertAsThemselvesAndAManagerMayNot (order 3) did, as recorded. */
    @Test
    @Order(7)
    void theAuditTrailSaysWhoChangedWhatAndWhoFailedToSignIn() {
        assertThat(http.get("/api/v1/audit", COORDINATOR, COORDINATOR_PW).status()).as("administrators only")
                .isEqualTo(403);
        Http.Reply trail = http.get("/api/v1/audit?user=" + JORDAN, ADMIN, ADMIN_PW);
        assertThat(trail.status()).isEqualTo(200);
        List<Object> actions = trail.list("$[*].action");
        List<Object> paths = trail.list("$[*].path");
        assertThat(actions).as("newest first: the acknowledgement after the failed sign-in")
                .containsExactly("POST", "SIGN_IN_FAILED");
        assertThat((String) paths.get(0)).matches("/api/v1/alerts/\\d+/acknowledge");
        assertThat(trail.<Integer>json("$[0].status")).isEqualTo(200);
        assertThat(http.get("/api/v1/audit?user=Jordan.Lee&since=2026-11-23", ADMIN, ADMIN_PW).list("$[*].action"))
                .as("any case, from the day on").containsExactly("POST", "SIGN_IN_FAILED");
        assertThat(http.get("/api/v1/audit?user=" + JORDAN + "&since=2026-11-24", ADMIN, ADMIN_PW).list("$[*].action"))
                .isEmpty();
        Http.Reply pat = http.get("/api/v1/audit?user=" + PAT, ADMIN, ADMIN_PW);
        assertThat(pat.list("$[*].action")).as("reads are not recorded; the acknowledgement refused to a manager is")
                .containsExactly("DENIED");
        assertThat(pat.<String>json("$[0].path")).isEqualTo(paths.get(0));
        assertThat(pat.<String>json("$[0].parameters")).isEqualTo("method=POST");
        assertThat(pat.<Integer>json("$[0].status")).isEqualTo(403);
        assertThat(http.get("/api/v1/audit?user=" + COORDINATOR, ADMIN, ADMIN_PW).list("$[*].path"))
                .as("the coordinator's look at the audit trail, refused").contains("/api/v1/audit");
        assertThat(http.post(ENDPOINT + "/sync", null, null).status()).isEqualTo(401);
        assertThat(http.get("/api/v1/audit?user=anonymousUser", ADMIN, ADMIN_PW).list("$[*].action"))
                .as("requests refused to someone not signed in say nothing about anyone").isEmpty();
        assertThat(http.get("/api/v1/audit?limit=0", ADMIN, ADMIN_PW).<String>json("$.detail"))
                .isEqualTo("limit must be between 1 and 1000; got 0");
        assertThat(http.get("/api/v1/audit?since=2026-13-01", ADMIN, ADMIN_PW).status()).isEqualTo(400);

        jdbc.sql("""
                INSERT INTO audit_event (at, username, name_key, action, path, status)
                VALUES (:at, :user, :user, 'POST', '/x', 200)
                """)
                .param("at", java.time.OffsetDateTime.parse("2020-11-22T12:00:00Z")).param("user", JORDAN).update();
        assertThat(http.get("/api/v1/audit?user=" + JORDAN, ADMIN, ADMIN_PW).list("$[*].action")).hasSize(3);
        assertThat(audit.purge(java.time.Duration.ofDays(2190))).as("only the event older than 6 years").isEqualTo(1);
        assertThat(http.get("/api/v1/audit?user=" + JORDAN, ADMIN, ADMIN_PW).list("$[*].action"))
                .containsExactly("POST", "SIGN_IN_FAILED");
    }

    /** After the audit trail's test (order 7), which reads pat.okafor's events as they were. */
    @Test
    @Order(8)
    void fiveFailedSignInsLockTheNameEvenAgainstTheRightPasswordUntilTheyAreFifteenMinutesOld() {
        String alerts = "/api/v1/alerts?clinic=lakeside-ortho";
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("not locked yet").isEqualTo(200);
        for (int i = 1; i <= 4; i++) {
            assertThat(http.get(alerts, PAT, "guess-number-" + i).status()).isEqualTo(401);
        }
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("four failures lock nothing").isEqualTo(200);
        assertThat(http.get(alerts, "Pat.Okafor", "guess-number-5").status()).as("a fifth, in another case")
                .isEqualTo(401);

        Http.Reply locked = http.get(alerts, PAT, PAT_PW);
        assertThat(locked.status()).as("the right password, refused").isEqualTo(401);
        assertThat(Long.parseLong(locked.headers().getFirst("Retry-After"))).isBetween(840L, 900L);
        assertThat(locked.headers().getFirst("WWW-Authenticate"))
                .isEqualTo("Basic realm=\"referral-monitor\", charset=\"UTF-8\"");
        assertThat(locked.<String>json("$.detail")).startsWith("Too many failed sign-ins with this name (5 within the "
                + "lockout window); it is locked until 2026-11-23T12:");
        assertThat(http.get(alerts, "PAT.OKAFOR", PAT_PW).status()).isEqualTo(401);
        assertThat(http.get(alerts, COORDINATOR, COORDINATOR_PW).status()).as("other names are not locked")
                .isEqualTo(200);
        Http.Reply wrong = http.get(alerts, COORDINATOR, "not-the-password");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.headers().getFirst("Retry-After")).as("only a locked name is told to wait").isNull();
        assertThat(wrong.headers().getFirst("WWW-Authenticate"))
                .isEqualTo("Basic realm=\"referral-monitor\", charset=\"UTF-8\"");
        assertThat(http.get("/api/v1/audit?user=" + PAT + "&limit=7", ADMIN, ADMIN_PW).list("$[*].action"))
                .as("the lock's first refusal only, which does not prolong it").containsExactly("SIGN_IN_LOCKED",
                        "SIGN_IN_FAILED", "SIGN_IN_FAILED", "SIGN_IN_FAILED", "SIGN_IN_FAILED", "SIGN_IN_FAILED",
                        "DENIED");
        assertThat(http.get("/api/v1/audit/locks", ADMIN, ADMIN_PW).list("$[*].key")).containsExactly(PAT);

        jdbc.sql("UPDATE audit_event SET at = at - INTERVAL '11' MINUTE WHERE LOWER(username) = :user")
                .param("user", PAT).update();
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("11 minutes later: still locked").isEqualTo(401);
        jdbc.sql("UPDATE audit_event SET at = at - INTERVAL '5' MINUTE WHERE LOWER(username) = :user")
                .param("user", PAT).update();
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("16 minutes later").isEqualTo(200);

        for (int i = 1; i <= 4; i++) {
            assertThat(http.get(alerts, PAT, "guess-number-" + i).status()).isEqualTo(401);
        }
        jdbc.sql("INSERT INTO audit_event (at, username, name_key, action, path) VALUES (:at, :user, :user, 'SIGN_IN', '/login')")
                .param("at", java.time.OffsetDateTime.now(clock))
                .param("user", PAT).update();
        assertThat(http.get(alerts, PAT, "guess-number-5").status()).isEqualTo(401);
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("failures before a sign-in do not count").isEqualTo(200);

        for (int i = 6; i <= 9; i++) {
            assertThat(http.get(alerts, PAT, "guess-number-" + i).status()).isEqualTo(401);
        }
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("locked again").isEqualTo(401);
        assertThat(http.delete("/api/v1/audit/locks/Pat.Okafor", COORDINATOR, COORDINATOR_PW).status())
                .as("administrators only").isEqualTo(403);
        assertThat(http.delete("/api/v1/audit/locks/Pat.Okafor", ADMIN, ADMIN_PW).status()).isEqualTo(204);
        assertThat(http.get(alerts, PAT, PAT_PW).status()).as("unlocked").isEqualTo(200);
        assertThat(http.get("/api/v1/audit/locks", ADMIN, ADMIN_PW).list("$[*].key")).isEmpty();
        Http.Reply notLocked = http.delete("/api/v1/audit/locks/" + PAT, ADMIN, ADMIN_PW);
        assertThat(notLocked.status()).isEqualTo(404);
        assertThat(notLocked.<String>json("$.detail")).isEqualTo("the name 'pat.okafor' is not locked");
        Http.Reply unlocked = http.get("/api/v1/audit?user=" + PAT + "&limit=2", ADMIN, ADMIN_PW);
        assertThat(unlocked.list("$[*].action")).containsExactly("UNLOCKED", "SIGN_IN_LOCKED");
        assertThat(unlocked.<String>json("$[0].parameters")).isEqualTo("by=admin");
        assertThat(unlocked.<String>json("$[0].username")).isEqualTo("Pat.Okafor");
    }

    /**
     * Guesses sent all at once wait for each other's outcome instead of all passing the count before
     * any failure is recorded: no more than about twice the five failures.
     */
    @Test
    @Order(9)
    void guessesSentAllAtOnceGetAboutFiveTries() throws Exception {
        String guesser = "parallel.guesser";
        // the JDK's client: Http's pools five connections a host, which would send the guesses five at a time
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<Void>>> replies = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String credentials = java.util.Base64.getEncoder().encodeToString((guesser + ":guess-number-" + i).getBytes());
            replies.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://localhost:" + port + "/api/v1/endpoints"))
                    .header("Authorization", "Basic " + credentials).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()));
        }
        for (var reply : replies) {
            assertThat(reply.get().statusCode()).isEqualTo(401);
        }
        List<Object> actions = http.get("/api/v1/audit?user=" + guesser, ADMIN, ADMIN_PW).list("$[*].action");
        assertThat(actions.stream().filter("SIGN_IN_FAILED"::equals).count()).as(actions.toString()).isBetween(5L, 10L);
        assertThat(actions.stream().filter("SIGN_IN_LOCKED"::equals).count())
                .as("refusals are recorded once per lock (a few when they come at the same instant)")
                .isLessThanOrEqualTo(5);
    }

    /** After the monthly run (order 2), which raised Lakeside's alerts. */
    @Test
    @Order(10)
    void aUserOfOneClinicSeesAndWorksOnThatClinicOnly() throws Exception {
        assertThat(http.get("/api/v1/clinics", CASEY, JORDAN_PW).list("$[*].id")).containsExactly(HARBOR);
        assertThat(http.get("/api/v1/clinics", COORDINATOR, COORDINATOR_PW).list("$[*].id"))
                .as("the built-in users see every clinic").contains(HARBOR, "lakeside-ortho");
        assertThat(http.get("/api/v1/endpoints", CASEY, JORDAN_PW).list("$[*].clinicId")).isNotEmpty()
                .containsOnly(HARBOR);
        assertThat(http.get("/api/v1/endpoints/sandbox-" + HARBOR, CASEY, JORDAN_PW).status()).isEqualTo(200);
        assertThat(http.get("/api/v1/clinics/" + HARBOR + "/sources", CASEY, JORDAN_PW).status()).isEqualTo(200);

        Http.Reply other = http.get("/api/v1/clinics/lakeside-ortho/sources", CASEY, JORDAN_PW);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.<String>json("$.detail")).isEqualTo("clinic 'lakeside-ortho' is not one of yours");
        for (String path : List.of("/api/v1/clinics/lakeside-ortho", "/api/v1/clinics/lakeside-ortho/outreach/due",
                "/api/v1/alerts?clinic=lakeside-ortho", "/api/v1/alerts?clinic=" + HARBOR + "&clinic=lakeside-ortho",
                "/api/v1/jobs/monthly-metrics?clinic=lakeside-ortho", "/api/v1/clinics/lakeside-ortho/sources.csv")) {
            assertThat(http.get(path, CASEY, JORDAN_PW).status()).as(path).isEqualTo(403);
        }
        for (String path : List.of(ENDPOINT, ENDPOINT + "/syncs", ENDPOINT + "/review")) {
            Http.Reply reply = http.get(path, CASEY, JORDAN_PW);
            assertThat(reply.status()).as("another clinic's endpoint, as if there were none: " + path).isEqualTo(404);
            assertThat(reply.<String>json("$.detail")).isEqualTo("no endpoint 'sandbox-lakeside-ortho'");
        }
        assertThat(http.post(ENDPOINT + "/sync", CASEY, JORDAN_PW).status()).isEqualTo(404);
        assertThat(http.post("/api/v1/jobs/monthly-metrics?month=2026-10", CASEY, JORDAN_PW).<String>json("$.detail"))
                .as("not every clinic's run").isEqualTo("say which clinic (clinic=" + HARBOR + "): you see only your "
                        + "clinics");
        assertThat(http.get("/api/v1/alerts", CASEY, JORDAN_PW).status()).isEqualTo(403);
        assertThat(http.get("/api/v1/alerts?clinic=" + HARBOR, CASEY, JORDAN_PW).status()).isEqualTo(200);
        assertThat(http.get("/api/v1/jobs/monthly-metrics?clinic=" + HARBOR, CASEY, JORDAN_PW).status()).isEqualTo(200);

        Object lakesideAlert = http.get("/api/v1/alerts?clinic=lakeside-ortho", ADMIN, ADMIN_PW).list("$[*].id").get(0);
        String before = http.get("/api/v1/alerts/" + lakesideAlert, ADMIN, ADMIN_PW).body();
        assertThat(http.get("/api/v1/alerts/" + lakesideAlert, CASEY, JORDAN_PW).<String>json("$.detail"))
                .isEqualTo("no alert '" + lakesideAlert + "'");
        assertThat(http.post("/api/v1/alerts/" + lakesideAlert + "/acknowledge", CASEY, JORDAN_PW).status())
                .isEqualTo(404);
        assertThat(http.get("/api/v1/alerts/" + lakesideAlert, ADMIN, ADMIN_PW).body()).as("unchanged")
                .isEqualTo(before);
        for (String path : List.of("/api/v1/%63linics/lakeside-ortho/sources", "/api/v1/%61lerts",
                "/api/v1/jobs/%6Donthly-metrics")) {
            assertThat(rawGet(path, CASEY, JORDAN_PW)).as("spelled otherwise: " + path).isEqualTo(403);
        }
        for (String path : List.of("/api/v1/endpoints/%73andbox-lakeside-ortho", "/api/v1/alerts/+" + lakesideAlert,
                "/api/v1/alerts/0x" + Long.toHexString(((Number) lakesideAlert).longValue()),
                "/api/v1/notification-channels/no-such-channel")) {
            assertThat(rawGet(path, CASEY, JORDAN_PW)).as("spelled otherwise: " + path).isEqualTo(404);
        }
        assertThat(rawGet("/api/v1/%63linics/" + HARBOR + "/sources", CASEY, JORDAN_PW)).as("one's own, so spelled")
                .isEqualTo(200);
        assertThat(http.get("/actuator/health", CASEY, JORDAN_PW).body()).as("no details of every clinic's endpoints")
                .doesNotContain("lakeside");
        Http.Reply trail = http.get("/api/v1/audit?user=" + CASEY + "&limit=1", ADMIN, ADMIN_PW);
        assertThat(trail.<String>json("$[0].path")).as("the refused change, recorded")
                .isEqualTo("/api/v1/alerts/" + lakesideAlert + "/acknowledge");
        assertThat(trail.<Integer>json("$[0].status")).isEqualTo(404);
    }

    /**
     * Connecting an endpoint of a clinic the monitor does not know yet creates the clinic, its months
     * counted in the time zone given; a clinic it knows keeps its own, and an unknown one without a
     * time zone is refused saying what to give.
     */
    @Test
    @Order(11)
    void anAdministratorConnectsTheEndpointOfANewClinicWithItsTimeZone() {
        String endpoint = "{\"id\":\"valley-emr\",\"clinic\":\"valley-home-health\",\"baseUrl\":\"https://emr.valley.example/fhir/\","
                + "\"enabled\":false,\"schedule\":\"-\"%s}";

        Http.Reply unknown = http.post("/api/v1/endpoints?check=false", endpoint.formatted(""), "application/json",
                "admin", "admin-test-password");
        Http.Reply badZone = http.post("/api/v1/endpoints?check=false",
                endpoint.formatted(",\"timeZone\":\"Mountain Time\""), "application/json", "admin", "admin-test-password");
        Http.Reply created = http.post("/api/v1/endpoints?check=false",
                endpoint.formatted(",\"clinicName\":\"Valley Home Health\",\"timeZone\":\"America/Denver\""),
                "application/json", "admin", "admin-test-password");
        Http.Reply otherZone = http.post("/api/v1/endpoints?check=false", ("{\"id\":\"harbor-zone\",\"clinic\":\"" + HARBOR
                + "\",\"baseUrl\":\"https://emr.valley.example/fhir/\",\"enabled\":false,\"timeZone\":\"Asia/Tokyo\"}"),
                "application/json", "admin", "admin-test-password");

        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.<String>json("$.detail")).contains("clinic 'valley-home-health' is not defined",
                "give its time zone to create it");
        assertThat(badZone.<String>json("$.detail"))
                .isEqualTo("timeZone must be a time zone such as America/Chicago; got 'Mountain Time'");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Http.Reply clinics = http.get("/api/v1/clinics", "admin", "admin-test-password");
        assertThat(clinics.list("$[?(@.id == 'valley-home-health')].name")).containsExactly("Valley Home Health");
        assertThat(clinics.list("$[?(@.id == 'valley-home-health')].timeZone")).containsExactly("America/Denver");
        assertThat(otherZone.status()).isEqualTo(400);
        assertThat(otherZone.<String>json("$.detail")).contains("clinic '" + HARBOR + "' counts its months in",
                "not Asia/Tokyo");
        assertThat(http.get("/api/v1/endpoints/harbor-zone", "admin", "admin-test-password").status()).isEqualTo(404);
    }

    /** A GET sent exactly as written (percent signs and all), which RestClient would encode again. */
    private int rawGet(String path, String user, String password) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + port + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes())).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void rolesDecideWhoMayStartWhat() {
        assertThat(http.post(ENDPOINT + "/sync", MANAGER, MANAGER_PW).status()).isEqualTo(403);
        assertThat(http.post("/api/v1/jobs/monthly-metrics?month=2026-10", COORDINATOR, COORDINATOR_PW).status())
                .isEqualTo(403);
        assertThat(http.post(ENDPOINT + "/sync", null, null).status()).isEqualTo(401);
        assertThat(http.get("/api/v1/endpoints", "demo", "demo").status()).as("no demo user with an admin password")
                .isEqualTo(401);
    }

    @Test
    void aManagerFixesTheBaselineAndEveryMonthIsComparedWithIt() {
        String baseline = "/api/v1/clinics/lakeside-ortho/baseline";
        assertThat(http.put(baseline + "?asOf=2026-09", COORDINATOR, COORDINATOR_PW).status()).isEqualTo(403);
        assertThat(http.put(baseline + "?asOf=2026-12", MANAGER, MANAGER_PW).<String>json("$.detail"))
                .isEqualTo("asOf must be a month that has ended; got '2026-12'");

        Http.Reply fixed = http.put(baseline + "?asOf=2026-09", MANAGER, MANAGER_PW);

        assertThat(fixed.status()).isEqualTo(200);
        assertThat(fixed.<String>json("$.asOf")).isEqualTo("2026-09");
        assertThat(fixed.<Integer>json("$.sources")).isPositive();
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/sources?month=2026-09", MANAGER, MANAGER_PW)
                .<List<Object>>json("$.sources[?(@.historyMonths >= 6)].fixedBaseline")).isNotEmpty().doesNotContainNull();
        assertThat(http.delete(baseline, MANAGER, MANAGER_PW).status()).isEqualTo(204);
        assertThat(http.get(baseline, MANAGER, MANAGER_PW).status()).isEqualTo(404);
    }

    @Test
    void aCoordinatorLogsOutreachAndSetsACadenceAndAManagerSeesTheReturn() {
        String outreach = "/api/v1/clinics/lakeside-ortho/outreach";
        // with 8 practices, October's drop across most of them holds the source alerts behind one FEED alert:
        // the alert of the clinic's one EMR endpoint, which brings all of them, named by the endpoint
        Http.Reply feedAlerts = http.get("/api/v1/alerts?clinic=lakeside-ortho&kind=feed", COORDINATOR, COORDINATOR_PW);
        Number feedAlert = feedAlerts.<List<Number>>json("$[*].id").get(0);
        String endpointName = http.get(ENDPOINT, COORDINATOR, COORDINATOR_PW).json("$.name");
        assertThat(feedAlerts.<List<String>>json("$[*].orgKey")).containsExactly("sandbox-lakeside-ortho");
        assertThat(feedAlerts.<List<String>>json("$[*].endpointName")).containsExactly(endpointName);
        assertThat(feedAlerts.<List<String>>json("$[*].sourceName")).containsOnlyNulls();
        assertThat(feedAlerts.<List<String>>json("$[*].explanation")).singleElement().asString()
                .startsWith("The feed of " + endpointName + " may be incomplete for October 2026: ");
        String org = http.get("/api/v1/clinics/lakeside-ortho/sources?month=2026-10", COORDINATOR, COORDINATOR_PW)
                .<List<String>>json("$.sources[?(@.orgKey != 'unknown')].orgKey").get(0);
        String body = "{\"org\":\"" + org + "\",\"contactedOn\":\"2026-11-20\",\"channel\":\"visit\","
                + "\"topic\":\"quality\",\"outcome\":\"meeting-booked\"}";
        Http.Reply feed = http.post(outreach, body.replace("}", ",\"alertId\":" + feedAlert + "}"), "application/json",
                COORDINATOR, COORDINATOR_PW);
        assertThat(feed.status()).isEqualTo(400);
        assertThat(feed.<String>json("$.detail")).isEqualTo("Alert " + feedAlert + " is not about '" + org + "' at "
                + "Lakeside Orthopedics: it is about the EMR feed of " + endpointName + " at clinic 'lakeside-ortho'");

        assertThat(http.post(outreach, body, "application/json", MANAGER, MANAGER_PW).status()).isEqualTo(403);
        Http.Reply fax = http.post(outreach, body.replace("visit", "fax"), "application/json", COORDINATOR,
                COORDINATOR_PW);
        assertThat(fax.status()).isEqualTo(400);
        assertThat(fax.<String>json("$.detail")).isEqualTo("channel must be one of [call, visit, email, letter, "
                + "event]; got 'fax'");
        assertThat(http.post(outreach, body.replace("2026-11-20", "20.11.2026"), "application/json", COORDINATOR,
                COORDINATOR_PW).<String>json("$.detail")).isEqualTo("contactedOn must be YYYY-MM-DD, for example "
                        + "2026-11-23; got '20.11.2026'");

        Http.Reply logged = http.post(outreach, body, "application/json", COORDINATOR, COORDINATOR_PW);

        assertThat(logged.status()).isEqualTo(201);
        assertThat(logged.headers().getLocation().toString()).matches("/api/v1/clinics/lakeside-ortho/outreach/\\d+");
        assertThat(logged.<String>json("$.channel")).isEqualTo("VISIT");
        assertThat(logged.<String>json("$.outcome")).isEqualTo("MEETING_BOOKED");
        assertThat(logged.<String>json("$.loggedBy")).isEqualTo(COORDINATOR);
        assertThat(http.get(logged.headers().getLocation().toString(), MANAGER, MANAGER_PW).<String>json("$.orgKey"))
                .isEqualTo(org);
        assertThat(http.get(outreach + "?org=" + org, MANAGER, MANAGER_PW).<List<String>>json("$[*].contactedOn"))
                .containsExactly("2026-11-20");

        String cadence = "{\"org\":\"" + org + "\",\"everyDays\":7}";
        assertThat(http.put(outreach + "/cadence", MANAGER, MANAGER_PW).status()).isEqualTo(403);
        Http.Reply set = http.call("PUT", outreach + "/cadence", cadence, COORDINATOR, COORDINATOR_PW);
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.<String>json("$.nextDue")).isEqualTo("2026-11-27");
        assertThat(http.delete(outreach + "/cadence?org=" + org, COORDINATOR, COORDINATOR_PW).status()).isEqualTo(204);
        assertThat(http.delete(outreach + "/cadence?org=" + org, COORDINATOR, COORDINATOR_PW).status()).isEqualTo(404);

        Http.Reply back = http.get(outreach + "/return", MANAGER, MANAGER_PW);
        assertThat(back.<String>json("$.through")).isEqualTo("2026-10");
        assertThat(back.<List<String>>json("$.contacted[*].orgKey")).containsExactly(org);
        assertThat(back.<List<Integer>>json("$.contacted[*].monthsAfter")).as("too early to tell").containsExactly(0);
        assertThat(back.<List<Integer>>json("$.contacted[*].monthsBefore")).containsExactly(3);
    }

    @Test
    void errorsSayWhatAndWhere() {
        Http.Reply unknown = http.post("/api/v1/endpoints/no-such-emr/sync", "admin", "admin-test-password");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.<String>json("$.detail")).isEqualTo("No EMR endpoint with id 'no-such-emr'");
        assertThat(unknown.<String>json("$.title")).isEqualTo("Not found");

        Http.Reply noMonth = http.post("/api/v1/jobs/monthly-metrics", MANAGER, MANAGER_PW);
        assertThat(noMonth.status()).isEqualTo(400);
        assertThat(noMonth.<String>json("$.detail")).isEqualTo("month is required, as YYYY-MM (for example 2026-10)");

        Http.Reply badMonth = http.post("/api/v1/jobs/monthly-metrics?month=2026-1", MANAGER, MANAGER_PW);
        assertThat(badMonth.<String>json("$.detail")).isEqualTo("month must be YYYY-MM, for example 2026-10; got '2026-1'");

        assertThat(http.get(ENDPOINT + "/syncs/999999", MANAGER, MANAGER_PW).<String>json("$.detail"))
                .isEqualTo("Endpoint 'sandbox-lakeside-ortho' has no sync 999999");
    }

    @Test
    @Order(4)
    void anAdministratorConnectsAnEndpointTheServerSupportsAndItSyncsAtOnce() {
        String harbor = sandbox.world().clinics().get(1).id();
        String base = http.get("/api/v1/endpoints/sandbox-" + harbor, "admin", "admin-test-password").json("$.baseUrl");
        String search = "{\"id\":\"harbor-direct\",\"clinic\":\"" + harbor + "\",\"baseUrl\":\"" + base + "\","
                + "\"strategy\":\"search\",\"schedule\":\"-\"}";

        Http.Reply refused = http.post("/api/v1/endpoints", search, "application/json", "admin", "admin-test-password");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.<String>json("$.detail")).contains("only allows ServiceRequest searches by patient",
                "choose strategy roster");
        assertThat(http.post("/api/v1/endpoints", search, "application/json", COORDINATOR, COORDINATOR_PW).status())
                .as("only administrators connect endpoints").isEqualTo(403);

        String leaking = "{\"id\":\"harbor-leak\",\"clinic\":\"" + harbor + "\",\"baseUrl\":\"" + base + "\","
                + "\"strategy\":\"roster\",\"auth\":{\"kind\":\"BASIC\",\"username\":\"x\","
                + "\"passwordRef\":\"env:RM_PSEUDONYM_KEY\"}}";
        Http.Reply leak = http.post("/api/v1/endpoints", leaking, "application/json", "admin", "admin-test-password");
        assertThat(leak.status()).as("the monitor's own secret, to a server of the administrator's choosing")
                .isEqualTo(400);
        assertThat(leak.<String>json("$.detail")).isEqualTo("auth.passwordRef names env:RM_PSEUDONYM_KEY, which is "
                + "not among the secrets the API and the dashboard may name: environment variables starting with "
                + "RM_SECRET_, files under /run/secrets/referral-monitor/ "
                + "(referral-monitor.ingest.entered-secrets; or define it in the configuration files)");
        assertThat(http.get("/api/v1/endpoints/harbor-leak", "admin", "admin-test-password").status()).isEqualTo(404);

        String roster = "{\"id\":\"harbor-direct\",\"clinic\":\"" + harbor + "\",\"baseUrl\":\"" + base + "\","
                + "\"strategy\":\"roster\",\"schedule\":\"-\",\"roster\":{\"source\":\"GROUP\","
                + "\"groupId\":\"" + harbor + "-patients\"},\"ownOrganizations\":[\"Organization/org-self\"]}";
        Http.Reply connected = http.post("/api/v1/endpoints", roster, "application/json", "admin", "admin-test-password");

        assertThat(connected.status()).as(connected.body()).isEqualTo(201);
        assertThat(connected.<Boolean>json("$.connection.ok")).isTrue();
        assertThat(connected.<String>json("$.endpoint.origin")).isEqualTo("API");
        assertThat(connected.<String>json("$.endpoint.status.health")).isEqualTo("NEVER_SYNCED");
        assertThat(http.post("/api/v1/endpoints/harbor-direct/test", "admin", "admin-test-password")
                .<Boolean>json("$.ok")).isTrue();

        Http.Reply started = http.post("/api/v1/endpoints/harbor-direct/sync", COORDINATOR, COORDINATOR_PW);
        assertThat(started.status()).isEqualTo(202);
        String location = started.headers().getLocation().toString();
        Http.Reply done = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.get(location, COORDINATOR, COORDINATOR_PW),
                        r -> !List.of("QUEUED", "RUNNING").contains(r.<String>json("$.status")));
        assertThat(done.<String>json("$.status")).as(done.body()).isEqualTo("SUCCEEDED");
        assertThat(done.<String>json("$.strategy")).isEqualTo("ROSTER");
        assertThat(http.get("/api/v1/endpoints/harbor-direct", COORDINATOR, COORDINATOR_PW)
                .<String>json("$.status.health")).isEqualTo("OK");
        assertThat(http.get("/actuator/health", null, null).<String>json("$.status")).isEqualTo("UP");
    }

    @Test
    @Order(5)
    void aManagerDownloadsTheSourcesMonthByMonthAsCsv() {
        Http.Reply csv = http.get("/api/v1/clinics/lakeside-ortho/sources.csv?from=2026-08&to=2026-10", MANAGER,
                MANAGER_PW);

        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.headers().getContentType().toString()).isEqualTo("text/csv;charset=UTF-8");
        assertThat(csv.headers().getContentDisposition().getFilename())
                .isEqualTo("lakeside-ortho-sources-2026-08-to-2026-10.csv");
        assertThat(csv.body()).startsWith("\uFEFFmonth,provisional,practice,org_key,npi,status,flags,referrals,expected,");
        List<List<String>> rows = java.util.Arrays.stream(csv.body().substring(1).split("\r\n")).skip(1)
                .map(ApiIT::csvLine).toList();
        int expectedRows = 0;
        for (String month : List.of("2026-08", "2026-09", "2026-10")) {
            List<Map<String, Object>> sources = http.get("/api/v1/clinics/lakeside-ortho/sources?month=" + month,
                    MANAGER, MANAGER_PW).json("$.sources");
            expectedRows += sources.size();
            for (Map<String, Object> source : sources) {
                List<String> row = rows.stream().filter(r -> r.get(0).equals(month) && r.get(3).equals(source.get("orgKey")))
                        .findFirst().orElseThrow(() -> new AssertionError("no row for " + source.get("orgKey") + " in " + month));
                assertThat(row).as("one value per column").hasSize(26);
                assertThat(row.get(2)).as("the practice as the dashboard names it").isEqualTo(
                        "unknown".equals(source.get("orgKey")) ? "Unattributed referrals"
                                : source.get("name") != null ? source.get("name") : source.get("orgKey"));
                assertThat(Integer.parseInt(row.get(7))).as("referrals").isEqualTo(source.get("referrals"));
                assertThat(Integer.parseInt(row.get(14))).as("converted").isEqualTo(source.get("converted"));
                assertThat(row.get(5)).as("status").isEqualTo(source.get("status"));
            }
        }
        assertThat(rows).hasSize(expectedRows);

        Http.Reply reversed = http.get("/api/v1/clinics/lakeside-ortho/sources.csv?from=2026-10&to=2026-08", MANAGER,
                MANAGER_PW);
        assertThat(reversed.status()).isEqualTo(400);
        assertThat(reversed.<String>json("$.detail")).isEqualTo("to (2026-08) is before from (2026-10)");
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/sources.csv?from=2023-01&to=2026-10", MANAGER, MANAGER_PW)
                .<String>json("$.detail")).isEqualTo("a file spans at most 36 months; 2023-01 to 2026-10 is 46");
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/sources.csv?from=2020-01&to=2020-03", MANAGER, MANAGER_PW)
                .<String>json("$.detail")).isEqualTo("No figures are computed for Lakeside Orthopedics from 2020-01 to "
                        + "2020-03: they appear after the next sync or monthly run");
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/sources.csv", null, null).status()).isEqualTo(401);
    }

    @Test
    @Order(6)
    void aManagerDownloadsTheReferringProvidersMonthByMonthAsCsv() {
        Http.Reply csv = http.get("/api/v1/clinics/lakeside-ortho/providers.csv?from=2026-09&to=2026-10", MANAGER,
                MANAGER_PW);

        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.headers().getContentDisposition().getFilename())
                .isEqualTo("lakeside-ortho-providers-2026-09-to-2026-10.csv");
        assertThat(csv.body()).startsWith("\uFEFFmonth,provisional,practice,org_key,provider,practitioner_key,npi,"
                + "referrals,expected,change,");
        List<List<String>> rows = java.util.Arrays.stream(csv.body().substring(1).split("\r\n")).skip(1)
                .map(ApiIT::csvLine).toList();
        int expectedRows = 0;
        for (String month : List.of("2026-09", "2026-10")) {
            List<Map<String, Object>> providers = http.get("/api/v1/clinics/lakeside-ortho/providers?month=" + month,
                    MANAGER, MANAGER_PW).json("$");
            expectedRows += providers.size();
            for (Map<String, Object> p : providers) {
                List<String> row = rows.stream().filter(r -> r.get(0).equals(month) && r.get(3).equals(p.get("orgKey"))
                                && r.get(5).equals(p.get("practitionerKey"))).findFirst()
                        .orElseThrow(() -> new AssertionError("no row for " + p.get("practitionerKey") + " in " + month));
                assertThat(row).as("one value per column").hasSize(16);
                assertThat(Integer.parseInt(row.get(7))).as("referrals").isEqualTo(p.get("referrals"));
                assertThat(Integer.parseInt(row.get(13))).as("converted").isEqualTo(p.get("converted"));
                assertThat(row.get(2)).as("the practice's name").isNotEmpty().isNotEqualTo(p.get("orgKey"));
            }
        }
        assertThat(expectedRows).as("the sandbox's practices have providers").isPositive();
        assertThat(rows).hasSize(expectedRows);
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/providers.csv?from=2020-01&to=2020-03", MANAGER,
                MANAGER_PW).status()).isEqualTo(400);
        jdbc.sql("DELETE FROM source_month WHERE clinic_id = 'lakeside-ortho' AND month_start = DATE '2026-09-01' "
                + "AND practitioner_key <> '*'").update();
        Http.Reply none = http.get("/api/v1/clinics/lakeside-ortho/providers.csv?from=2026-09&to=2026-09", MANAGER,
                MANAGER_PW);
        assertThat(none.status()).as("figures, but no provider: said so, not an empty file").isEqualTo(400);
        assertThat(none.<String>json("$.detail")).isEqualTo("No referring providers are recorded for Lakeside "
                + "Orthopedics from 2026-09 to 2026-09: its EMR names no requesting practitioner on these months' "
                + "referrals (the sources' file has them by practice)");
        assertThat(http.get("/api/v1/clinics/lakeside-ortho/providers.csv", null, null).status()).isEqualTo(401);
    }

    /** One CSV line's cells (RFC 4180 quotes). */
    private static List<String> csvLine(String line) {
        List<String> cells = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                cell.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
