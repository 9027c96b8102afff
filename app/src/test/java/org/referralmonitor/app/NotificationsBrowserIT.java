package org.referralmonitor.app;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
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

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.referralmonitor.app.security.Roles;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * An administrator sets up where a clinic's alerts go, in a real headless Chromium on the embedded
 * default: adds a webhook channel (its URL named by a file, never typed into the page), sends a test
 * that arrives, is told why an address is refused, adds an e-mail channel whose test fails with the
 * reason (the embedded default has no mail server) and shows as failing, then removes both. Only
 * administrators keep channels. What it adds is removed afterwards: the test classes of the embedded
 * default share one application.
 */
@EmbeddedDefaultTest
class NotificationsBrowserIT {

    static final String CLINIC = "lakeside-ortho";

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    WebApplicationContext context;

    @TempDir
    Path profile;

    @TempDir
    Path secrets;

    ChromeDriver browser;
    WireMockServer webhook;

    @BeforeEach
    void open() {
        webhook = new WireMockServer(options().dynamicPort());
        webhook.start();
        webhook.stubFor(WireMock.post(urlEqualTo("/chat/T0KEN")).willReturn(aResponse().withStatus(200)));
        browser = Browser.start(profile);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        webhook.stop();
        jdbc.sql("DELETE FROM notification_channel WHERE origin = 'API'").update();
    }

    @Test
    void anAdministratorAddsTestsAndRemovesChannels() throws Exception {
        Path urlFile = secrets.resolve("chat-webhook-url");
        Files.writeString(urlFile, webhook.baseUrl() + "/chat/T0KEN");
        Browser.signIn(browser, port, "demo", "demo");
        browser.get(url("/clinics/" + CLINIC));
        assertThat(browser.findElement(By.id("no-channels")).getText()).startsWith("Alerts are not sent anywhere yet");

        assertThat(browser.findElement(By.id("secrets-allowed")).getAttribute("textContent")).as("in the closed form")
                .isEqualTo("environment variables "
                + "starting with RM_SECRET_, files under /run/secrets/referral-monitor/ or "
                + System.getProperty("java.io.tmpdir"));
        addChannel("front-desk", "Webhook (Slack, Teams, ...)", null, "env:RM_PSEUDONYM_KEY", false, false);
        assertThat(error()).as("the monitor's own secret").startsWith("Channel not added: url-ref names "
                + "env:RM_PSEUDONYM_KEY, which is not among the secrets the API and the dashboard may name: "
                + "environment variables starting with RM_SECRET_, files under");
        addChannel("front-desk", "Webhook (Slack, Teams, ...)", null, "file:" + urlFile, false, false);
        assertThat(message()).isEqualTo("Channel front-desk added. Send a test to check it.");
        WebElement row = channel("front-desk");
        assertThat(row.getText()).contains("webhook", "source alerts, feed alerts", "file:" + urlFile, "IDLE", "never")
                .doesNotContain("T0KEN");

        Browser.submit(browser, row.findElement(By.className("send-test")));
        assertThat(message()).isEqualTo("Test message sent to front-desk.");
        webhook.verify(1, postRequestedFor(urlEqualTo("/chat/T0KEN"))
                .withRequestBody(matchingJsonPath("$.kind", equalTo("test")))
                .withRequestBody(matchingJsonPath("$.text", containing("Lakeside Orthopedics"))));
        assertThat(channel("front-desk").findElement(By.className("channel-health")).getText()).isEqualTo("OK");

        addChannel("coordinators", "E-mail", "referrals@lakeside.test, not-an-address", null, true, false);
        assertThat(error()).isEqualTo("Channel not added: to: 'not-an-address' is not an e-mail address");
        addChannel("coordinators", "E-mail", "referrals@lakeside.test; intake@lakeside.test", null, true, true);
        assertThat(channel("coordinators").getText()).contains("e-mail", "source alerts, feed alerts, outreach due, monthly summary",
                "referrals@lakeside.test, intake@lakeside.test");
        Browser.submit(browser, channel("coordinators").findElement(By.className("send-test")));
        assertThat(error()).isEqualTo("Test message to coordinators not sent: no mail server is configured: set "
                + "spring.mail.host (and spring.mail.port, spring.mail.username, SPRING_MAIL_PASSWORD) to send e-mail");
        assertThat(channel("coordinators").getAttribute("class")).contains("failing");
        Browser.screenshot(browser, "clinic-notifications.png");
        browser.get(url("/"));
        assertThat(browser.findElements(By.cssSelector(".clinic-card .failing-channels a")))
                .extracting(WebElement::getText).as("the start page says so")
                .containsExactly("Alerts are not getting through: coordinators");
        browser.get(url("/clinics/" + CLINIC));

        Browser.submit(browser, channel("coordinators").findElement(By.className("remove")));
        assertThat(message()).isEqualTo("Channel coordinators removed.");
        Browser.submit(browser, channel("front-desk").findElement(By.className("remove")));
        assertThat(browser.findElements(By.id("no-channels"))).hasSize(1);
    }

    @Test
    void onlyAdministratorsKeepChannels() throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        var manager = user("manager").roles(Roles.MANAGER);
        var coordinator = user("coordinator").roles(Roles.COORDINATOR);

        mvc.perform(post("/clinics/" + CLINIC + "/notifications").param("channelId", "mine").param("kind", "email")
                        .param("to", "me@example.org").param("sourceAlerts", "true").with(coordinator).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post("/clinics/" + CLINIC + "/notifications/any/test").with(manager).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(get("/clinics/" + CLINIC).with(coordinator))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("id=\"notifications\"")))
                .andExpect(content().string(not(containsString("id=\"add-channel\""))));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification_channel").query(Integer.class).single()).isZero();
    }

    private void addChannel(String id, String kind, String to, String urlRef, boolean digest, boolean summary) {
        WebElement add = browser.findElement(By.id("add-channel"));
        if (add.getAttribute("open") == null) {
            add.findElement(By.tagName("summary")).click();
        }
        type("channel-id", id);
        new Select(browser.findElement(By.id("channel-kind"))).selectByVisibleText(kind);
        type("channel-to", to);
        type("channel-url-ref", urlRef);
        WebElement digestBox = browser.findElement(By.id("channel-digest"));
        if (digestBox.isSelected() != digest) {
            digestBox.click();
        }
        WebElement summaryBox = browser.findElement(By.id("channel-summary"));
        if (summaryBox.isSelected() != summary) {
            summaryBox.click();
        }
        Browser.submit(browser, browser.findElement(By.id("add-channel-button")));
    }

    private void type(String field, String text) {
        WebElement input = browser.findElement(By.id(field));
        input.clear();
        if (text != null) {
            input.sendKeys(text);
        }
    }

    private WebElement channel(String id) {
        return browser.findElement(By.cssSelector("#channels tr.channel[data-channel='" + id + "']"));
    }

    private String message() {
        return browser.findElement(By.id("action-message")).getText();
    }

    private String error() {
        return browser.findElement(By.id("action-error")).getText();
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
