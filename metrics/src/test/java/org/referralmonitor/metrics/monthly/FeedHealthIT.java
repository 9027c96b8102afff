package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.sync.SyncFinishedEvent;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * Feed health before alerts: when the feed is suspect, one FEED alert with the evidence and no
 * source alerts; once a recompute finds the feed sound, the FEED alert is resolved and the real
 * slowdowns (only those) are raised.
 */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = "referral-monitor.metrics.provisional-days=0")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class FeedHealthIT {

    static final YearMonth OCTOBER = YearMonth.of(2026, 10);
    static final OffsetDateTime NOV_20 = OffsetDateTime.of(2026, 11, 20, 8, 0, 0, 0, ZoneOffset.UTC);
    static final OffsetDateTime NOV_23 = OffsetDateTime.of(2026, 11, 23, 8, 0, 0, 0, ZoneOffset.UTC);

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Alerts alerts;

    @Autowired
    FeedHealth feed;

    @Autowired
    org.springframework.context.ApplicationEventPublisher events;

    @Test
    void aFailedSyncAndADropAcrossEverySourceRaiseOneFeedAlertInsteadOfFive() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("broken", "broken-emr");
        for (int i = 1; i <= 5; i++) {
            String org = "npi:100000000" + i;
            for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("broken-emr", org, null, m, 10, 7);
            }
            f.referrals("broken-emr", org, null, OCTOBER, 3, 2);
        }
        f.syncRun("broken-emr", "FAILED", NOV_20, 0, "ServiceRequest page 3: HTTP 401: token expired");

        assertThat(runner.run("broken", OCTOBER, true).status()).isEqualTo("COMPLETED");

        List<Alert> open = alerts.find("broken", "OPEN");
        assertThat(open).extracting(Alert::kind).containsExactly("FEED");
        Alert alert = open.get(0);
        assertThat(alert.orgKey()).isEqualTo("*");
        assertThat(alert.observed()).isEqualTo(15);
        assertThat(alert.expected()).isEqualTo(50.0);
        assertThat(alert.explanation()).isEqualTo("The feed may be incomplete for October 2026: the last sync of "
                + "broken-emr failed (ServiceRequest page 3: HTTP 401: token expired); 5 of 5 sources are at least 30% "
                + "below expected at once (15 referrals vs about 50 expected). Since October began: 1 failed sync (1 "
                + "with refused credentials), 0 of 0 pages retried, 0 resources announced but not received. Slowdown "
                + "alerts for the month are held until a recompute finds the feed sound.");
        FeedCheck check = feed.find("broken", OCTOBER).orElseThrow();
        assertThat(check.suspect()).isTrue();
        assertThat(check.stale()).isTrue();
        assertThat(check.authFailures()).isEqualTo(1);
        assertThat(check.sourcesDown()).isEqualTo(5);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM source_month WHERE clinic_id = 'broken' AND month_start = :m "
                + "AND practitioner_key = '*' AND status = 'SLOWDOWN'").param("m", OCTOBER.atDay(1))
                .query(Integer.class).single()).as("still shown as slowing down").isEqualTo(5);

        // the credentials are fixed: the next sync brings the rest of October
        f.runId = f.syncRun("broken-emr", "SUCCEEDED", NOV_23, 0, null);
        for (int i = 1; i <= 5; i++) {
            f.referrals("broken-emr", "npi:100000000" + i, null, OCTOBER, 7, 5);
        }
        assertThat(runner.run("broken", OCTOBER, true).status()).isEqualTo("COMPLETED");

        assertThat(alerts.find("broken", "OPEN")).isEmpty();
        assertThat(alerts.find(alert.id()).orElseThrow().status()).isEqualTo("RESOLVED");
        assertThat(feed.find("broken", OCTOBER).orElseThrow().suspect()).isFalse();
    }

    /**
     * The feed recovers with a sync that brings nothing new for the month: the month is checked again
     * after that sync all the same (its data did not change, so nothing else would compute it) and
     * its FEED alert is resolved. A disabled endpoint whose last sync, before the month, failed holds
     * nothing.
     */
    @Test
    void aSuccessfulSyncChecksASuspectMonthAgainAndADisabledEndpointHoldsNothing() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("recovers", "recovers-emr");
        for (int i = 1; i <= 3; i++) {
            for (YearMonth m = OCTOBER.minusMonths(12); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("recovers-emr", "npi:300000000" + i, null, m, 10, 7);
            }
        }
        long failed = f.syncRun("recovers-emr", "FAILED", NOV_20, 0, "Encounter page 2: HTTP 503 after 5 attempts");
        runner.run("recovers", OCTOBER, true);
        assertThat(alerts.find("recovers", "OPEN")).extracting(Alert::kind).containsExactly("FEED");

        long recovered = f.syncRun("recovers-emr", "SUCCEEDED", NOV_23, 0, null);
        jdbc.sql("UPDATE sync_run SET resources_written = 0 WHERE id IN (:ids)").param("ids", List.of(failed, recovered))
                .update();
        events.publishEvent(new SyncFinishedEvent("recovers-emr", "recovers", recovered, true, 0));

        await().atMost(Duration.ofSeconds(30)).until(() -> alerts.find("recovers", "OPEN").isEmpty());
        assertThat(feed.find("recovers", OCTOBER).orElseThrow().suspect()).isFalse();

        // a second endpoint, switched off after a failed sync in September: it holds nothing of October
        jdbc.sql("""
                INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at)
                VALUES ('recovers-old', 'recovers', 'recovers-old', 'http://127.0.0.1:9/fhir/', 100, '-', FALSE, 'API', :t)
                """).param("t", NOV_20).update();
        f.syncRun("recovers-old", "FAILED", OffsetDateTime.of(2026, 9, 20, 8, 0, 0, 0, ZoneOffset.UTC), 0,
                "HTTP 401: the EMR refused our credentials");
        assertThat(runner.run("recovers", OCTOBER, true).status()).isEqualTo("COMPLETED");
        FeedCheck withDisabled = feed.find("recovers", OCTOBER).orElseThrow();
        assertThat(withDisabled.suspect()).as("a disabled endpoint").isFalse();
        assertThat(withDisabled.evidence()).endsWith("Not checked, disabled with no sync since October began: "
                + "recovers-old.");
    }

    /**
     * Three small sources, each expecting 3, two of them at 2 in October: most sources are "down", but
     * 7 against 9 expected is an ordinary month (about one in three months of such a clinic), not a
     * broken feed.
     */
    @Test
    void aFewSmallSourcesEachALittleLowAreNotABrokenFeed() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("small", "small-emr");
        for (int i = 1; i <= 3; i++) {
            for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("small-emr", "npi:400000000" + i, null, m, 3, 2);
            }
            f.referrals("small-emr", "npi:400000000" + i, null, OCTOBER, i == 3 ? 3 : 2, 1);
        }
        f.syncRun("small-emr", "SUCCEEDED", NOV_20, 0, null);

        assertThat(runner.run("small", OCTOBER, true).status()).isEqualTo("COMPLETED");

        FeedCheck check = feed.find("small", OCTOBER).orElseThrow();
        assertThat(check.sourcesDown()).isEqualTo(2);
        assertThat(check.sourcesEvaluable()).isEqualTo(3);
        assertThat(check.suspect()).as(check.evidence()).isFalse();
        assertThat(alerts.find("small", "OPEN")).extracting(Alert::kind).doesNotContain("FEED");
    }

    /**
     * A sync that changed nothing and followed a successful one does not check a suspect month again
     * within the hour (its feed was checked minutes ago): no job run is queued for it.
     */
    @Test
    void aSuspectMonthIsNotCheckedAgainAfterEverySyncThatChangedNothing() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("calm", "calm-emr");
        for (int i = 1; i <= 3; i++) {
            for (YearMonth m = OCTOBER.minusMonths(12); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("calm-emr", "npi:500000000" + i, null, m, 10, 7);
            }
        }
        f.syncRun("calm-emr", "SUCCEEDED", NOV_20, 12, null);
        runner.run("calm", OCTOBER, true);
        assertThat(alerts.find("calm", "OPEN")).extracting(Alert::kind).containsExactly("FEED");
        int runs = runner.history("calm", 50).size();

        long quiet = f.syncRun("calm-emr", "SUCCEEDED", NOV_23, 12, null);
        events.publishEvent(new SyncFinishedEvent("calm-emr", "calm", quiet, true, 0));

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> runner.history("calm", 50).size() == runs);
        assertThat(alerts.find("calm", "OPEN")).extracting(Alert::kind).containsExactly("FEED");
    }

    @Test
    void aShortSyncHoldsARealSlowdownUntilTheFeedIsWholeAgain() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("short", "short-emr");
        for (int i = 1; i <= 3; i++) {
            String org = "npi:200000000" + i;
            for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("short-emr", org, null, m, 10, 7);
            }
            f.referrals("short-emr", org, null, OCTOBER, i == 1 ? 3 : 10, i == 1 ? 2 : 7);
        }
        f.syncRun("short-emr", "SUCCEEDED", NOV_20, 12, null);

        runner.run("short", OCTOBER, true);

        assertThat(alerts.find("short", "OPEN")).extracting(Alert::kind).containsExactly("FEED");
        assertThat(alerts.find("short", "OPEN").get(0).explanation()).contains("the last sync of short-emr received 12 "
                + "resources fewer than the EMR announced", "12 resources announced but not received");

        f.syncRun("short-emr", "SUCCEEDED", NOV_23, 0, null);
        runner.run("short", OCTOBER, true);

        assertThat(alerts.find("short", "OPEN")).extracting(Alert::kind, Alert::orgKey)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("SLOWDOWN", "npi:2000000001"));
    }
}
