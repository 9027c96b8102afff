package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard in a real headless Chromium: sign in as the sandbox's demo user, open a clinic,
 * see its sources against their baselines with the planted slowdowns flagged, and acknowledge
 * an alert. Screenshots land in app/target/screenshots/.
 */
@EmbeddedDefaultTest
class DashboardBrowserIT {

    @LocalServerPort
    int port;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    MonthlyMetricsRunner runner;

    @TempDir
    Path profile;

    ChromeDriver browser;

    @BeforeEach
    void open() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                sandbox.world().clinics().stream().allMatch(c -> runner.history(c.id(), 20).stream()
                        .anyMatch(r -> r.month().equals("2026-10") && r.status().equals("COMPLETED"))));
        browser = Browser.start(profile);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
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
        assertThat(browser.findElement(By.tagName("details")).getText()).contains("1 acknowledged");
        screenshot("clinic-acknowledged.png");
    }

    @Test
    void showsTheMonthInProgressAsProvisional() throws Exception {
        browser.get(url("/login"));
        browser.findElement(By.id("username")).sendKeys("demo");
        browser.findElement(By.id("password")).sendKeys("demo");
        signInAndWait();

        browser.get(url("/clinics/harbor-behavioral?month=" + YearMonth.of(2026, 11)));

        assertThat(browser.findElement(By.tagName("main")).getText())
                .contains("This month is not over yet: its figures are provisional and raise no alerts.");
    }

    /** Submits the login form and waits until the next page replaced it, so no element of the login page is read. */
    private void signInAndWait() {
        WebElement signIn = browser.findElement(By.id("sign-in"));
        signIn.click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.stalenessOf(signIn));
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private void screenshot(String name) throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }
}
