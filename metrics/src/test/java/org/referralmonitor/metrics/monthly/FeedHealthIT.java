package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
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
import org.referralmonitor.metrics.alert.AlertWriter;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.feed.EndpointFeed;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * Feed health before alerts: when the feed is suspect, one FEED alert per suspect endpoint with its
 * evidence (or one for the clinic when only the drop across sources shows it) and no source alerts;
 * once a recompute finds the feed sound, the FEED alerts are resolved and the real slowdowns (only
 * those) are raised.
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
    AlertWriter writer;

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
        assertThat(alert.orgKey()).isEqualTo("broken-emr");
        assertThat(alert.endpointName()).isEqualTo("broken-emr");
        assertThat(alert.observed()).isEqualTo(15);
        assertThat(alert.expected()).isEqualTo(50.0);
        assertThat(alert.explanation()).isEqualTo("The feed of broken-emr may be incomplete for October 2026: its last "
                + "sync failed (ServiceRequest page 3: HTTP 401: token expired); 5 of 5 sources are at least 30% "
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
        f.endpoint("recovers", "recovers-old", "recovers-old", false);
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
        threeSourcesTheFirstSlowingInOctober(f, "short-emr", "npi:200000000");
        f.syncRun("short-emr", "SUCCEEDED", NOV_20, 12, null);

        runner.run("short", OCTOBER, true);

        assertThat(alerts.find("short", "OPEN")).extracting(Alert::kind).containsExactly("FEED");
        assertThat(alerts.find("short", "OPEN").get(0).explanation()).contains("The feed of short-emr may be incomplete "
                + "for October 2026: its last sync received 12 resources fewer than the EMR announced",
                "12 resources announced but not received");

        f.syncRun("short-emr", "SUCCEEDED", NOV_23, 0, null);
        runner.run("short", OCTOBER, true);

        assertThat(alerts.find("short", "OPEN")).extracting(Alert::kind, Alert::orgKey)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("SLOWDOWN", "npi:2000000001"));
    }

    /**
     * A server whose count includes what it never lists: each sync falls short exactly as its first
     * pass did (steady, the watermark moved on). That is recorded once in the evidence, not taken as
     * missing data and not summed over the syncs that repeat it, so the real slowdown is raised; a
     * shortfall beyond the steady one still makes the feed suspect.
     */
    @Test
    void aSteadyShortfallIsRecordedButHoldsNoAlert() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("steady", "steady-emr");
        threeSourcesTheFirstSlowingInOctober(f, "steady-emr", "npi:300000000");
        steady(f.syncRun("steady-emr", "SUCCEEDED", NOV_20, 4, null), 4);
        steady(f.syncRun("steady-emr", "SUCCEEDED", NOV_23, 4, null), 4);

        runner.run("steady", OCTOBER, true);

        assertThat(alerts.find("steady", "OPEN")).extracting(Alert::kind, Alert::orgKey)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("SLOWDOWN", "npi:3000000001"));
        FeedCheck check = feed.find("steady", OCTOBER).orElseThrow();
        assertThat(check.suspect()).isFalse();
        assertThat(check.countMismatch()).as("not summed over the syncs that repeat it").isZero();
        assertThat(check.evidence()).contains("0 resources announced but not received",
                "steady-emr: The EMR steadily announces 4 resources more than it sends");

        steady(f.syncRun("steady-emr", "SUCCEEDED", NOV_23.plusHours(1), 6, null), 4);
        runner.run("steady", OCTOBER, true);

        assertThat(alerts.find("steady", "OPEN")).as("the slowdown raised before stays")
                .filteredOn(a -> a.kind().equals("FEED")).singleElement()
                .satisfies(a -> assertThat(a.explanation())
                        .contains("its last sync received 2 resources fewer than the EMR announced"));
    }

    /** Three practices (NPIs prefix + 1..3) of 10 a month; in October the first sends 3. */
    private static void threeSourcesTheFirstSlowingInOctober(ReferralFixture f, String endpointId, String npiPrefix) {
        for (int i = 1; i <= 3; i++) {
            String org = npiPrefix + i;
            for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
                f.referrals(endpointId, org, null, m, 10, 7);
            }
            f.referrals(endpointId, org, null, OCTOBER, i == 1 ? 3 : 10, i == 1 ? 2 : 7);
        }
    }

    private void steady(long syncRunId, int steadyMismatch) {
        jdbc.sql("UPDATE sync_run SET steady_mismatch = :steady WHERE id = :id").param("steady", steadyMismatch)
                .param("id", syncRunId).update();
    }

    /**
     * A clinic of two endpoints, one whose last sync failed and one healthy: one FEED alert, keyed by
     * and naming the failing endpoint only, holds the real slowdown; a clinic-wide FEED alert of an
     * earlier version is resolved in its favour, and the endpoint's own failure opens though that one
     * was acknowledged (news, not the same drop told another way). Once the endpoint syncs successfully, a recompute
     * resolves its alert and raises the slowdown.
     */
    @Test
    void oneFailingEndpointOfTwoRaisesOneFeedAlertNamingItUntilItSyncsAgain() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("pair", "pair-west");
        f.endpoint("pair", "pair-east", "Pair East EMR", true);
        f.syncRun("pair-east", "SUCCEEDED", ReferralFixture.SEEN, 0, null);
        steadySources(f, "pair-west", "npi:600000000", 3, 1);
        f.syncRun("pair-east", "FAILED", NOV_20, 0, "Encounter page 2: HTTP 503 after 5 attempts");
        f.syncRun("pair-west", "SUCCEEDED", NOV_20, 0, null);
        writer.raise(List.of(new AlertWriter.Raise("pair", "FEED", AlertWriter.CLINIC, OCTOBER, 23, 30.0, null,
                "The feed may be incomplete for October 2026: raised per clinic.", null)), NOV_20);
        Alert clinicWide = alerts.find("pair", "OPEN").get(0);
        alerts.acknowledge(clinicWide.id(), NOV_20, "coordinator-1");

        assertThat(runner.run("pair", OCTOBER, true).status()).isEqualTo("COMPLETED");

        List<Alert> open = alerts.find("pair", "OPEN");
        assertThat(open).extracting(Alert::kind, Alert::orgKey).containsExactly(tuple("FEED", "pair-east"));
        Alert alert = open.get(0);
        assertThat(alert.endpointName()).isEqualTo("Pair East EMR");
        assertThat(alert.sourceName()).isNull();
        assertThat(alert.explanation()).isEqualTo("The feed of Pair East EMR may be incomplete for October 2026: its "
                + "last sync failed (Encounter page 2: HTTP 503 after 5 attempts). Since October began: 1 failed sync, "
                + "0 of 0 pages retried, 0 resources announced but not received. Slowdown alerts for the month are "
                + "held until a recompute finds the feed sound.").doesNotContain("pair-west");
        Alert replaced = alerts.find(clinicWide.id()).orElseThrow();
        assertThat(replaced.status()).isEqualTo("RESOLVED");
        assertThat(replaced.resolvedReason()).startsWith("Recomputed: raised for the endpoints whose feed is suspect "
                + "instead. The feed may be incomplete for October 2026: the last sync of Pair East EMR failed");
        FeedCheck check = feed.find("pair", OCTOBER).orElseThrow();
        assertThat(check.suspect()).isTrue();
        assertThat(check.evidence()).contains("the last sync of Pair East EMR failed").doesNotContain("pair-west");
        assertThat(check.endpoints()).as("each endpoint's result, stored with the clinic's")
                .extracting(EndpointFeed::endpointId, EndpointFeed::suspect)
                .containsExactly(tuple("pair-east", true), tuple("pair-west", false));
        assertThat(check.incomplete(check.endpoints().get(0))).as("the stored result tells what the alert told")
                .isEqualTo(alert.explanation().replace(" Slowdown alerts for the month are held until a recompute "
                        + "finds the feed sound.", ""));
        assertThat(check.endpoints().get(1).problems()).isEmpty();

        f.syncRun("pair-east", "SUCCEEDED", NOV_23, 0, null);
        assertThat(runner.run("pair", OCTOBER, true).status()).isEqualTo("COMPLETED");

        assertThat(alerts.find("pair", "OPEN")).extracting(Alert::kind, Alert::orgKey)
                .containsExactly(tuple("SLOWDOWN", "npi:6000000001"));
        Alert resolved = alerts.find(alert.id()).orElseThrow();
        assertThat(resolved.status()).isEqualTo("RESOLVED");
        assertThat(resolved.resolvedReason()).startsWith("Recomputed: No sign of missing data for October 2026.");
    }

    /** Both endpoints suspect: a FEED alert each, each with its own evidence; one recovering resolves its own. */
    @Test
    void twoSuspectEndpointsRaiseAFeedAlertEach() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("twin", "twin-a");
        f.endpoint("twin", "twin-b", "Twin B EMR", true);
        steadySources(f, "twin-a", "npi:700000000", 3, 0);
        f.syncRun("twin-a", "FAILED", NOV_20, 0, "HTTP 401: the EMR refused our credentials");
        f.syncRun("twin-b", "SUCCEEDED", NOV_20, 7, null);

        assertThat(runner.run("twin", OCTOBER, true).status()).isEqualTo("COMPLETED");

        List<Alert> open = alerts.find("twin", "OPEN");
        assertThat(open).extracting(Alert::kind, Alert::orgKey, Alert::endpointName).containsExactlyInAnyOrder(
                tuple("FEED", "twin-a", "twin-a"), tuple("FEED", "twin-b", "Twin B EMR"));
        Alert a = open.stream().filter(x -> x.orgKey().equals("twin-a")).findFirst().orElseThrow();
        Alert b = open.stream().filter(x -> x.orgKey().equals("twin-b")).findFirst().orElseThrow();
        assertThat(a.explanation()).startsWith("The feed of twin-a may be incomplete for October 2026: its last sync "
                + "failed (HTTP 401: the EMR refused our credentials). Since October began: 1 failed sync (1 with "
                + "refused credentials),").doesNotContain("Twin B EMR");
        assertThat(b.explanation()).startsWith("The feed of Twin B EMR may be incomplete for October 2026: its last "
                + "sync received 7 resources fewer than the EMR announced. Since October began: 0 failed syncs, 0 of 0 "
                + "pages retried, 7 resources announced but not received.").doesNotContain("twin-a");

        f.syncRun("twin-a", "SUCCEEDED", NOV_23, 0, null);
        assertThat(runner.run("twin", OCTOBER, true).status()).isEqualTo("COMPLETED");

        assertThat(alerts.find("twin", "OPEN")).extracting(Alert::orgKey).containsExactly("twin-b");
        assertThat(alerts.find(a.id()).orElseThrow().resolvedReason()).startsWith("Recomputed: twin-a shows no sign "
                + "of missing data for October 2026. Since October began: 1 failed sync");
    }

    /**
     * Most sources down at once while no endpoint's sync record shows a problem: the drop is the
     * alert of the clinic's one checked endpoint (a disabled one with no sync is left out); with two
     * endpoints syncing, no single one shows it, so the alert is the clinic's, acknowledged as the
     * endpoint's it replaces was (the same drop, told another way). Once the referrals arrive, the
     * clinic-wide alert is resolved.
     */
    @Test
    void aDropAcrossSourcesIsTheOneEndpointsOrElseTheClinics() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("spread", "spread-a");
        f.endpoint("spread", "spread-b", "Spread B EMR", false);
        for (int i = 1; i <= 5; i++) {
            String org = "npi:800000000" + i;
            for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
                f.referrals("spread-a", org, null, m, 10, 7);
            }
            f.referrals("spread-a", org, null, OCTOBER, 3, 2);
        }
        f.syncRun("spread-a", "SUCCEEDED", NOV_20, 0, null);

        assertThat(runner.run("spread", OCTOBER, true).status()).isEqualTo("COMPLETED");

        List<Alert> open = alerts.find("spread", "OPEN");
        assertThat(open).extracting(Alert::kind, Alert::orgKey).containsExactly(tuple("FEED", "spread-a"));
        Alert attributed = open.get(0);
        assertThat(attributed.explanation()).startsWith("The feed of spread-a may be incomplete for October 2026: 5 of "
                + "5 sources are at least 30% below expected at once (15 referrals vs about 50 expected). Since October "
                + "began: 0 failed syncs,");
        OffsetDateTime seen = NOV_20.plusHours(2);
        alerts.acknowledge(attributed.id(), seen, "coordinator-1");

        // the second endpoint is switched on and syncs: the drop is no longer one endpoint's
        jdbc.sql("UPDATE emr_endpoint SET enabled = TRUE WHERE id = 'spread-b'").update();
        f.syncRun("spread-b", "SUCCEEDED", NOV_20, 0, null);
        assertThat(runner.run("spread", OCTOBER, true).status()).isEqualTo("COMPLETED");

        assertThat(alerts.find("spread", "OPEN")).as("the acknowledged drop, not put before the coordinator again")
                .isEmpty();
        List<Alert> acknowledged = alerts.find("spread", "ACKNOWLEDGED");
        assertThat(acknowledged).extracting(Alert::kind, Alert::orgKey).containsExactly(tuple("FEED", "*"));
        Alert clinicWide = acknowledged.get(0);
        assertThat(clinicWide.acknowledgedBy()).isEqualTo("coordinator-1");
        assertThat(clinicWide.acknowledgedAt()).isAtSameInstantAs(seen);
        assertThat(clinicWide.endpointName()).isNull();
        assertThat(clinicWide.explanation()).startsWith("The feed may be incomplete for October 2026: 5 of 5 sources "
                + "are at least 30% below expected at once").contains("The drop is seen across sources and no single "
                + "endpoint's sync record shows it.");
        assertThat(alerts.find(attributed.id()).orElseThrow().resolvedReason()).startsWith("Recomputed: spread-a shows "
                + "no sign of missing data for October 2026.");

        f.runId = f.syncRun("spread-a", "SUCCEEDED", NOV_23, 0, null);
        for (int i = 1; i <= 5; i++) {
            f.referrals("spread-a", "npi:800000000" + i, null, OCTOBER, 7, 5);
        }
        assertThat(runner.run("spread", OCTOBER, true).status()).isEqualTo("COMPLETED");

        assertThat(alerts.find("spread", "OPEN")).isEmpty();
        assertThat(alerts.find(clinicWide.id()).orElseThrow().resolvedReason())
                .startsWith("Recomputed: No sign of missing data for October 2026.");
    }

    /** {@code count} sources of the endpoint at 10 a month for a year; in October, source {@code slowing} (if any) at 3. */
    private static void steadySources(ReferralFixture f, String endpointId, String orgPrefix, int count, int slowing) {
        for (int i = 1; i <= count; i++) {
            for (YearMonth m = OCTOBER.minusMonths(12); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
                boolean slow = i == slowing && m.equals(OCTOBER);
                f.referrals(endpointId, orgPrefix + i, null, m, slow ? 3 : 10, slow ? 2 : 7);
            }
        }
    }
}
