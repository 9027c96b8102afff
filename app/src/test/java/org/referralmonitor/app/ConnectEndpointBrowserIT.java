package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.referralmonitor.app.security.Roles;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.ingest.sync.EndpointStatus;
import org.referralmonitor.ingest.sync.SyncService;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * An administrator connects an EMR endpoint from the dashboard, in headless Chromium, against the
 * sandbox EMR's patient-anchored clinic: search is refused with the server's reason, roster
 * connects, and after a sync the new feed shows OK with its last success. Feeds show their
 * health, failing ones marked; only administrators reach the form.
 *
 * <p>The embedded default, but with a database of its own (and a coordinator user): connecting
 * endpoints here must not change what the other embedded-default tests see. Monthly figures are
 * not recomputed after syncs, which this test does not look at. Screenshots land in
 * app/target/screenshots/.
 */
@EmbeddedDefaultTest
@TestPropertySource(properties = {
    "spring.datasource.url=jdbc:h2:mem:connect-endpoint-it;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
    "referral-monitor.metrics.recompute-after-sync=false",
    "referral-monitor.app.coordinator-password=coordinator-test-password"})
@DirtiesContext
class ConnectEndpointBrowserIT {

    static final String HARBOR = "harbor-behavioral";

    @LocalServerPort
    int port;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    SyncService syncs;

    @Autowired
    EndpointDirectory directory;

    @Autowired
    WebApplicationContext context;

    @TempDir
    Path profile;

    ChromeDriver browser;

    @BeforeEach
    void open() {
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500)).until(() ->
                sandbox.endpoints().stream().allMatch(e -> EndpointStatus.OK.equals(syncs.status(e.id()).health())));
        browser = Browser.start(profile);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anAdministratorConnectsThePatientAnchoredClinicByRosterAfterSearchIsRefused() throws Exception {
        signIn("demo", "demo");
        for (EmrEndpoint existing : sandbox.endpoints()) {
            assertThat(feedRow(existing.id()).findElement(By.className("health")).getText()).isEqualTo("OK");
        }
        submit(browser.findElement(By.id("connect-endpoint")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Connect an EMR endpoint");
        assertThat(browser.findElement(By.id("secret-note")).getText()).contains("Secrets are never entered here",
                "env:NAME", "file:/path",
                "Here you may name environment variables starting with RM_SECRET_, files under "
                        + "/run/secrets/referral-monitor/");

        fillIn("harbor-direct", "Harbor direct", baseUrl(HARBOR));
        submit(browser.findElement(By.id("test-connection")));

        WebElement check = waitFor(By.id("check"));
        assertThat(check.getText()).contains("The server does not support these settings:",
                "strategy search: the server only allows ServiceRequest searches by patient; choose strategy roster");
        assertThat(check.findElement(By.className("population-search")).getText())
                .startsWith("Not allowed for ServiceRequest and Encounter");
        assertThat(check.findElement(By.className("smart")).getText()).startsWith("No SMART configuration published");
        assertThat(check.findElement(By.className("resources")).getText()).contains("ServiceRequest read, search by patient only");
        assertThat(browser.findElement(By.id("id")).getAttribute("value")).isEqualTo("harbor-direct");
        screenshot("connect-endpoint-tested.png");

        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.id("form-error")).getText()).startsWith("Not connected: the server at " + baseUrl(HARBOR));
        assertThat(browser.findElement(By.id("check")).getText()).contains("only allows ServiceRequest searches by patient");
        assertThat(browser.findElement(By.id("baseUrl")).getAttribute("value")).isEqualTo(baseUrl(HARBOR));
        assertThat(browser.findElement(By.id("ownOrganizations")).getAttribute("value")).isEqualTo("Organization/org-self");
        assertThat(directory.endpoint("harbor-direct")).as("a refused endpoint is not connected").isEmpty();
        screenshot("connect-endpoint-refused.png");

        new Select(browser.findElement(By.id("strategy"))).selectByValue("roster");
        browser.findElement(By.id("rosterGroupId")).sendKeys(HARBOR + "-patients");
        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.cssSelector("p.notice")).getText()).startsWith("Connected Harbor direct (harbor-direct).");
        assertThat(browser.getCurrentUrl()).endsWith("/clinics/" + HARBOR);
        assertThat(feedRow("harbor-direct").findElement(By.className("health")).getText()).isEqualTo("NEVER SYNCED");
        assertThat(directory.endpoint("harbor-direct").orElseThrow().connection().strategy().name()).isEqualTo("ROSTER");

        submit(feedRow("harbor-direct").findElement(By.className("sync-now")));
        assertThat(waitFor(By.cssSelector("p.notice")).getText()).contains("of Harbor direct queued");
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500)).until(() ->
                !EndpointStatus.NEVER_SYNCED.equals(syncs.status("harbor-direct").health()));
        browser.navigate().refresh();

        WebElement synced = feedRow("harbor-direct");
        assertThat(synced.findElement(By.className("health")).getText()).isEqualTo("OK");
        java.time.OffsetDateTime finished = syncs.status("harbor-direct").lastSuccessAt();
        assertThat(finished.toLocalDate()).as("stamped by the monitor's clock, pinned to 2026-11-23")
                .isEqualTo(java.time.LocalDate.of(2026, 11, 23));
        assertThat(synced.findElement(By.className("last-success")).getText()).startsWith("Last success "
                + finished.format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")) + " ");
        assertThat(synced.getAttribute("class")).doesNotContain("failing");
        assertThat(feedRow("sandbox-" + HARBOR).findElement(By.className("last-success")).getText())
                .startsWith("Last success 2026-11-23 ");
        screenshot("connect-endpoint-synced.png");

        submit(feedRow("harbor-direct").findElement(By.className("test-connection")));

        WebElement tested = waitFor(By.id("connection-test"));
        assertThat(tested.getText()).contains("Test connection of Harbor direct", "The server supports these settings.");
    }

    @Test
    void anAdministratorConnectsAGroupLevelBulkExportOfSomeTypes() throws Exception {
        signIn("demo", "demo");
        submit(browser.findElement(By.id("connect-endpoint")));
        fillIn("harbor-bulk", "Harbor bulk", baseUrl(HARBOR));
        new Select(browser.findElement(By.id("strategy"))).selectByValue("bulk");
        new Select(browser.findElement(By.id("bulkLevel"))).selectByValue("group");
        browser.findElement(By.id("bulkTypes")).sendKeys("ServiceRequest, Encounter");
        browser.findElement(By.id("concurrency")).clear();
        browser.findElement(By.id("concurrency")).sendKeys("3");
        browser.findElement(By.id("reconcileSchedule")).sendKeys("0 0 4 * * SUN");
        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.id("form-error")).getText())
                .isEqualTo("bulk level group needs a group id (bulk.groupId): the Group exported by Group/[id]/$export");
        assertThat(new Select(browser.findElement(By.id("strategy"))).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("bulk");
        assertThat(new Select(browser.findElement(By.id("bulkLevel"))).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("group");
        assertThat(browser.findElement(By.id("bulkTypes")).getAttribute("value")).isEqualTo("ServiceRequest, Encounter");
        assertThat(browser.findElement(By.id("concurrency")).getAttribute("value")).isEqualTo("3");
        assertThat(browser.findElement(By.id("reconcileSchedule")).getAttribute("value")).isEqualTo("0 0 4 * * SUN");
        assertThat(directory.endpoint("harbor-bulk")).as("an invalid endpoint is not connected").isEmpty();
        screenshot("connect-endpoint-bulk-invalid.png");

        browser.findElement(By.id("bulkGroupId")).sendKeys(HARBOR + "-patients");
        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.cssSelector("p.notice")).getText()).startsWith("Connected Harbor bulk (harbor-bulk).");
        assertThat(feedRow("harbor-bulk").findElement(By.className("health")).getText()).isEqualTo("NEVER SYNCED");
        Connection stored = directory.endpoint("harbor-bulk").orElseThrow().connection();
        assertThat(stored.strategy().name()).isEqualTo("BULK");
        assertThat(stored.bulk()).isEqualTo(new Connection.Bulk(Connection.ExportLevel.GROUP, HARBOR + "-patients",
                List.of("ServiceRequest", "Encounter")));
        assertThat(stored.roster()).as("both types exported: nothing crawled").isEqualTo(Connection.Roster.NONE);
        assertThat(stored.concurrency()).isEqualTo(3);
        assertThat(stored.reconcileSchedule()).isEqualTo("0 0 4 * * SUN");
        assertThat(stored.ownOrganizations()).containsExactly("Organization/org-self");
        screenshot("connect-endpoint-bulk-connected.png");
    }

    /** An endpoint of a clinic the monitor does not know yet: the clinic is created, its months in its time zone. */
    @Test
    void anAdministratorConnectsTheEndpointOfANewClinicWithItsTimeZone() throws Exception {
        signIn("demo", "demo");
        submit(browser.findElement(By.id("connect-endpoint")));
        fillIn("valley-emr", "Valley EMR", baseUrl(HARBOR));
        new Select(browser.findElement(By.id("strategy"))).selectByValue("roster");
        browser.findElement(By.id("rosterGroupId")).sendKeys(HARBOR + "-patients");
        browser.findElement(By.id("newClinic")).sendKeys("valley-home-health");
        browser.findElement(By.id("clinicName")).sendKeys("Valley Home Health");
        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.id("form-error")).getText()).contains("clinic 'valley-home-health' is not defined",
                "give its time zone to create it");
        assertThat(browser.findElement(By.id("newClinic")).getAttribute("value")).isEqualTo("valley-home-health");
        assertThat(directory.clinic("valley-home-health")).isEmpty();

        browser.findElement(By.id("timeZone")).sendKeys("America/Denver");
        submit(browser.findElement(By.id("connect")));

        assertThat(waitFor(By.cssSelector("p.notice")).getText()).startsWith("Connected Valley EMR (valley-emr).");
        assertThat(directory.clinic("valley-home-health")).contains(new org.referralmonitor.ingest.endpoint.Clinic(
                "valley-home-health", "Valley Home Health", java.time.ZoneId.of("America/Denver")));
        assertThat(directory.endpoint("valley-emr").orElseThrow().clinicId()).isEqualTo("valley-home-health");
        screenshot("connect-endpoint-new-clinic.png");
    }

    @Test
    void aFailingFeedIsMarkedWithItsLastError() throws Exception {
        EmrEndpoint search = new EmrEndpoint("harbor-search", HARBOR, "Harbor by search", sandbox.endpoints().stream()
                .filter(e -> e.clinicId().equals(HARBOR)).findFirst().orElseThrow().baseUrl(), 100, "-", true,
                EndpointDirectory.ORIGIN_API, ValidationLevel.LENIENT, Connection.DEFAULT);
        directory.register(search);
        syncs.requestSync(search.id(), SyncService.TRIGGER_API);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                EndpointStatus.FAILING.equals(syncs.status(search.id()).health()));

        signIn("demo", "demo");
        WebElement card = browser.findElement(By.cssSelector(".clinic-card tr.failing"));
        assertThat(card.getAttribute("data-endpoint")).isEqualTo("harbor-search");
        assertThat(card.getText()).contains("FAILING", "1 failed sync since the last success");
        screenshot("clinics-feed-failing.png");

        browser.get(url("/clinics/" + HARBOR));
        List<WebElement> failing = browser.findElements(By.cssSelector("#feeds tr.failing"));
        assertThat(failing).hasSize(1);
        assertThat(failing.get(0).getAttribute("data-endpoint")).isEqualTo("harbor-search");
        assertThat(failing.get(0).findElement(By.className("health")).getText()).isEqualTo("FAILING");
        assertThat(failing.get(0).findElement(By.className("last-success")).getText()).isEqualTo("No successful sync yet");
        assertThat(failing.get(0).findElement(By.className("failures")).getText())
                .startsWith("1 failed sync since: The server does not support how this endpoint is set to sync")
                .contains("only allows ServiceRequest searches by patient");
        assertThat(feedRow("sandbox-" + HARBOR).getAttribute("class")).doesNotContain("failing");
        screenshot("feed-failing.png");
    }

    @Test
    void aCoordinatorCannotOpenTheForm() {
        signIn("coordinator", "coordinator-test-password");
        assertThat(browser.findElements(By.id("connect-endpoint"))).as("no link for non-admins").isEmpty();

        browser.get(url("/endpoints/new"));

        assertThat(browser.findElement(By.tagName("body")).getText()).contains("403");
        assertThat(browser.findElements(By.id("endpoint-form"))).isEmpty();
    }

    @Test
    void onlyAdministratorsReachTheFormAndItsPostsNeedTheCsrfToken() throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        var coordinator = user("coordinator").roles(Roles.COORDINATOR);
        var admin = user("admin").roles(Roles.ADMIN);

        mvc.perform(get("/endpoints/new").with(coordinator)).andExpect(status().isForbidden());
        mvc.perform(post("/endpoints").param("connect", "connect").param("id", "x").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post("/endpoints/sandbox-" + HARBOR + "/test").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(get("/clinics/" + HARBOR).with(coordinator))
                .andExpect(status().isOk())
                .andExpect(content().string(not(containsString("Connect an EMR endpoint"))))
                .andExpect(content().string(not(containsString("Test connection"))));
        mvc.perform(get("/endpoints/new")).andExpect(status().is3xxRedirection());

        mvc.perform(get("/endpoints/new").with(admin))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("name=\"_csrf\"")));
        mvc.perform(post("/endpoints").param("test", "test").param("id", "x").with(admin))
                .andExpect(status().isForbidden());
    }

    private void signIn(String user, String password) {
        browser.get(url("/login"));
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        submit(browser.findElement(By.id("sign-in")));
    }

    /** Clicks and waits until the next page replaced this one, so nothing of the old page is read. */
    private void submit(WebElement button) {
        button.click();
        Browser.awaitReplaced(browser, button, Duration.ofSeconds(30));
    }

    private void fillIn(String id, String name, String baseUrl) {
        browser.findElement(By.id("id")).sendKeys(id);
        new Select(browser.findElement(By.id("clinic"))).selectByValue(HARBOR);
        browser.findElement(By.id("name")).sendKeys(name);
        browser.findElement(By.id("baseUrl")).sendKeys(baseUrl);
        new Select(browser.findElement(By.id("strategy"))).selectByValue("search");
        browser.findElement(By.id("ownOrganizations")).sendKeys("Organization/org-self");
        browser.findElement(By.id("schedule")).sendKeys("-");
    }

    private WebElement feedRow(String endpointId) {
        return browser.findElement(By.cssSelector("tr.feed[data-endpoint='" + endpointId + "']"));
    }

    private WebElement waitFor(By locator) {
        return new WebDriverWait(browser, Duration.ofSeconds(30))
                .until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    private String baseUrl(String clinic) {
        return sandbox.endpoints().stream().filter(e -> e.clinicId().equals(clinic)).findFirst().orElseThrow()
                .baseUrl().toString();
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void screenshot(String name) throws Exception {
        Browser.screenshot(browser, name);
    }
}
