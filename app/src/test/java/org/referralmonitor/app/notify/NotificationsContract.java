package org.referralmonitor.app.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.jayway.jsonpath.JsonPath;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.Http;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Alerts and outreach reminders reach people: one message per channel for the alerts opened since
 * the last look, never twice, again when an alert is reopened; a webhook that fails, is slow or a mail
 * server that is down loses nothing (retried with waits, marked failed after max-attempts, retried on
 * demand); the daily outreach digest; channels kept through the API by administrators only. The same
 * tests on PostgreSQL ({@link NotificationsIT}) and on the embedded default's H2
 * ({@link NotificationsH2IT}). A real SMTP server (GreenMail) and a real HTTP server (WireMock) take
 * the messages. The scheduler is kept out of the way (dispatch-interval 1h): each test dispatches.
 */
abstract class NotificationsContract {

    static final String CLINIC = "lakeside-ortho";
    static final String EMAIL = "lakeside-email";
    static final String HOOK = "lakeside-hook";
    static final String TO = "referrals@lakeside.test";
    static final String ADMIN_PW = "admin-test-password";
    static final String MANAGER_PW = "manager-test-password";
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    static final WireMockServer WEBHOOK = new WireMockServer(options().dynamicPort());
    static GreenMail mail;
    static int smtpPort;
    static final Path URL_FILE;
    private static final AtomicInteger ORGS = new AtomicInteger();

    static {
        WEBHOOK.start();
        mail = new GreenMail(new ServerSetup(0, "localhost", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        smtpPort = mail.getSmtp().getPort();
        try {
            URL_FILE = Files.createTempFile("webhook-url", ".txt");
            Files.writeString(URL_FILE, WEBHOOK.baseUrl() + "/hooks/T0KEN-secret\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void channels(DynamicPropertyRegistry registry) {
        // the channels these tests keep through the API name files in the temporary directory
        registry.add("referral-monitor.ingest.entered-secrets.file-dirs", () -> URL_FILE.getParent().toString());
        registry.add("referral-monitor.ingest.entered-secrets.env-prefixes", () -> "RM_SECRET_,RM_TEST_");
        registry.add("spring.mail.host", () -> "localhost");
        registry.add("spring.mail.port", () -> smtpPort);
        registry.add("spring.mail.properties.mail.smtp.connectiontimeout", () -> 2000);
        registry.add("referral-monitor.app.notifications.dispatch-interval", () -> "1h");
        registry.add("referral-monitor.app.notifications.max-attempts", () -> 3);
        registry.add("referral-monitor.app.notifications.retry-delay", () -> "10ms");
        registry.add("referral-monitor.app.notifications.webhook-timeout", () -> "1s");
        registry.add("referral-monitor.app.notifications.public-url", () -> "https://monitor.example.org/");
        registry.add("referral-monitor.app.notifications.channels[0].id", () -> EMAIL);
        registry.add("referral-monitor.app.notifications.channels[0].clinic", () -> CLINIC);
        registry.add("referral-monitor.app.notifications.channels[0].kind", () -> "email");
        registry.add("referral-monitor.app.notifications.channels[0].to[0]", () -> TO);
        registry.add("referral-monitor.app.notifications.channels[0].feed-alerts", () -> false);
        registry.add("referral-monitor.app.notifications.channels[0].outreach-digest", () -> true);
        registry.add("referral-monitor.app.notifications.channels[1].id", () -> HOOK);
        registry.add("referral-monitor.app.notifications.channels[1].clinic", () -> CLINIC);
        registry.add("referral-monitor.app.notifications.channels[1].kind", () -> "webhook");
        registry.add("referral-monitor.app.notifications.channels[1].url-ref", () -> "file:" + URL_FILE);
    }

    @LocalServerPort
    int port;

    @Autowired
    NotificationDispatcher dispatcher;

    @Autowired
    AlertWriter writer;

    @Autowired
    Alerts alerts;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Deliveries deliveries;

    @Autowired
    NotificationChannels channels;

    @Autowired
    Clock clock;

    @Autowired
    @Qualifier("notifications")
    HealthIndicator notificationsHealth;

    Http http;

    @BeforeEach
    void clean() throws Exception {
        http = new Http(port);
        WEBHOOK.resetAll();
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(200)));
        dispatcher.dispatch(); // what earlier tests left owed
        jdbc.sql("DELETE FROM notification WHERE digest_day IS NOT NULL").update();
        jdbc.sql("UPDATE alert SET status = 'RESOLVED' WHERE clinic_id = :c").param("c", CLINIC).update();
        WEBHOOK.resetRequests();
        mail.purgeEmailFromAllMailboxes();
    }

    @Test
    void newAlertsGoOutOnceAsOneMessagePerChannelAndAgainWhenReopened() throws Exception {
        String slowing = org();
        String dark = org();
        raise("SLOWDOWN", slowing, 4, 11.0, "Practice A: 4 referrals in October vs about 11 expected.", 1250.0);
        raise("GONE_DARK", dark, 0, 6.0, "Practice B: no referral for 52 days.", null);

        assertThat(dispatcher.dispatch()).as("2 alerts x 2 channels").isEqualTo(4);

        MimeMessage email = onlyEmail();
        assertThat(email.getSubject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: 2 new alerts");
        assertThat(email.getAllRecipients()[0].toString()).isEqualTo(TO);
        String body = text(email);
        assertThat(body).contains("Slowdown, October 2026", "Practice A: 4 referrals in October vs about 11 expected.",
                "Revenue at risk: $1,250", "Gone dark, October 2026", "Practice B: no referral for 52 days.",
                "https://monitor.example.org/clinics/lakeside-ortho/source?org=" + slowing.replace(":", "%3A")
                        + "&month=2026-10&alert=" + alertId("SLOWDOWN", slowing));
        String hook = onlyWebhookBody();
        assertThat((String) JsonPath.read(hook, "$.kind")).isEqualTo("alerts");
        assertThat((List<String>) JsonPath.read(hook, "$.alerts[*].orgKey")).containsExactlyInAnyOrder(slowing, dark);
        assertThat((String) JsonPath.read(hook, "$.text")).contains("Practice B: no referral for 52 days.");
        assertThat((List<Double>) JsonPath.read(hook, "$.alerts[?(@.kind == 'SLOWDOWN')].revenueAtRisk"))
                .containsExactly(1250.0);

        assertThat(dispatcher.dispatch()).as("nothing is sent twice").isZero();
        raise("SLOWDOWN", slowing, 3, 11.0, "Practice A: 3 referrals in October vs about 11 expected.", 1500.0);
        assertThat(dispatcher.dispatch()).as("new numbers for an open alert are not a new alert").isZero();

        long id = alertId("SLOWDOWN", slowing);
        assertThat(alerts.acknowledge(id, now(), "jordan.lee").orElseThrow().acknowledgedBy()).isEqualTo("jordan.lee");
        writer.resolve(List.of(new AlertWriter.Resolve(CLINIC, "SLOWDOWN", slowing, OCTOBER, "recovered")), now());
        assertThat(alerts.find(id).orElseThrow().acknowledgedBy()).as("kept with the resolved alert")
                .isEqualTo("jordan.lee");
        raise("SLOWDOWN", slowing, 2, 11.0, "Practice A: 2 referrals in October vs about 11 expected.", 1700.0);
        assertThat(alerts.find(id).orElseThrow()).as("reopened: nobody has acknowledged it yet")
                .extracting(Alert::status, Alert::acknowledgedBy, Alert::acknowledgedAt)
                .containsExactly("OPEN", null, null);
        assertThat(dispatcher.dispatch()).as("a reopened alert is sent again, to both channels").isEqualTo(2);
        assertThat(emails()).hasSize(2);
        assertThat(emails()[1].getSubject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: 1 new alert");
        assertThat(jdbc.sql("""
                SELECT n.status FROM notification n JOIN alert a ON a.id = n.alert_id
                WHERE n.channel_id = :ch AND a.org_key IN (:orgs)
                """).param("ch", EMAIL).param("orgs", List.of(slowing, dark)).query(String.class).list())
                .as("the reopened alert is owed once more, as opened anew").containsExactly("SENT", "SENT", "SENT");
    }

    @Test
    void feedAlertsGoOnlyToChannelsThatWantThem() throws Exception {
        raise("FEED", AlertWriter.CLINIC, 40, 120.0, "Referrals fell at 9 of 10 sources at once.", null);

        assertThat(dispatcher.dispatch()).isEqualTo(1);

        assertThat(emails()).as("the e-mail channel has feed-alerts false").isEmpty();
        String hook = onlyWebhookBody();
        assertThat((List<String>) JsonPath.read(hook, "$.alerts[*].label")).containsExactly("Feed suspect");
        assertThat((List<String>) JsonPath.read(hook, "$.alerts[*].link"))
                .containsExactly("https://monitor.example.org/clinics/lakeside-ortho?month=2026-10");
    }

    @Test
    void anAlertAcknowledgedBeforeItIsSentIsNotSent() {
        String seen = org();
        raise("SLOWDOWN", seen, 4, 11.0, "fewer", null);
        alerts.acknowledge(alertId("SLOWDOWN", seen), now(), "coordinator");
        assertThat(dispatcher.dispatch()).as("acknowledged before the first look: never owed").isZero();

        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(503)));
        String waiting = org();
        raise("SLOWDOWN", waiting, 4, 11.0, "fewer", null);
        assertThat(dispatcher.dispatch()).as("the e-mail goes out, the webhook's part waits").isEqualTo(1);
        alerts.acknowledge(alertId("SLOWDOWN", waiting), now(), "coordinator");
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(200)));
        WEBHOOK.resetRequests();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            dispatcher.dispatch();
            return !"PENDING".equals(hookPart(waiting).get("status"));
        });
        assertThat(hookPart(waiting)).containsEntry("status", "SKIPPED")
                .containsEntry("last_error", "the alert was acknowledged or resolved before it was sent");
        assertThat(WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret")))).isEmpty();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE alert_id = :id")
                .param("id", alertId("SLOWDOWN", seen)).query(Integer.class).single()).isZero();
    }

    @Test
    void aFailingWebhookIsRetriedThenMarkedFailedAndSentWhenAnAdministratorRetries() {
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(500)));
        String org = org();
        raise("SLOWDOWN", org, 4, 11.0, "fewer", null);

        assertThat(dispatcher.dispatch()).as("the e-mail goes out, the webhook fails").isEqualTo(1);
        Map<String, Object> part = hookPart(org);
        assertThat(part).containsEntry("status", "PENDING").containsEntry("attempts", 1);
        assertThat((String) part.get("last_error")).isEqualTo("the webhook (URL from file:" + URL_FILE
                + ") answered HTTP 500");
        Http.Reply channel = http.get("/api/v1/notification-channels/" + HOOK, "manager", MANAGER_PW);
        assertThat((String) channel.json("$.health")).isEqualTo("FAILING");
        assertThat(channel.body()).as("the webhook's URL is a secret").doesNotContain("T0KEN");

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            dispatcher.dispatch();
            return "FAILED".equals(hookPart(org).get("status"));
        });
        assertThat(hookPart(org)).containsEntry("attempts", 3);
        assertThat(WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret")))).hasSize(3);
        assertThat(dispatcher.dispatch()).as("given up on: not tried again by itself").isZero();
        Health health = notificationsHealth.health();
        assertThat(health.getStatus()).as("a failing channel does not take the monitor down").isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("failing", 1);
        assertThat((Map<String, Object>) health.getDetails().get(HOOK)).containsEntry("health", "FAILING")
                .containsEntry("failed", 1);

        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(204)));
        assertThat(http.post("/api/v1/notification-channels/" + HOOK + "/retry", "manager", MANAGER_PW).status())
                .as("only administrators retry").isEqualTo(403);
        Http.Reply retried = http.post("/api/v1/notification-channels/" + HOOK + "/retry", "admin", ADMIN_PW);
        assertThat((Integer) retried.json("$.requeued")).isEqualTo(1);
        assertThat(dispatcher.dispatch()).isEqualTo(1);
        assertThat(hookPart(org)).containsEntry("status", "SENT");
        assertThat((String) http.get("/api/v1/notification-channels/" + HOOK, "admin", ADMIN_PW).json("$.health"))
                .isEqualTo("OK");
        List<LoggedRequest> attempts = WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret")));
        assertThat(attempts).hasSize(4);
        String key = attempts.get(0).getHeader("Idempotency-Key");
        assertThat(key).as("a receiver can drop what it got twice").matches("[0-9a-f]{32}");
        assertThat(attempts).allSatisfy(r -> {
            assertThat(r.getHeader("Idempotency-Key")).isEqualTo(key);
            assertThat((String) JsonPath.read(r.getBodyAsString(), "$.id")).isEqualTo(key);
        });
    }

    @Test
    void aWebhookThatDoesNotAnswerInTimeIsRetried() {
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
        String org = org();
        raise("SLOWDOWN", org, 4, 11.0, "fewer", null);

        dispatcher.dispatch();

        assertThat(hookPart(org)).containsEntry("status", "PENDING")
                .containsEntry("last_error", "the webhook (URL from file:" + URL_FILE + ") did not answer within 1 s");
    }

    @Test
    void aMailServerThatIsDownLosesNothing() throws Exception {
        mail.stop();
        String org = org();
        raise("SLOWDOWN", org, 4, 11.0, "Practice C: 4 referrals in October vs about 11 expected.", null);
        try {
            assertThat(dispatcher.dispatch()).as("only the webhook").isEqualTo(1);
            Map<String, Object> part = emailPart(org);
            assertThat(part).containsEntry("status", "PENDING").containsEntry("attempts", 1);
            assertThat((String) part.get("last_error")).startsWith("the mail server did not take the message");
            assertThat(http.get("/actuator/health", null, null).<String>json("$.status"))
                    .as("a mail server that is down does not take the monitor down").isEqualTo("UP");
        } finally {
            mail = new GreenMail(new ServerSetup(smtpPort, "localhost", ServerSetup.PROTOCOL_SMTP));
            mail.start();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.dispatch() == 1);
        MimeMessage sent = onlyEmail();
        assertThat(text(sent)).contains("Practice C: 4 referrals in October");
        assertThat(emailPart(org)).containsEntry("status", "SENT").containsEntry("attempts", 2);
        assertThat(sent.getMessageID()).matches("<[0-9a-f]{32}@referral-monitor>");

        // the process stopped after the mail server took it, before the outbox said so: sent again,
        // as the same message (a mailbox that has it can drop the copy)
        jdbc.sql("""
                UPDATE notification SET status = 'PENDING', sent_at = NULL
                WHERE channel_id = :ch AND alert_id = :alert
                """).param("ch", EMAIL).param("alert", alertId("SLOWDOWN", org)).update();
        mail.purgeEmailFromAllMailboxes();
        assertThat(dispatcher.dispatch()).isEqualTo(1);
        assertThat(onlyEmail().getMessageID()).isEqualTo(sent.getMessageID());
    }

    /**
     * On 2026-11-23 (the fixed clock) September is the newest final month: October ended 23 days
     * before, under provisional-days (45).
     */
    @Test
    void aMonthsSummaryGoesOutOnceWhenItsFiguresAreFinal() throws Exception {
        YearMonth september = OCTOBER.minusMonths(1);
        String slowing = org();
        String steady = org();
        Http.Reply put = http.call("PUT", "/api/v1/notification-channels/lakeside-summary", """
                {"clinic": "lakeside-ortho", "kind": "email", "to": ["managers@lakeside.test"], "sourceAlerts": false,
                 "feedAlerts": false, "monthlySummary": true}""", "admin", ADMIN_PW);
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        assertThat(put.<Boolean>json("$.monthlySummary")).isTrue();
        try {
            assertThat(dispatcher.queueSummaries()).as("no figures for September yet").isZero();
            for (Object[] row : List.<Object[]>of(new Object[] {slowing, 6, 3, 12.0, "SLOWDOWN"},
                    new Object[] {steady, 9, 5, 8.0, "STEADY"})) {
                jdbc.sql("""
                        INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                                  history_months, baseline, status, computed_at, provisional)
                        VALUES (:c, :m, :o, '*', :r, :conv, 12, :b, :s, :at, TRUE)
                        """).param("c", CLINIC).param("m", september.atDay(1)).param("o", row[0]).param("r", row[1])
                        .param("conv", row[2]).param("b", row[3]).param("s", row[4]).param("at", now()).update();
            }
            assertThat(dispatcher.queueSummaries()).as("figures computed while the month was provisional").isZero();

            jdbc.sql("UPDATE source_month SET provisional = FALSE WHERE clinic_id = :c AND month_start = :m")
                    .param("c", CLINIC).param("m", september.atDay(1)).update();
            jdbc.sql("UPDATE source_month SET status = NULL WHERE org_key = :o").param("o", slowing).update();
            assertThat(dispatcher.queueSummaries()).as("a run wrote the final rows and has not judged them all yet")
                    .isZero();
            jdbc.sql("UPDATE source_month SET status = 'SLOWDOWN' WHERE org_key = :o").param("o", slowing).update();
            assertThat(dispatcher.queueSummaries()).isEqualTo(1);

            MimeMessage summary = onlyEmail();
            assertThat(summary.getAllRecipients()[0].toString()).isEqualTo("managers@lakeside.test");
            assertThat(summary.getSubject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: September 2026 in figures");
            assertThat(text(summary)).contains("- 15 referrals from 2 practices, about 20 expected (-25%)\n",
                    "- 53% converted to a visit (8 of 15)\n", "- 1 practice slowing down\n",
                    "- " + slowing + ": 6 vs about 12 expected (-50%), slowing down\n").doesNotContain(steady + ":");
            assertThat(dispatcher.queueSummaries()).as("once a month").isZero();
            assertThat(dispatcher.dispatch()).isZero();
            assertThat(emails()).hasSize(1);
            assertThat(WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret"))))
                    .as("the configured channels do not take summaries").isEmpty();
        } finally {
            channels.delete("lakeside-summary");
            jdbc.sql("DELETE FROM source_month WHERE clinic_id = :c AND month_start = :m").param("c", CLINIC)
                    .param("m", september.atDay(1)).update();
        }
    }

    /**
     * Months missed while the monitor was stopped (the channel's last summary was June's; September
     * is the newest final month): the months after the last one, oldest first, each once its figures
     * are final; July, without figures, is passed over; August, not final yet, holds September back.
     */
    @Test
    void summariesMissedWhileStoppedGoOutInOrderOnceFinal() throws Exception {
        YearMonth august = YearMonth.of(2026, 8);
        YearMonth september = YearMonth.of(2026, 9);
        String org = org();
        Http.Reply put = http.call("PUT", "/api/v1/notification-channels/lakeside-catch-up", """
                {"clinic": "lakeside-ortho", "kind": "email", "to": ["managers@lakeside.test"], "sourceAlerts": false,
                 "feedAlerts": false, "monthlySummary": true}""", "admin", ADMIN_PW);
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        try {
            jdbc.sql("""
                    INSERT INTO notification (channel_id, summary_month, status, attempts, next_attempt_at, created_at,
                                              sent_at)
                    VALUES ('lakeside-catch-up', :june, 'SENT', 1, :at, :at, :at)
                    """).param("june", LocalDate.of(2026, 6, 1)).param("at", now()).update();
            for (YearMonth m : List.of(august, september)) {
                jdbc.sql("""
                        INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                                  history_months, baseline, status, computed_at, provisional)
                        VALUES (:c, :m, :o, '*', 9, 5, 12, 8.0, 'STEADY', :at, :provisional)
                        """).param("c", CLINIC).param("m", m.atDay(1)).param("o", org).param("at", now())
                        .param("provisional", m.equals(august)).update();
            }
            assertThat(dispatcher.queueSummaries()).as("August's figures are not final yet: September waits").isZero();

            jdbc.sql("UPDATE source_month SET provisional = FALSE WHERE org_key = :o").param("o", org).update();
            assertThat(dispatcher.queueSummaries()).as("July has no figures; August, then September").isEqualTo(2);

            assertThat(emails()).extracting(MimeMessage::getSubject).containsExactly(
                    "[referral-monitor] Lakeside Orthopedics: August 2026 in figures",
                    "[referral-monitor] Lakeside Orthopedics: September 2026 in figures");
            assertThat(dispatcher.queueSummaries()).as("each month once").isZero();
            assertThat(emails()).hasSize(2);
        } finally {
            channels.delete("lakeside-catch-up");
            jdbc.sql("DELETE FROM source_month WHERE org_key = :o").param("o", org).update();
        }
    }

    @Test
    void theOutreachDigestListsThePracticesDueOnceADay() throws Exception {
        String org = org();
        raise("SLOWDOWN", org, 4, 11.0, "fewer", null);
        dispatcher.dispatch();
        mail.purgeEmailFromAllMailboxes();

        assertThat(dispatcher.queueDigests()).as("the e-mail channel has outreach-digest").isEqualTo(1);
        MimeMessage digest = onlyEmail();
        assertThat(digest.getSubject()).matches("\\[referral-monitor] Lakeside Orthopedics: \\d+ practices? due for outreach");
        assertThat(text(digest)).contains(org + ": slowdown alert for October 2026 not yet answered");

        assertThat(dispatcher.queueDigests()).as("once a day").isZero();
        assertThat(emails()).hasSize(1);
    }

    @Test
    void manyAlertsGoOutInMessagesAChatToolTakesWhole() throws Exception {
        int many = NotificationDispatcher.ALERTS_PER_MESSAGE + 2;
        for (int i = 0; i < many; i++) {
            raise("SLOWDOWN", org(), 4, 11.0, "fewer " + i, null);
        }

        assertThat(dispatcher.dispatch()).isEqualTo(2 * many);

        assertThat(mail.waitForIncomingEmail(5000, 2)).isTrue();
        assertThat(emails()).extracting(MimeMessage::getSubject).containsExactly(
                "[referral-monitor] Lakeside Orthopedics: " + NotificationDispatcher.ALERTS_PER_MESSAGE + " new alerts",
                "[referral-monitor] Lakeside Orthopedics: 2 new alerts");
        assertThat(WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret")))).hasSize(2);
    }

    @Test
    void anAlertReopenedWhileItsFirstSendingWaitsGoesOutOnce() {
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(502)));
        String org = org();
        raise("SLOWDOWN", org, 4, 11.0, "first", null);
        dispatcher.dispatch();
        writer.resolve(List.of(new AlertWriter.Resolve(CLINIC, "SLOWDOWN", org, OCTOBER, "recovered")), now());
        raise("SLOWDOWN", org, 2, 11.0, "reopened", null);
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/T0KEN-secret")).willReturn(aResponse().withStatus(200)));
        WEBHOOK.resetRequests();

        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.dispatch() > 0);

        String hook = onlyWebhookBody();
        assertThat((List<String>) JsonPath.read(hook, "$.alerts[*].explanation")).containsExactly("reopened");
        assertThat(jdbc.sql("""
                SELECT n.status FROM notification n JOIN alert a ON a.id = n.alert_id
                WHERE n.channel_id = :ch AND a.org_key = :o ORDER BY n.id
                """).param("ch", HOOK).param("o", org).query(String.class).list()).containsExactly("SKIPPED", "SENT");
    }

    @Test
    void aChannelThatCannotSendFailsAloneAndSaysWhy() throws Exception {
        String broken = "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"webhook\",\"urlRef\":\"env:RM_TEST_NO_SUCH_HOOK\","
                + "\"outreachDigest\":true}";
        assertThat(http.call("PUT", "/api/v1/notification-channels/a-broken-hook", broken, "admin", ADMIN_PW).status())
                .isEqualTo(201);
        try {
            raise("SLOWDOWN", org(), 4, 11.0, "Practice D: served anyway.", null);

            assertThat(dispatcher.dispatch()).as("served first, it fails; the other channels are served").isEqualTo(2);
            assertThat(text(onlyEmail())).contains("Practice D: served anyway.");
            Http.Reply reply = http.get("/api/v1/notification-channels/a-broken-hook", "admin", ADMIN_PW);
            assertThat((String) reply.json("$.health")).isEqualTo("FAILING");
            assertThat((String) reply.json("$.lastError")).isEqualTo("the webhook (URL from env:RM_TEST_NO_SUCH_HOOK): "
                    + "no URL could be read there (not set, or not readable by the monitor)");
            assertThat((Integer) reply.json("$.pending")).as("retried, not lost").isEqualTo(1);

            mail.purgeEmailFromAllMailboxes();
            assertThat(dispatcher.queueDigests()).as("both digest channels are owed the day's list").isEqualTo(2);
            assertThat(text(onlyEmail())).contains("due for outreach at Lakeside Orthopedics");
        } finally {
            http.delete("/api/v1/notification-channels/a-broken-hook", "admin", ADMIN_PW);
        }
    }

    @Test
    void digestsThatPiledUpGoOutAsOneWithTodaysList() throws Exception {
        String org = org();
        raise("GONE_DARK", org, 0, 6.0, "dark", null);
        dispatcher.dispatch();
        mail.purgeEmailFromAllMailboxes();
        java.time.LocalDate today = now().atZoneSameInstant(java.time.ZoneId.of("America/New_York")).toLocalDate();
        deliveries.enqueueDigest(EMAIL, today.minusDays(3), now());
        deliveries.enqueueDigest(EMAIL, today.minusDays(1), now());

        assertThat(dispatcher.dispatch()).isEqualTo(1);

        assertThat(text(onlyEmail())).contains(org + ": gone dark alert for October 2026 not yet answered");
        assertThat(jdbc.sql("SELECT status FROM notification WHERE channel_id = :ch AND digest_day IS NOT NULL "
                + "AND digest_day < :today ORDER BY digest_day").param("ch", EMAIL).param("today", today)
                .query(String.class).list()).containsExactly("SKIPPED", "SENT");
    }

    @Test
    void aChannelTakesOnlyAlertsOpenedAfterItTookThem() throws Exception {
        Path opsUrl = Files.createTempFile("ops-webhook-url", ".txt");
        Files.writeString(opsUrl, WEBHOOK.baseUrl() + "/hooks/ops");
        WEBHOOK.stubFor(post(urlEqualTo("/hooks/ops")).willReturn(aResponse().withStatus(200)));
        String channel = "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"webhook\",\"urlRef\":\"file:" + opsUrl + "\","
                + "\"feedAlerts\":%s}";
        assertThat(http.call("PUT", "/api/v1/notification-channels/ops-feed", channel.formatted("false"), "admin",
                ADMIN_PW).status()).isEqualTo(201);
        try {
            raise("FEED", AlertWriter.CLINIC, 40, 120.0, "Referrals fell at 9 of 10 sources at once.", null);
            dispatcher.dispatch();
            assertThat(WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/ops")))).as("feed alerts not wanted").isEmpty();

            assertThat(http.call("PUT", "/api/v1/notification-channels/ops-feed", channel.formatted("true"), "admin",
                    ADMIN_PW).status()).isEqualTo(200);
            assertThat(dispatcher.dispatch()).as("opened before the channel took feed alerts").isZero();

            writer.raise(List.of(new AlertWriter.Raise(CLINIC, "FEED", AlertWriter.CLINIC, OCTOBER.minusMonths(1), 30,
                    110.0, null, "September's feed too.", null)), now());
            dispatcher.dispatch();
            List<LoggedRequest> ops = WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/ops")));
            assertThat(ops).hasSize(1);
            assertThat(ops.get(0).getBodyAsString()).contains("September's feed too.").doesNotContain("9 of 10");
        } finally {
            http.delete("/api/v1/notification-channels/ops-feed", "admin", ADMIN_PW);
        }
    }

    @Test
    void aChannelRemovedFromTheConfigurationIsDisabledAndAnAdministratorsToRemove() {
        jdbc.sql("""
                INSERT INTO notification_channel (id, clinic_id, kind, email_to, source_alerts, feed_alerts,
                    outreach_digest, enabled, origin, created_at, updated_at, alerts_since)
                VALUES ('old-config', :c, 'EMAIL', 'old@lakeside.test', TRUE, TRUE, TRUE, TRUE, 'CONFIG', :t, :t, :t)
                """).param("c", CLINIC).param("t", now()).update();
        deliveries.enqueueDigest("old-config", java.time.LocalDate.of(2026, 11, 20), now());
        assertThat(http.delete("/api/v1/notification-channels/old-config", "admin", ADMIN_PW).status())
                .as("while in the configuration").isEqualTo(400);

        channels.registerConfigured();

        NotificationChannel old = channels.find("old-config").orElseThrow();
        assertThat(old.enabled()).isFalse();
        assertThat(old.origin()).isEqualTo(NotificationChannels.ORIGIN_API);
        assertThat(jdbc.sql("SELECT status FROM notification WHERE channel_id = 'old-config'").query(String.class)
                .single()).isEqualTo("SKIPPED");
        assertThat(channels.find(EMAIL).orElseThrow().origin()).isEqualTo(NotificationChannels.ORIGIN_CONFIG);
        assertThat(http.delete("/api/v1/notification-channels/old-config", "admin", ADMIN_PW).status()).isEqualTo(204);
    }

    @Test
    void administratorsKeepChannelsThroughTheApi() {
        String ops = "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"webhook\",\"urlRef\":\"file:" + URL_FILE
                + "\",\"sourceAlerts\":false}";
        assertThat(http.call("PUT", "/api/v1/notification-channels/ops-hook", ops, "manager", MANAGER_PW).status())
                .isEqualTo(403);
        Http.Reply created = http.call("PUT", "/api/v1/notification-channels/ops-hook", ops, "admin", ADMIN_PW);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.headers().getLocation()).hasPath("/api/v1/notification-channels/ops-hook");
        assertThat((Boolean) created.json("$.sourceAlerts")).isFalse();
        assertThat((Boolean) created.json("$.feedAlerts")).isTrue();
        assertThat((String) created.json("$.health")).isEqualTo("IDLE");
        assertThat(http.get("/api/v1/notification-channels?clinic=" + CLINIC, "manager", MANAGER_PW)
                .list("$[*].id")).containsExactly("lakeside-email", "lakeside-hook", "ops-hook");

        Http.Reply tested = http.post("/api/v1/notification-channels/ops-hook/test", "admin", ADMIN_PW);
        assertThat((Boolean) tested.json("$.sent")).isTrue();
        WEBHOOK.verify(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(matchingJsonPath("$.kind", equalTo("test"))));

        assertProblem(http.call("PUT", "/api/v1/notification-channels/ops-hook",
                "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"sms\"}", "admin", ADMIN_PW), "kind 'sms' must be email or webhook");
        assertProblem(http.call("PUT", "/api/v1/notification-channels/ops-hook",
                "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"webhook\",\"urlRef\":\"https://hooks.example.org/T0KEN\"}",
                "admin", ADMIN_PW), "url-ref (webhook URL from) must say where the webhook's URL is kept");
        assertProblem(http.call("PUT", "/api/v1/notification-channels/ops-mail",
                "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"email\",\"to\":[\"not an address\"]}", "admin", ADMIN_PW),
                "to: 'not an address' is not an e-mail address");
        assertProblem(http.call("PUT", "/api/v1/notification-channels/ops-mail",
                "{\"clinic\":\"nowhere\",\"kind\":\"email\",\"to\":[\"a@b.test\"]}", "admin", ADMIN_PW),
                "clinic 'nowhere' is not defined");
        assertProblem(http.call("PUT", "/api/v1/notification-channels/" + EMAIL,
                "{\"clinic\":\"" + CLINIC + "\",\"kind\":\"email\",\"to\":[\"a@b.test\"]}", "admin", ADMIN_PW),
                "is defined in config/application.yml");
        assertThat(http.delete("/api/v1/notification-channels/" + EMAIL, "admin", ADMIN_PW).status()).isEqualTo(400);

        assertThat(http.delete("/api/v1/notification-channels/ops-hook", "admin", ADMIN_PW).status()).isEqualTo(204);
        assertThat(http.get("/api/v1/notification-channels/ops-hook", "admin", ADMIN_PW).status()).isEqualTo(404);
    }

    private static void assertProblem(Http.Reply reply, String detail) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat((String) reply.json("$.detail")).contains(detail);
    }

    private void raise(String kind, String org, int observed, double expected, String explanation, Double revenue) {
        writer.raise(List.of(new AlertWriter.Raise(CLINIC, kind, org, OCTOBER, observed, expected, 0.01, explanation,
                revenue)), now());
    }

    private long alertId(String kind, String org) {
        return jdbc.sql("SELECT id FROM alert WHERE clinic_id = :c AND kind = :k AND org_key = :o")
                .param("c", CLINIC).param("k", kind).param("o", org).query(Long.class).single();
    }

    private Map<String, Object> hookPart(String org) {
        return part(HOOK, org);
    }

    private Map<String, Object> emailPart(String org) {
        return part(EMAIL, org);
    }

    private Map<String, Object> part(String channel, String org) {
        Map<String, Object> row = jdbc.sql("""
                SELECT n.status, n.attempts, n.last_error FROM notification n JOIN alert a ON a.id = n.alert_id
                WHERE n.channel_id = :ch AND a.org_key = :o
                """).param("ch", channel).param("o", org).query().singleRow();
        return Map.of("status", row.get("status"), "attempts", ((Number) row.get("attempts")).intValue(),
                "last_error", row.get("last_error") == null ? "" : row.get("last_error"));
    }

    private MimeMessage onlyEmail() {
        assertThat(mail.waitForIncomingEmail(5000, 1)).isTrue();
        MimeMessage[] received = emails();
        assertThat(received).hasSize(1);
        return received[0];
    }

    private static String text(MimeMessage message) throws Exception {
        return message.getContent().toString().replace("\r\n", "\n");
    }

    private MimeMessage[] emails() {
        return mail.getReceivedMessages();
    }

    private String onlyWebhookBody() {
        List<LoggedRequest> requests = WEBHOOK.findAll(postRequestedFor(urlEqualTo("/hooks/T0KEN-secret")));
        assertThat(requests).hasSize(1);
        return requests.get(0).getBodyAsString();
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }

    /** A practice of its own per use, so the tests' alerts never meet. */
    private static String org() {
        return "npi:notify-" + ORGS.incrementAndGet() + "-" + System.nanoTime();
    }
}
