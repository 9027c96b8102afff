package org.referralmonitor.app.notify;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.IngestProperties;
import tools.jackson.databind.json.JsonMapper;

/** A webhook's URL is a secret: whatever is wrong with it, the error says so without showing it. */
class WebhookSenderTest {

    @TempDir
    Path dir;

    final WebhookSender sender = new WebhookSender(new AppProperties(null, null, null, true, java.util.List.of(), null, null,
            new AppProperties.Notifications(java.time.Duration.ofMinutes(1), 8, java.time.Duration.ofMinutes(1),
                    "07:00", List.of(), "monitor@example.org", "", java.time.Duration.ofSeconds(2), List.of())),
            JsonMapper.builder().build(), new IngestProperties(List.of(), List.of(), false, "-", null, null, null, null,
                    null, new IngestProperties.EnteredSecrets(List.of("RM_TEST_"),
                            List.of(System.getProperty("java.io.tmpdir"))), null));

    @Test
    void aUrlWithoutAHostIsRefusedWithoutShowingIt() throws Exception {
        for (String url : List.of("https:/hooks.example.org/services/T0KEN", "https:hooks.example.org/T0KEN",
                "https://bad_host.example.org/T0KEN", "ftp://hooks.example.org/T0KEN")) {
            assertThatThrownBy(() -> sender.send(channel(file(url)), message()))
                    .as(url).isInstanceOf(SendFailedException.class)
                    .hasMessageEndingWith(": what is there is not an http(s) URL with a host")
                    .hasMessageNotContaining("T0KEN");
        }
        assertThatThrownBy(() -> sender.send(channel(file("not a url T0KEN")), message()))
                .hasMessageEndingWith(": what is there is not a URL").hasMessageNotContaining("T0KEN");
    }

    @Test
    void aMissingVariableReadsLikeAnUnreadableFile() {
        assertThatThrownBy(() -> sender.send(channel("env:RM_TEST_NO_SUCH_VARIABLE"), message()))
                .hasMessage("the webhook (URL from env:RM_TEST_NO_SUCH_VARIABLE): no URL could be read there (not set, "
                        + "or not readable by the monitor)");
        assertThatThrownBy(() -> sender.send(channel("file:" + dir.resolve("none")), message()))
                .hasMessageEndingWith(": no URL could be read there (not set, or not readable by the monitor)");
    }

    @Test
    void aChannelFromTheApiReadsOnlyTheAllowedVariablesAndFiles() {
        String tmp = System.getProperty("java.io.tmpdir");
        for (String ref : List.of("env:RM_PSEUDONYM_KEY", "file:/etc/referral-monitor/db-password",
                "file:" + Path.of(tmp, "..", "etc", "shadow"))) {
            assertThatThrownBy(() -> sender.send(channel(ref), message())).as(ref)
                    .hasMessage("the webhook (URL from " + ref + "): url-ref names " + ref + ", which is not among the "
                            + "secrets the API and the dashboard may name: environment variables starting with "
                            + "RM_TEST_, files under " + tmp + " (referral-monitor.ingest.entered-secrets; or define it "
                            + "in the configuration files)");
            NotificationChannel configured = new NotificationChannel("hook", "clinic", "WEBHOOK", List.of(), ref, true,
                    true, false, false, true, "CONFIG", null);
            // read (whoever writes the configuration runs the monitor): whatever is there is not a URL
            assertThatThrownBy(() -> sender.send(configured, message())).as("configured: " + ref)
                    .isInstanceOf(SendFailedException.class).hasMessageNotContaining("not among");
        }
    }

    @Test
    void aServerThatIsNotThereIsSaidSo() throws Exception {
        assertThatThrownBy(() -> sender.send(channel(file("http://127.0.0.1:9/T0KEN")), message()))
                .hasMessageEndingWith(" could not be reached (ConnectException)").hasMessageNotContaining("T0KEN");
    }

    private String file(String url) throws Exception {
        Path file = Files.createTempFile(dir, "url", ".txt");
        Files.writeString(file, url);
        return "file:" + file;
    }

    private static NotificationChannel channel(String urlRef) {
        return new NotificationChannel("hook", "clinic", "WEBHOOK", List.of(), urlRef, true, true, false, false, true, "API",
                null);
    }

    private static Message message() {
        return new Message("s", "t", Map.of("text", "t"));
    }
}
