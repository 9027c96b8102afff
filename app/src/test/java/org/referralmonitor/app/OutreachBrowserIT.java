package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.referralmonitor.app.security.Roles;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * Outreach in a real headless Chromium: from an open alert on the clinic page, log a visit to one of
 * the practice's referring providers on its source page (the alert preselected, and acknowledged by it), set a cadence, and
 * see the practice leave the clinic's outreach due list and enter the return on outreach, too early
 * to tell. Only administrators and coordinators log outreach. What it changed is undone afterwards:
 * the test classes of the embedded default share one application.
 */
@EmbeddedDefaultTest
class OutreachBrowserIT {

    @LocalServerPort
    int port;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    OutreachLog outreach;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    WebApplicationContext context;

    @TempDir
    Path profile;

    ChromeDriver browser;
    Number answered;

    @BeforeEach
    void open() {
        DashboardBrowserIT.awaitSandboxFigures(sandbox, runner);
        browser = Browser.start(profile);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        jdbc.sql("DELETE FROM outreach").update();
        jdbc.sql("DELETE FROM outreach_cadence").update();
        if (answered != null) {
            jdbc.sql("UPDATE alert SET status = 'OPEN' WHERE id = :id").param("id", answered.longValue()).update();
        }
    }

    @Test
    void aCoordinatorAnswersAnAlertWithAVisitAndSetsACadence() throws Exception {
        Http http = new Http(port);
        List<Map<String, Object>> open = http.get("/api/v1/alerts?status=open", "demo", "demo")
                .json("$[?(@.kind != 'FEED')]");
        assertThat(open).as("the sandbox plants slowdowns").isNotEmpty();
        Map<String, Object> alert = open.get(0);
        answered = (Number) alert.get("id");
        String clinic = (String) alert.get("clinicId");
        String org = (String) alert.get("orgKey");
        String name = (String) alert.get("sourceName");
        LocalDate today = outreach.today(clinic);
        int due = outreach.due(clinic).size();
        signIn();
        browser.get(url("/"));

        assertThat(browser.findElements(By.cssSelector(".clinic-card a.outreach-due"))).extracting(WebElement::getText)
                .as("the start page's clinic card").contains(due + (due == 1 ? " practice" : " practices")
                        + " due for outreach");
        browser.get(url("/clinics/" + clinic));
        assertThat(browser.findElements(By.cssSelector("#outreach-due tr.due"))).extracting(r -> r.getAttribute("data-org"))
                .as("an alert nobody answered").contains(org);
        WebElement card = browser.findElements(By.cssSelector("#alerts article.alert")).stream()
                .filter(a -> !a.findElements(By.cssSelector("a.log-outreach[href*='alert=" + answered + "']")).isEmpty())
                .findFirst().orElseThrow();
        submit(card.findElement(By.className("log-outreach")));

        assertThat(browser.getCurrentUrl()).contains("/source?", "#outreach");
        assertThat(new Select(browser.findElement(By.id("alert-id"))).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo(String.valueOf(answered));
        assertThat(browser.findElement(By.id("contacted-on")).getAttribute("value")).isEqualTo(today.toString());
        assertThat(browser.findElement(By.id("no-outreach")).getText()).contains("No outreach logged");
        Select with = new Select(browser.findElement(By.id("provider")));
        assertThat(with.getFirstSelectedOption().getText()).isEqualTo("the practice");
        with.selectByIndex(1);
        String provider = with.getFirstSelectedOption().getText();
        assertThat(browser.findElements(By.cssSelector("#providers .provider-name"))).extracting(WebElement::getText)
                .as("the practice's providers on its page").contains(provider);
        new Select(browser.findElement(By.id("channel"))).selectByVisibleText("Visit");
        new Select(browser.findElement(By.id("topic"))).selectByVisibleText("Referral quality");
        new Select(browser.findElement(By.id("outcome"))).selectByVisibleText("Meeting booked");
        submit(browser.findElement(By.id("log-outreach-button")));

        assertThat(browser.findElement(By.id("action-message")).getText()).isEqualTo("Outreach to " + provider + " at "
                + name + " on " + today + " logged; the alert it answers is acknowledged.");
        List<WebElement> contacts = browser.findElements(By.cssSelector("#outreach-log tr.contact"));
        assertThat(contacts).hasSize(1);
        assertThat(contacts.get(0).findElement(By.className("with")).getText()).isEqualTo(provider);
        assertThat(contacts.get(0).getText()).contains(today.toString(), "Visit", "Referral quality", "Meeting booked",
                "#" + answered, "demo");
        assertThat(http.get("/api/v1/alerts/" + answered, "demo", "demo").<String>json("$.status"))
                .isEqualTo("ACKNOWLEDGED");
        assertThat(http.get("/api/v1/alerts/" + answered, "demo", "demo").<String>json("$.acknowledgedBy"))
                .as("the contact's author acknowledged it").isEqualTo("demo");
        WebElement providerReturn = browser.findElement(By.cssSelector("#provider-returns tr.provider-return"));
        assertThat(providerReturn.getText()).as("the provider contacted, on the practice's page")
                .startsWith(provider + " " + today);
        assertThat(providerReturn.findElement(By.className("after")).getText()).isEqualTo("too early");
        assertThat(http.get("/api/v1/clinics/" + clinic + "/outreach/return/providers?org=" + org, "demo", "demo")
                .<List<String>>json("$[*].practitionerKey")).hasSize(1);
        assertThat(http.get("/api/v1/clinics/" + clinic + "/outreach/return/providers", "demo", "demo")
                .<String>json("$.detail")).startsWith("org is required");

        WebElement days = browser.findElement(By.id("every-days"));
        days.clear();
        days.sendKeys("14");
        submit(browser.findElement(By.id("set-cadence")));
        assertThat(browser.findElement(By.id("action-message")).getText())
                .isEqualTo("Cadence set: every 14 days, next contact due " + today.plusDays(14) + ".");
        assertThat(browser.findElement(By.id("next-due")).getText()).isEqualTo(today.plusDays(14).toString());
        Browser.screenshot(browser, "source-outreach.png");

        browser.get(url("/clinics/" + clinic));
        assertThat(browser.findElements(By.cssSelector("#outreach-due tr.due"))).extracting(r -> r.getAttribute("data-org"))
                .as("answered, and its cadence is not up").doesNotContain(org);
        WebElement row = browser.findElement(By.cssSelector("#outreach-return tr.return"));
        assertThat(row.getAttribute("data-org")).isEqualTo(org);
        assertThat(row.findElement(By.className("after")).getText()).isEqualTo("too early");
        assertThat(browser.findElement(By.id("return-summary")).getText()).isEqualTo("1 practice contacted; none has a "
                + "final month after its first contact yet: too early to tell.");
        Browser.screenshot(browser, "clinic-outreach.png");
    }

    @Test
    void onlyAdministratorsAndCoordinatorsLogOutreach() throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        Map<String, Object> source = new Http(port).get("/api/v1/clinics/lakeside-ortho/sources?month=2026-10", "demo",
                "demo").<List<Map<String, Object>>>json("$.sources").get(0);
        String org = (String) source.get("orgKey");
        var manager = user("manager").roles(Roles.MANAGER);
        var coordinator = user("coordinator").roles(Roles.COORDINATOR);

        mvc.perform(post("/clinics/lakeside-ortho/outreach").param("org", org).param("channel", "CALL")
                        .param("topic", "VOLUME").param("outcome", "REACHED").with(manager).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post("/clinics/lakeside-ortho/outreach/cadence").param("org", org).param("everyDays", "30")
                        .with(manager).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(get("/clinics/lakeside-ortho/source").param("org", org).param("month", "2026-10").with(manager))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("id=\"outreach\"")))
                .andExpect(content().string(not(containsString("id=\"log-outreach\""))));
        mvc.perform(get("/clinics/lakeside-ortho/source").param("org", org).param("month", "2026-10").with(coordinator))
                .andExpect(content().string(containsString("id=\"log-outreach\"")));
        mvc.perform(get("/clinics/lakeside-ortho").with(coordinator))
                .andExpect(content().string(containsString(">Log outreach</a>")));
        mvc.perform(get("/clinics/lakeside-ortho").with(manager))
                .andExpect(content().string(containsString("id=\"outreach-return\"")))
                .andExpect(content().string(not(containsString(">Log outreach</a>"))));
        assertThat(outreach.find("lakeside-ortho", null, 10)).isEmpty();
    }

    private void signIn() {
        Browser.signIn(browser, port, "demo", "demo");
    }

    private void submit(WebElement element) {
        Browser.submit(browser, element);
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
