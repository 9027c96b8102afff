package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
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
import org.referralmonitor.app.audit.AuditEvent;
import org.referralmonitor.app.audit.AuditLog;
import org.referralmonitor.app.security.Roles;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.feed.EndpointFeed;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * The dashboard in a real headless Chromium: sign in as the sandbox's demo user, open a clinic,
 * see its sources against their baselines with the planted slowdowns flagged, and acknowledge
 * an alert; open a source for its details and providers, as the API counts them; follow the
 * monthly job's runs and recompute a month; fix a baseline and clear it; see a suspect feed hold
 * the month's alerts. Only administrators and practice managers recompute and fix. Screenshots
 * land in app/target/screenshots/.
 */
@EmbeddedDefaultTest
class DashboardBrowserIT {

    static final String LAKESIDE = "lakeside-ortho";

    @LocalServerPort
    int port;

    @Autowired
    Alerts alerts;

    @Autowired
    AuditLog audit;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    FixedBaselines baselines;

    @Autowired
    FeedHealth feedHealth;

    @Autowired
    AlertWriter alertWriter;

    @Autowired
    WebApplicationContext context;

    @TempDir
    Path profile;

    ChromeDriver browser;

    @BeforeEach
    void open() {
        awaitSandboxFigures(sandbox, runner);
        browser = Browser.start(profile);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aSourceShowsWhatTheApiCountsAndItsProviders() throws Exception {
        Http http = new Http(port);
        List<Map<String, Object>> sources = http.get("/api/v1/clinics/" + LAKESIDE + "/sources?month=2026-10", "demo",
                "demo").json("$.sources");
        signIn();
        browser.get(url("/clinics/" + LAKESIDE + "?month=2026-10"));

        for (Map<String, Object> source : sources) {
            WebElement row = sourceRow((String) source.get("orgKey"));
            assertThat(row.findElements(By.cssSelector(".flag"))).extracting(f -> f.getAttribute("data-flag"))
                    .as("flags of %s", source.get("orgKey")).isEqualTo(source.get("flags"));
            assertThat(row.findElement(By.className("outcome-bar")).getAttribute("aria-label"))
                    .isEqualTo(outcomeText(source));
            if (source.get("revenueAtRisk") != null) {
                assertThat(row.findElement(By.className("risk")).getText())
                        .isEqualTo(money(source.get("revenueAtRisk")) + " at risk");
            }
        }
        assertThat(browser.findElements(By.cssSelector("#sources .flag")))
                .extracting(WebElement::getText).contains("Slowdown").doesNotContain("SLOWDOWN", "GONE_DARK");
        assertThat(browser.findElements(By.cssSelector("#sources th.fixed-baseline"))).as("no baseline fixed").isEmpty();

        Map<String, Object> source = sources.stream()
                .filter(m -> number(m.get("referrals")) > 0 && number(m.get("activeProviders")) > 0)
                .max(Comparator.comparingDouble(m -> number(notConverted(m).get("cancelled")) * 100
                        + number(notConverted(m).get("visitMissed")) + number(notConverted(m).get("noVisit"))))
                .orElseThrow();
        String org = (String) source.get("orgKey");
        Map<String, Object> nc = notConverted(source);
        assertThat(number(nc.get("cancelled"))).as("the sandbox cancels some referrals").isPositive();
        submit(sourceRow(org).findElement(By.className("source-name")));

        assertThat(browser.findElement(By.tagName("h1")).getText()).startsWith((String) source.get("name"));
        assertThat(text("fact-referrals")).isEqualTo(String.valueOf(source.get("referrals")));
        assertThat(text("cancelled")).isEqualTo(String.valueOf(nc.get("cancelled")));
        assertThat(text("fact-patients")).isEqualTo(String.valueOf(source.get("patients")));
        assertThat(text("median-days")).isEqualTo(days(source.get("medianDaysToVisit")));
        assertThat(text("p90-days")).isEqualTo(days(source.get("p90DaysToVisit")));
        assertThat(text("sent")).isEqualTo(String.valueOf(source.get("sent")));
        assertThat(text("ratio")).isEqualTo(source.get("sentReceivedRatio") == null ? "–"
                : String.format(Locale.US, "%.2f", number(source.get("sentReceivedRatio"))));
        assertThat(text("baseline")).isEqualTo(oneDecimal(source.get("baseline")));
        assertThat(text("conversion")).isEqualTo(source.get("conversionRate") == null ? "–"
                : String.format(Locale.US, "%.0f%%", number(source.get("conversionRate")) * 100));
        assertThat(text("revenue-at-risk")).isEqualTo(source.get("revenueAtRisk") == null ? "–"
                : money(source.get("revenueAtRisk")));

        WebElement notConverted = browser.findElement(By.id("not-converted"));
        assertThat(count(notConverted, "converted")).isEqualTo(String.valueOf(source.get("converted")));
        assertThat(count(notConverted, "cancelled")).isEqualTo(String.valueOf(nc.get("cancelled")));
        assertThat(count(notConverted, "visit-missed")).isEqualTo(String.valueOf(nc.get("visitMissed")));
        assertThat(count(notConverted, "no-visit")).isEqualTo(String.valueOf(nc.get("noVisit")));
        assertThat(count(notConverted, "waiting")).isEqualTo(String.valueOf(nc.get("waiting")));
        @SuppressWarnings("unchecked")
        Map<String, Object> reasons = (Map<String, Object>) nc.get("cancelReasons");
        List<WebElement> reasonRows = notConverted.findElements(By.cssSelector("tr.reason"));
        assertThat(reasonRows).hasSize(reasons.size());
        for (WebElement reason : reasonRows) {
            List<WebElement> cells = reason.findElements(By.tagName("td"));
            assertThat(reasons).containsEntry(cells.get(0).getText(), Integer.valueOf(cells.get(1).getText()));
        }

        List<Map<String, Object>> providers = http.get("/api/v1/clinics/" + LAKESIDE + "/providers?month=2026-10&source="
                + org, "demo", "demo").json("$");
        assertThat(providers).isNotEmpty();
        List<WebElement> providerRows = browser.findElements(By.cssSelector("#providers tr.provider"));
        assertThat(providerRows).extracting(r -> r.findElement(By.className("provider-name")).getText())
                .containsExactlyElementsOf(providers.stream().map(p -> (String) (p.get("name") != null ? p.get("name")
                        : p.get("practitionerKey"))).toList());
        assertThat(providerRows.get(0).findElements(By.tagName("td")).get(1).getText())
                .isEqualTo(String.valueOf(providers.get(0).get("referrals")));
        screenshot("source.png");

        submit(browser.findElement(By.id("back-to-clinic")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Lakeside Orthopedics");
    }

    @Test
    void theJobHistoryListsTheRunsAndRecomputeAddsOne() throws Exception {
        signIn();
        browser.get(url("/clinics/" + LAKESIDE + "?month=2026-10"));

        List<WebElement> rows = browser.findElements(By.cssSelector("#job-runs tr.job-run:not(.queued)"));
        assertThat(rows).isNotEmpty();
        // runs waiting in the queue (after the sandbox's syncs), if any, come first
        List<WebElement> all = browser.findElements(By.cssSelector("#job-runs tr.job-run"));
        assertThat(all.subList(0, all.size() - rows.size())).allSatisfy(queued -> assertThat(
                queued.findElement(By.className("badge")).getText()).isEqualTo("QUEUED"));
        Map<Long, MetricsJobRun> history = runner.history(LAKESIDE, 100).stream()
                .collect(Collectors.toMap(MetricsJobRun::executionId, r -> r));
        for (WebElement row : rows) {
            MetricsJobRun run = history.get(Long.valueOf(row.getAttribute("data-execution")));
            assertThat(run).as("a run of the clinic's history").isNotNull();
            assertThat(row.getAttribute("data-month")).isEqualTo(run.month());
            assertThat(row.findElement(By.className("badge")).getText()).isEqualTo(run.status());
        }
        assertThat(rows.get(0).getText()).contains("2026");
        long newest = runner.history(LAKESIDE, 1).get(0).executionId();

        submit(browser.findElement(By.id("recompute")));

        assertThat(browser.findElement(By.cssSelector("p.notice")).getText())
                .isEqualTo("Recompute of October 2026 for Lakeside Orthopedics queued: it shows in the job history, "
                        + "as QUEUED until it starts.");
        MetricsJobRun recomputed = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> runner.history(LAKESIDE, 20).stream().filter(r -> r.executionId() > newest
                        && r.month().equals("2026-10") && r.status().equals("COMPLETED")).findFirst(), Optional::isPresent)
                .orElseThrow();
        browser.navigate().refresh();
        WebElement row = browser.findElement(By.cssSelector("#job-runs tr.job-run[data-execution='"
                + recomputed.executionId() + "']"));
        assertThat(row.getText()).contains("October 2026", "COMPLETED");
        assertThat(recomputed.trigger()).isEqualTo("recompute by demo (dashboard)");
        assertThat(row.findElement(By.className("job-trigger")).getText()).isEqualTo("recompute by demo (dashboard)");
        assertThat(row.findElements(By.tagName("td")).get(5).getText()).matches("\\d+ ms|\\d+\\.\\d s|\\d+ min \\d+ s");
        screenshot("clinic-job-runs.png");
    }

    @Test
    void aManagerFixesTheBaselineAtAMonthNotYetComputedAndClearsIt() throws Exception {
        try {
            signIn();
            browser.get(url("/clinics/" + LAKESIDE + "?month=2026-10"));
            assertThat(browser.findElement(By.id("no-fixed-baseline")).getText()).startsWith("No baseline is fixed.");
            Select asOf = new Select(browser.findElement(By.id("fix-as-of")));
            assertThat(asOf.getFirstSelectedOption().getText()).isEqualTo("October 2026");
            asOf.selectByValue("2025-09");
            assertThat(asOf.getFirstSelectedOption().getText()).isEqualTo("September 2025 (computed when fixed)");

            submit(browser.findElement(By.id("fix-baseline-button")));

            assertThat(browser.findElement(By.cssSelector("p.notice")).getText())
                    .startsWith("Baseline fixed as of September 2025: ").endsWith("Every month is now compared with it too.");
            assertThat(browser.getCurrentUrl()).endsWith("/clinics/" + LAKESIDE + "?month=2026-10#baseline");
            assertThat(browser.findElement(By.id("fixed-baseline")).getText())
                    .startsWith("Our baseline as of September 2025:");
            assertThat(baselines.find(LAKESIDE)).map(b -> b.asOf().toString()).contains("2025-09");
            assertThat(browser.findElement(By.cssSelector("#sources th.fixed-baseline")).getText())
                    .isEqualToIgnoringCase("Fixed 2025-09");
            List<Map<String, Object>> sources = new Http(port).get("/api/v1/clinics/" + LAKESIDE
                    + "/sources?month=2026-10", "demo", "demo").json("$.sources");
            assertThat(sources).extracting(m -> m.get("fixedBaseline")).as("sources compared with it")
                    .anyMatch(java.util.Objects::nonNull);
            for (Map<String, Object> source : sources) {
                assertThat(sourceRow((String) source.get("orgKey")).findElement(By.cssSelector("td.fixed-baseline"))
                        .getText()).isEqualTo(oneDecimal(source.get("fixedBaseline")));
            }
            screenshot("clinic-fixed-baseline.png");

            submit(browser.findElement(By.id("clear-baseline")));

            assertThat(browser.findElement(By.cssSelector("p.notice")).getText())
                    .isEqualTo("The baseline fixed as of September 2025 was cleared.");
            assertThat(browser.findElements(By.id("no-fixed-baseline"))).hasSize(1);
            assertThat(browser.findElements(By.cssSelector("#sources .fixed-baseline"))).isEmpty();
            assertThat(baselines.find(LAKESIDE)).isEmpty();
        } finally {
            baselines.clear(LAKESIDE);
        }
    }

    /** A named user with clinics: [harbor-behavioral], as NamedUsers grants it. */
    @Test
    void aUserOfOneClinicSeesThatClinicOnly() throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        var harborOnly = user("casey.harbor").authorities(new SimpleGrantedAuthority("ROLE_" + Roles.COORDINATOR),
                new SimpleGrantedAuthority("CLINIC_harbor-behavioral"));
        long lakesideAlert = alerts.find(LAKESIDE, null).get(0).id();

        mvc.perform(get("/").with(harborOnly))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("Harbor Behavioral Health")))
                .andExpect(content().string(not(containsString("Lakeside Orthopedics"))));
        mvc.perform(get("/clinics/harbor-behavioral").with(harborOnly)).andExpect(status().isOk());
        mvc.perform(get("/clinics/" + LAKESIDE).with(harborOnly)).andExpect(status().isForbidden());
        mvc.perform(get("/clinics/" + LAKESIDE + "/sources.csv").with(harborOnly)).andExpect(status().isForbidden());
        mvc.perform(get(java.net.URI.create("/%63linics/" + LAKESIDE)).with(harborOnly))
                .andExpect(status().isForbidden()); // an encoded letter: decided on the route matched
        mvc.perform(post(java.net.URI.create("/clinics/harbor-behavioral/alerts/+" + lakesideAlert + "/acknowledge"))
                .with(harborOnly).with(csrf())).andExpect(status().isNotFound());
        mvc.perform(post("/endpoints/sandbox-" + LAKESIDE + "/sync").with(harborOnly).with(csrf()))
                .andExpect(status().isNotFound()); // another clinic's endpoint, as if there were none
        mvc.perform(post("/clinics/harbor-behavioral/alerts/" + lakesideAlert + "/acknowledge").with(harborOnly)
                        .with(csrf()))
                .andExpect(status().isNotFound()); // another clinic's alert, through one's own clinic's path
        assertThat(alerts.find(lakesideAlert).orElseThrow().acknowledgedBy()).isNull();
        // users without clinics see every clinic
        mvc.perform(get("/clinics/" + LAKESIDE).with(user("coordinator").roles(Roles.COORDINATOR)))
                .andExpect(status().isOk());
    }

    @Test
    void onlyAdministratorsAndManagersRecomputeAndFix() throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        var coordinator = user("coordinator").roles(Roles.COORDINATOR);
        var manager = user("manager").roles(Roles.MANAGER);
        String clinic = "/clinics/" + LAKESIDE;

        mvc.perform(post(clinic + "/metrics/recompute").param("month", "2026-10").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post(clinic + "/baseline").param("asOf", "2026-01").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post(clinic + "/baseline/clear").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(get(clinic).with(coordinator))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("id=\"metrics-runs\"")))
                .andExpect(content().string(not(containsString("id=\"recompute\""))))
                .andExpect(content().string(not(containsString("id=\"fix-baseline\""))));
        assertThat(baselines.find(LAKESIDE)).isEmpty();

        mvc.perform(post(clinic + "/baseline").param("asOf", "2026-12").with(manager))
                .andExpect(status().isForbidden());
        mvc.perform(post(clinic + "/baseline").param("asOf", "2026-12").param("month", "2026-10").with(manager)
                        .with(csrf()))
                .andExpect(status().is3xxRedirection())
                .andExpect(redirectedUrl(clinic + "?month=2026-10#baseline"))
                .andExpect(flash().attribute("error",
                        "Baseline not fixed: asOf must be a month that has ended; got '2026-12'"));
        mvc.perform(get(clinic).with(manager))
                .andExpect(content().string(containsString("id=\"recompute\"")))
                .andExpect(content().string(containsString("id=\"fix-baseline\"")));
    }

    @Test
    void aSuspectFeedHoldsTheMonthsAlertsWithItsEvidence() throws Exception {
        YearMonth june = YearMonth.of(2024, 6);
        ZoneId zone = sandbox.world().clinics().stream().filter(c -> c.id().equals(LAKESIDE)).findFirst().orElseThrow()
                .zone();
        // checked as of a day before any sync: the feed had never synced, so the month cannot be trusted
        FeedCheck check = feedHealth.check(LAKESIDE, june, LocalDate.of(2024, 7, 10), zone, OffsetDateTime.now());
        assertThat(check.suspect()).isTrue();
        // the endpoint's FEED alert, as the monthly job words it (June 2024 is too old for the job to raise it)
        String endpoint = "sandbox-" + LAKESIDE;
        String name = new Http(port).get("/api/v1/endpoints/" + endpoint, "demo", "demo").json("$.name");
        EndpointFeed never = check.endpoints().stream().filter(e -> e.endpointId().equals(endpoint)).findFirst()
                .orElseThrow();
        assertThat(never.suspect()).isTrue();
        alertWriter.raise(List.of(new AlertWriter.Raise(LAKESIDE, "FEED", endpoint, june, check.referrals(),
                check.expected(), null, check.incomplete(never), null)), OffsetDateTime.now());
        signIn();

        try {
            browser.get(url("/clinics/" + LAKESIDE + "?month=2024-06"));
            WebElement feedAlert = browser.findElements(By.cssSelector("#alerts article.alert[data-kind='FEED']"))
                    .stream().filter(a -> a.findElement(By.className("explanation")).getText().startsWith(
                            "The feed of " + name + " may be incomplete for June 2024: it has never synced successfully"))
                    .findFirst().orElseThrow();
            assertThat(feedAlert.findElement(By.className("feed-of")).getText()).isEqualTo("EMR feed: " + name);
            assertThat(feedAlert.findElements(By.className("log-outreach"))).as("no practice to contact").isEmpty();
        } finally {
            alertWriter.resolve(List.of(new AlertWriter.Resolve(LAKESIDE, "FEED", endpoint, june, "Test over.")),
                    OffsetDateTime.now());
        }

        WebElement held = browser.findElement(By.id("feed-held"));
        assertThat(held.findElement(By.tagName("h2")).getText()).isEqualTo("Source alerts for this month are held");
        assertThat(held.findElement(By.className("evidence")).getText()).isEqualTo(check.evidence())
                .contains("has never synced successfully");
        assertThat(held.getText()).contains(check.failedSyncs() + " failed syncs since the month began",
                "An endpoint has not synced successfully since the month ended");
        WebElement own = held.findElement(By.cssSelector(".feed-endpoints li[data-endpoint='" + endpoint + "']"));
        assertThat(own.getText()).as("each endpoint's part of the stored check").isEqualTo(name + ": it has never "
                + "synced successfully. " + never.record());
        assertThat(own.getAttribute("data-suspect")).isEqualTo("true");
        assertThat(new Http(port).get("/api/v1/clinics/" + LAKESIDE + "/feed?month=2024-06", "demo", "demo")
                .json("$.endpoints[?(@.endpointId == '" + endpoint + "')].problems[0]").toString())
                .contains("it has never synced successfully");
        screenshot("clinic-feed-held.png");

        browser.get(url("/clinics/" + LAKESIDE + "?month=2026-10"));
        assertThat(browser.findElements(By.id("feed-held"))).isEmpty();
        assertThat(browser.findElement(By.id("feed-ok")).getText()).isEqualTo("Feed check: " + new Http(port)
                .get("/api/v1/clinics/" + LAKESIDE + "/feed?month=2026-10", "demo", "demo").json("$.evidence"));
    }

    @Test
    void coordinatorSeesSlowdownsAndAcknowledgesOne() throws Exception {
        browser.get(url("/"));
        assertThat(browser.getCurrentUrl()).endsWith("/login");
        assertThat(browser.findElement(By.id("demo-hint")).getText()).contains("demo / demo");
        browser.findElement(By.id("username")).sendKeys("demo");
        browser.findElement(By.id("password")).sendKeys("demo");
        signInAndWait();

        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Clinics");
        browser.findElement(By.linkText("Lakeside Orthopedics")).click();

        assertThat(new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("month")))
                .getFirstSelectedOption().getText()).isEqualTo("October 2026");
        List<WebElement> rows = browser.findElements(By.cssSelector("#sources tbody tr"));
        assertThat(rows).hasSize(30);
        List<WebElement> flagged = browser.findElements(By.cssSelector("#sources tbody tr.flagged"));
        assertThat(flagged).hasSizeGreaterThanOrEqualTo(3);
        assertThat(flagged.get(0).getText()).contains("SLOWDOWN", "NPI");
        assertThat(browser.findElements(By.cssSelector("#sources svg.spark polyline"))).hasSize(30);
        assertThat(browser.findElement(By.id("slowdown-count")).getText()).isEqualTo(String.valueOf(flagged.size()));
        List<WebElement> alerts = browser.findElements(By.cssSelector("#alerts article.alert"));
        // one volume alert per flagged source, and any other flags (conversion collapse, reciprocity)
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(flagged.size());
        assertThat(alerts).extracting(a -> a.findElement(By.className("explanation")).getText())
                .anySatisfy(text -> assertThat(text).contains("referral", "in October 2026 vs about", "expected"));
        assertThat(browser.findElement(By.id("feeds")).getText())
                .contains("names a performer only by display text", "validation: lenient");
        List<WebElement> health = browser.findElements(By.cssSelector("#feeds tr.feed .health"));
        assertThat(health).extracting(WebElement::getText).containsExactly("OK");
        assertThat(browser.findElement(By.cssSelector("#feeds tr.feed .last-success")).getText())
                .startsWith("Last success 2026-11-23 ");
        screenshot("clinic.png");

        alerts.get(0).findElement(By.tagName("button")).click();

        WebElement notice = new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("p.notice")));
        assertThat(notice.getText()).contains("acknowledged");
        assertThat(browser.findElements(By.cssSelector("#alerts article.alert"))).hasSize(alerts.size() - 1);
        WebElement acknowledged = browser.findElement(By.tagName("details"));
        assertThat(acknowledged.getText()).contains("1 acknowledged");
        acknowledged.findElement(By.tagName("summary")).click();
        assertThat(acknowledged.findElement(By.cssSelector(".acknowledged-alert")).getText())
                .contains("Acknowledged by demo on ");
        assertThat(browser.findElement(By.id("signed-in-as")).getText()).as("the header names who is signed in")
                .isEqualTo("demo");
        screenshot("clinic-acknowledged.png");

        browser.findElement(By.id("audit-link")).click();
        List<String> events = browser.findElements(By.cssSelector("#audit tr.event")).stream().map(WebElement::getText)
                .toList();
        assertThat(events).as("who acknowledged which alert, and the sign-in, newest first").anySatisfy(e -> assertThat(e)
                .contains("demo", "POST", "/clinics/" + LAKESIDE + "/alerts/", "/acknowledge", "302"));
        assertThat(events).anySatisfy(e -> assertThat(e).contains("demo", "signed in", "/login"));
        assertThat(events.indexOf(events.stream().filter(e -> e.contains("/acknowledge")).findFirst().orElseThrow()))
                .isLessThan(events.indexOf(events.stream().filter(e -> e.contains("signed in")).findFirst()
                        .orElseThrow()));
        screenshot("audit.png");
    }

    /**
     * Signing out is recorded; then a name no user has is locked after five failed sign-ins all the
     * same, so the page does not tell which names exist.
     */
    @Test
    void signingOutIsRecordedAndANameIsLockedAfterFiveFailedSignIns() throws Exception {
        signIn();
        WebElement signOut = browser.findElement(By.cssSelector("header form button"));
        assertThat(signOut.getText()).isEqualTo("Sign out");
        signOut.click();
        Browser.awaitReplaced(browser, signOut, Duration.ofSeconds(30));
        assertThat(browser.getCurrentUrl()).endsWith("/login?logout");
        assertThat(audit.find("demo", null, 1)).extracting(AuditEvent::action, AuditEvent::path)
                .containsExactly(tuple("SIGN_OUT", "/logout"));

        for (int i = 1; i <= 5; i++) {
            browser.get(url("/login"));
            browser.findElement(By.id("username")).sendKeys("guesser");
            browser.findElement(By.id("password")).sendKeys("guess-number-" + i);
            signInAndWait();
            assertThat(browser.getCurrentUrl()).endsWith("/login?error");
            assertThat(browser.findElements(By.id("locked"))).isEmpty();
        }
        browser.get(url("/login"));
        browser.findElement(By.id("username")).sendKeys("Guesser");
        browser.findElement(By.id("password")).sendKeys("guess-number-6");
        signInAndWait();

        assertThat(browser.getCurrentUrl()).endsWith("/login?locked");
        assertThat(browser.findElement(By.id("locked")).getText()).isEqualTo("Too many failed sign-ins with this "
                + "name: it is locked for up to 15 minutes, even with the right password. Try again later, or ask an "
                + "administrator.");
        screenshot("login-locked.png");

        browser.findElement(By.id("username")).sendKeys("demo");
        browser.findElement(By.id("password")).sendKeys("demo");
        signInAndWait();
        browser.get(url("/audit"));
        List<WebElement> locked = browser.findElements(By.cssSelector("#locked-names tr.locked-name"));
        assertThat(locked).extracting(WebElement::getText).containsExactly("guesser 5 " + locked.get(0)
                .findElement(By.cssSelector("td:nth-child(3)")).getText() + " Unlock");
        assertThat(browser.findElement(By.id("audit")).getText()).contains("locked out");
        submit(locked.get(0).findElement(By.cssSelector("button.unlock")));

        assertThat(browser.findElement(By.id("action-message")).getText())
                .isEqualTo("Unlocked guesser: it can sign in again.");
        assertThat(browser.findElements(By.id("locked-names"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#audit tr.event"))).extracting(WebElement::getText)
                .anySatisfy(e -> assertThat(e).contains("guesser", "unlocked", "by=demo"))
                .anySatisfy(e -> assertThat(e).contains("demo", "POST", "/audit/unlock", "name=guesser"));
    }

    @Test
    void showsTheMonthInProgressAsProvisional() throws Exception {
        browser.get(url("/login"));
        browser.findElement(By.id("username")).sendKeys("demo");
        browser.findElement(By.id("password")).sendKeys("demo");
        signInAndWait();

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() ->
                runner.history("harbor-behavioral", 20).stream()
                        .anyMatch(r -> r.covers(YearMonth.of(2026, 11)) && r.status().equals("COMPLETED")));
        browser.get(url("/clinics/harbor-behavioral?month=" + YearMonth.of(2026, 11)));

        assertThat(browser.findElement(By.tagName("main")).getText())
                .contains("This month is not over yet: its figures are provisional and raise no alerts.");
        List<WebElement> rows = browser.findElements(By.cssSelector("#sources tr.source"));
        assertThat(rows).isNotEmpty().allSatisfy(row ->
                assertThat(row.findElement(By.className("provisional")).getText()).isEqualTo("provisional"));
    }

    /**
     * Waits until October 2026 is computed for every sandbox clinic: the first sync computes the
     * months of history on H2 (one run per clinic; seconds when idle).
     */
    static void awaitSandboxFigures(SandboxEmr sandbox, MonthlyMetricsRunner runner) {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() ->
                sandbox.world().clinics().stream().allMatch(c -> runner.history(c.id(), 20).stream()
                        .anyMatch(r -> r.covers(YearMonth.of(2026, 10)) && r.status().equals("COMPLETED"))));
    }

    private void signIn() {
        browser.get(url("/login"));
        browser.findElement(By.id("username")).sendKeys("demo");
        browser.findElement(By.id("password")).sendKeys("demo");
        signInAndWait();
    }

    /** Clicks and waits until the next page replaced this one, so nothing of the old page is read. */
    private void submit(WebElement element) {
        element.click();
        Browser.awaitReplaced(browser, element, Duration.ofSeconds(60));
    }

    private WebElement sourceRow(String orgKey) {
        String quoted = "\"" + orgKey.replace("\"", "\\\"") + "\"";
        return browser.findElement(By.cssSelector("#sources tr.source[data-org=" + quoted + "]"));
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static String count(WebElement notConverted, String kind) {
        return notConverted.findElement(By.cssSelector("tr.outcome-" + kind + " .count")).getText();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> notConverted(Map<String, Object> source) {
        return (Map<String, Object>) source.get("notConverted");
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    /** What became of the referrals, as the API counts them, in the words of the bar's label. */
    private static String outcomeText(Map<String, Object> source) {
        Map<String, Object> nc = notConverted(source);
        List<String> parts = new java.util.ArrayList<>();
        Object[][] counts = {{source.get("converted"), "converted"}, {nc.get("cancelled"), "cancelled"},
            {nc.get("visitMissed"), "visit missed"}, {nc.get("noVisit"), "no visit"}, {nc.get("waiting"), "waiting"}};
        for (Object[] c : counts) {
            if (number(c[0]) > 0) {
                parts.add(c[0] + " " + c[1]);
            }
        }
        return parts.isEmpty() ? "no referrals" : String.join(", ", parts);
    }

    private static String oneDecimal(Object value) {
        return value == null ? "–" : String.format(Locale.US, "%.1f", number(value));
    }

    private static String days(Object value) {
        if (value == null) {
            return "–";
        }
        double d = number(value);
        String n = Math.abs(d - Math.rint(d)) < 0.05 ? String.format(Locale.US, "%.0f", d)
                : String.format(Locale.US, "%.1f", d);
        return n + (n.equals("1") ? " day" : " days");
    }

    private static String money(Object value) {
        return String.format(Locale.US, "$%,.0f", number(value));
    }

    /** Submits the login form and waits until the next page replaced it, so no element of the login page is read. */
    private void signInAndWait() {
        WebElement signIn = browser.findElement(By.id("sign-in"));
        signIn.click();
        Browser.awaitReplaced(browser, signIn, Duration.ofSeconds(30));
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void screenshot(String name) throws Exception {
        Browser.screenshot(browser, name);
    }
}
