package org.referralmonitor.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Debian's headless Chromium and ChromeDriver, as installed by .ci/run; no driver download. */
final class Browser {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("RM_CHROMIUM", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getenv().getOrDefault("RM_CHROMEDRIVER", "/usr/bin/chromedriver"));

    private Browser() {
    }

    static ChromeDriver start(Path profile) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("Headless Chromium is needed for the dashboard tests: " + CHROMIUM + " and "
                    + DRIVER + " must exist. Install Debian's chromium and chromium-driver (.ci/run does), or point "
                    + "RM_CHROMIUM and RM_CHROMEDRIVER at them.");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,2400", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().implicitlyWait(Duration.ZERO);
        return driver;
    }

    /** Signs in on the login page and waits until the next page replaced it. */
    static void signIn(WebDriver browser, int port, String user, String password) {
        browser.get("http://localhost:" + port + "/login");
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(password);
        submit(browser, browser.findElement(By.id("sign-in")));
    }

    /** Clicks and waits until the next page replaced this one, so nothing of the old page is read. */
    static void submit(WebDriver browser, WebElement element) {
        element.click();
        awaitReplaced(browser, element, Duration.ofSeconds(60));
    }

    /** Saves what the browser shows as target/screenshots/{name}. */
    static void screenshot(TakesScreenshot browser, String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }

    /**
     * Waits until the element's page was replaced. Like Selenium's {@code stalenessOf}, but also
     * taking ChromeDriver's "Node with given id does not belong to the document" (which it reports
     * instead of a stale element while the old document is being replaced) for what it is.
     */
    static void awaitReplaced(WebDriver browser, WebElement element, Duration timeout) {
        new WebDriverWait(browser, timeout).until(d -> {
            try {
                element.isEnabled();
                return false;
            } catch (StaleElementReferenceException e) {
                return true;
            } catch (WebDriverException e) {
                if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                    return true;
                }
                throw e;
            }
        });
    }
}
