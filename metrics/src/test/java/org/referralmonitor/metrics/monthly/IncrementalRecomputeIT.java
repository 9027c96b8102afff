package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.sync.SyncFinishedEvent;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * After a sync, only the months its changed referrals and visits belong to are recomputed (and the
 * month in progress, always provisional): late data, a referral back-dated into a closed month,
 * updates that month and its flags; a visit that arrives later updates its referral's month.
 */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = {"referral-monitor.metrics.provisional-days=0", "referral-monitor.metrics.recompute-months=2"})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class IncrementalRecomputeIT {

    static final YearMonth SEPTEMBER = YearMonth.of(2026, 9);
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);
    static final String LAKESIDE = "npi:1245319599";

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Alerts alerts;

    @Autowired
    ApplicationEventPublisher events;

    @Autowired
    MonthlyAggregation aggregation;

    ReferralFixture f;

    @BeforeEach
    void seed() {
        f = new ReferralFixture(jdbc);
        if (jdbc.sql("SELECT COUNT(*) FROM clinic WHERE id = 'late'").query(Integer.class).single() > 0) {
            return;
        }
        f.clinic("late", "late-emr");
        f.organization("late-emr", "o1", "Lakeside Family Practice", "1245319599");
        for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("late-emr", LAKESIDE, null, m, 10, 7);
        }
        f.referrals("late-emr", LAKESIDE, null, OCTOBER, 4, 3);
        for (YearMonth m = SEPTEMBER; !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
            assertThat(runner.run("late", m, true).status()).isEqualTo("COMPLETED");
        }
    }

    @Test
    void aReferralBackDatedIntoAClosedMonthUpdatesItAndItsFlags() {
        Alert slowdown = alerts.find("late", "OPEN", OCTOBER, "SLOWDOWN").get(0);
        assertThat(slowdown.observed()).isEqualTo(4);

        long before = sync(() -> {
            for (int day = 20; day < 26; day++) {
                f.referral("late-emr", LAKESIDE, null, LocalDate.of(2026, 10, day), "active", null);
            }
        });

        // October (touched) and November (in progress) only
        assertRecomputed(before, "2026-10/2026-11");
        assertThat(jdbc.sql("SELECT referrals FROM source_month WHERE clinic_id = 'late' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("org", LAKESIDE)
                .query(Integer.class).single()).isEqualTo(10);
        assertThat(jdbc.sql("SELECT status FROM source_month WHERE clinic_id = 'late' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("org", LAKESIDE)
                .query(String.class).single()).isEqualTo("STEADY");
        Alert after = alerts.find(slowdown.id()).orElseThrow();
        assertThat(after.status()).isEqualTo("RESOLVED");
        assertThat(after.resolvedReason()).isEqualTo("Recomputed: 10 referrals vs about 10 expected is no longer "
                + "flagged as slowdown");
    }

    /** With provisional-days 0, October is final on 2026-11-23 (the fixed clock). */
    @Test
    void aMonthsFiguresAreReadyWhenFinalJudgedAndNoRunOfTheClinicWaits() {
        assertThat(runner.newestFinalMonth("late")).isEqualTo(OCTOBER);
        assertThat(runner.finalFiguresReady("late", OCTOBER)).isTrue();
        assertThat(runner.finalFiguresReady("late", OCTOBER.plusMonths(2))).as("no figures").isFalse();
        assertThat(runner.finalFiguresReady("late", OCTOBER.plusMonths(1))).as("in progress: provisional").isFalse();
        jdbc.sql("""
                INSERT INTO metrics_run_request (clinic_id, from_month, to_month, recompute, trigger_text, requested_at)
                VALUES ('late', :m, :m, FALSE, 'a run waiting', :at)
                """).param("m", OCTOBER.atDay(1)).param("at", java.time.OffsetDateTime.now()).update();
        try {
            assertThat(runner.finalFiguresReady("late", OCTOBER)).as("a run waiting may rewrite them").isFalse();
        } finally {
            jdbc.sql("DELETE FROM metrics_run_request WHERE trigger_text = 'a run waiting'").update();
        }
        jdbc.sql("UPDATE source_month SET status = NULL WHERE clinic_id = 'late' AND month_start = :m AND org_key = :o "
                + "AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("o", LAKESIDE).update();
        try {
            assertThat(runner.finalFiguresReady("late", OCTOBER)).as("written, not judged yet").isFalse();
        } finally {
            assertThat(runner.run("late", OCTOBER, true).status()).isEqualTo("COMPLETED");
        }
        assertThat(runner.finalFiguresReady("late", OCTOBER)).isTrue();
    }

    @Test
    void aVisitThatArrivesLaterRecomputesItsReferralsMonth() {
        String referral = jdbc.sql("""
                SELECT r.resource_id FROM referral r WHERE r.endpoint_id = 'late-emr' AND r.authored_month = :m
                  AND NOT EXISTS (SELECT 1 FROM referral_conversion rc WHERE rc.endpoint_id = r.endpoint_id
                                  AND rc.referral_id = r.resource_id)
                ORDER BY r.resource_id LIMIT 1
                """).param("m", SEPTEMBER.atDay(1)).query(String.class).single();
        int convertedBefore = converted(SEPTEMBER);

        long before = sync(() -> f.visit("late-emr", referral, LocalDate.of(2026, 9, 25), "finished", true));

        assertRecomputed(before, "2026-09", "2026-11");
        assertThat(converted(SEPTEMBER)).isEqualTo(convertedBefore + 1);
    }

    /**
     * A visit whose new version stops naming a referral of another patient (its basedOn) changes that
     * referral's month, though neither the referral nor its patient's visits changed: ingest's linking
     * reports the month ({@link SyncFinishedEvent#relinkedMonths()}), and it is counted again.
     */
    @Test
    void aReferralAVisitStopsNamingIsCountedAgainInItsMonth() {
        String visit = septemberVisitInAnotherChart();
        int convertedBefore = converted(SEPTEMBER);

        long before = sync(() -> {
            stopNamingItsReferral(visit, f.runId);
        }, SEPTEMBER.atDay(1));

        assertRecomputed(before, "2026-09", "2026-11");
        assertThat(converted(SEPTEMBER)).isEqualTo(convertedBefore - 1);
    }

    /**
     * A month older than recompute-months is not recomputed after the sync that changed it, but the
     * months whose baselines include it no longer reuse its kept counts: they count it again.
     */
    @Test
    void aSyncIntoAnOldMonthIsCountedAgainByTheMonthsWhoseBaselineHoldsIt() {
        YearMonth november = OCTOBER.plusMonths(1);
        YearMonth old = YearMonth.of(2025, 11);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        int baselineBefore = baselineReferrals(november);
        int oldBefore = kept(old, "referrals");

        long before = sync(() -> {
            for (int day = 3; day < 9; day++) {
                f.referral("late-emr", LAKESIDE, null, LocalDate.of(2025, 11, day), "active", null);
            }
        });

        assertRecomputed(before, "2026-11");
        assertThat(baselineReferrals(november)).as("November's baseline months hold November 2025")
                .isEqualTo(baselineBefore + 6);
        assertThat(kept(old, "referrals")).isEqualTo(oldBefore + 6);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM metrics_month_change WHERE clinic_id = 'late' AND month_index = :m")
                .param("m", MonthlyAggregation.index(old)).query(Integer.class).single())
                .as("a change counted since is forgotten").isZero();
    }

    /**
     * A new version that moves a referral to another month (its authored date changed), and a visit
     * given to another patient (records merged in the EMR), change the months they leave too: those
     * months' kept counts are counted again, though nothing in them was written.
     */
    @Test
    void monthsAReferralOrAVisitMovedOutOfAreCountedAgain() {
        YearMonth november = OCTOBER.plusMonths(1);
        YearMonth left = YearMonth.of(2025, 11);
        YearMonth merged = YearMonth.of(2025, 12);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        int baselineBefore = baselineReferrals(november);
        int leftBefore = kept(left, "referrals");
        int convertedBefore = kept(merged, "converted");
        String moving = jdbc.sql("""
                SELECT r.resource_id FROM referral r WHERE r.endpoint_id = 'late-emr' AND r.authored_month = :m
                  AND r.deleted_at IS NULL AND r.is_referral
                  AND NOT EXISTS (SELECT 1 FROM referral_conversion rc WHERE rc.endpoint_id = r.endpoint_id
                                  AND rc.referral_id = r.resource_id)
                ORDER BY r.resource_id LIMIT 1
                """).param("m", left.atDay(1)).query(String.class).single();
        String visit = jdbc.sql("""
                SELECT rc.visit_id FROM referral_conversion rc
                JOIN referral r ON r.endpoint_id = rc.endpoint_id AND r.resource_id = rc.referral_id
                WHERE rc.endpoint_id = 'late-emr' AND r.authored_month = :m AND r.deleted_at IS NULL AND r.is_referral
                ORDER BY rc.visit_id LIMIT 1
                """).param("m", merged.atDay(1)).query(String.class).single();

        long before = sync(() -> {
            // as ingest's writer leaves them: the month or the patient they had before, the sync's run
            jdbc.sql("""
                    UPDATE referral SET authored_date = :day, authored_on = :on, authored_month = :month,
                        moved_from_month = authored_month, sync_run_id = :run
                    WHERE endpoint_id = 'late-emr' AND resource_id = :id
                    """).param("day", LocalDate.of(2026, 11, 5))
                    .param("on", OffsetDateTime.of(2026, 11, 5, 15, 0, 0, 0, ZoneOffset.UTC))
                    .param("month", november.atDay(1)).param("run", f.runId).param("id", moving).update();
            jdbc.sql("""
                    UPDATE visit SET moved_from_patient = patient_hash, patient_hash = 'merged-elsewhere',
                        sync_run_id = :run
                    WHERE endpoint_id = 'late-emr' AND resource_id = :id
                    """).param("run", f.runId).param("id", visit).update();
            // and as the linker leaves them: the visit is no longer the referral's, nor based on it
            jdbc.sql("DELETE FROM visit_based_on WHERE endpoint_id = 'late-emr' AND visit_id = :id")
                    .param("id", visit).update();
            jdbc.sql("DELETE FROM referral_conversion WHERE endpoint_id = 'late-emr' AND visit_id = :id")
                    .param("id", visit).update();
        });

        assertRecomputed(before, "2026-11");
        assertThat(kept(left, "referrals")).as("the month the referral left").isEqualTo(leftBefore - 1);
        assertThat(baselineReferrals(november)).as("it left November's baseline for November itself")
                .isEqualTo(baselineBefore - 1);
        assertThat(kept(merged, "converted")).as("the referral the merged visit no longer converts")
                .isEqualTo(convertedBefore - 1);
    }

    /**
     * A sync killed with part of its changes committed publishes nothing; the next sync of the endpoint
     * (marked succeeded, writing nothing itself: what the killed one wrote is already stored) stands in
     * for it: the months the killed one touched or moved referrals out of are counted again, and its
     * "sync under way" mark no longer stops kept counts from being reused.
     */
    @Test
    void theSyncAfterAKilledOneRecomputesWhatTheKilledOneChanged() {
        YearMonth november = OCTOBER.plusMonths(1);
        YearMonth left = YearMonth.of(2025, 11);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        int baselineBefore = baselineReferrals(november);
        int leftBefore = kept(left, "referrals");
        long lastExecution = runner.history("late", 1).get(0).executionId();

        long killed = f.syncRun("late-emr", "RUNNING", OffsetDateTime.of(2026, 11, 23, 9, 0, 0, 0, ZoneOffset.UTC),
                0, null);
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", killed));
        jdbc.sql("""
                UPDATE referral SET authored_date = :day, authored_on = :on, authored_month = :month,
                    moved_from_month = authored_month, sync_run_id = :run
                WHERE endpoint_id = 'late-emr' AND resource_id = (
                    SELECT MIN(resource_id) FROM referral WHERE endpoint_id = 'late-emr' AND authored_month = :left
                      AND deleted_at IS NULL AND is_referral)
                """).param("day", LocalDate.of(2026, 11, 5))
                .param("on", OffsetDateTime.of(2026, 11, 5, 15, 0, 0, 0, ZoneOffset.UTC))
                .param("month", november.atDay(1)).param("run", killed).param("left", left.atDay(1)).update();
        // the process is killed; at the next start its run is marked interrupted, and no event is published
        jdbc.sql("UPDATE sync_run SET status = 'FAILED', error_message = :error WHERE id = :id")
                .param("error", org.referralmonitor.ingest.sync.SyncRun.INTERRUPTED + " the application stopped")
                .param("id", killed).update();

        long resumed = f.syncRun("late-emr", "SUCCEEDED", OffsetDateTime.of(2026, 11, 23, 10, 0, 0, 0,
                ZoneOffset.UTC), 0, null);
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", resumed, true, 0));

        assertRecomputed(lastExecution, "2026-11");
        assertThat(kept(left, "referrals")).as("the month the killed sync moved a referral out of")
                .isEqualTo(leftBefore - 1);
        assertThat(baselineReferrals(november)).isEqualTo(baselineBefore - 1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM metrics_month_change WHERE sync_run_id = :run AND month_index = :m")
                .param("run", killed).param("m", MonthlyMetricsRunner.SYNC_IN_PROGRESS).query(Integer.class).single())
                .as("the killed sync's mark is gone").isZero();
    }

    /**
     * A sync whose process died after ingest committed its end and before this module recorded it:
     * no event ever comes. At the next start its end is recorded from what ingest kept (its rows, and
     * the months its linking changed, kept with the run), the months it touched are recomputed, and
     * its "under way" mark is cleared, without which no kept count of the clinic would be reused again.
     * A sync still running, and one the stop interrupted (the endpoint's next sync stands in for it),
     * are left alone; a run is recorded once.
     */
    @Test
    void aSyncWhoseEndWasNeverRecordedIsRecordedAtTheNextStart() {
        String visit = septemberVisitInAnotherChart();
        int convertedBefore = converted(SEPTEMBER);
        long lastExecution = runner.history("late", 1).get(0).executionId();
        OffsetDateTime at = OffsetDateTime.of(2026, 11, 23, 15, 0, 0, 0, ZoneOffset.UTC);

        long died = f.syncRun("late-emr", "RUNNING", at, 0, null);
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", died));
        // as ingest's writer and linker leave it: the visit's new version names no referral, and the month of
        // the referral linked again is kept with the run, in the linking's transaction
        stopNamingItsReferral(visit, died);
        jdbc.sql("INSERT INTO sync_run_relinked_month (sync_run_id, month_start) VALUES (:run, :m)")
                .param("run", died).param("m", SEPTEMBER.atDay(1)).update();
        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED' WHERE id = :id").param("id", died).update();
        // the process dies here: no SyncFinishedEvent

        long interrupted = f.syncRun("late-emr", "FAILED", at.plusMinutes(1), 0,
                org.referralmonitor.ingest.sync.SyncRun.INTERRUPTED + " the application stopped");
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", interrupted));
        long running = f.syncRun("late-emr", "RUNNING", at.plusMinutes(2), 0, null);
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", running));

        assertThat(runner.recordSyncsEndedUnrecorded()).as("what the next start records").containsExactly(died);
        assertRecomputed(lastExecution, "2026-09", "2026-11");
        assertThat(converted(SEPTEMBER)).as("the referral the visit no longer names").isEqualTo(convertedBefore - 1);
        assertThat(underWay(died)).as("its mark is cleared").isZero();
        assertThat(underWay(interrupted)).as("left to the endpoint's next sync").isOne();
        assertThat(underWay(running)).isOne();
        assertThat(runner.recordSyncsEndedUnrecorded()).as("recorded once").isEmpty();

        // the others end as they would, without recomputing anything here
        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED' WHERE id = :id").param("id", running).update();
        jdbc.sql("DELETE FROM metrics_month_change WHERE sync_run_id IN (:runs)")
                .param("runs", List.of(interrupted, running)).update();
    }

    /**
     * A September visit that converts a referral, stored so from the start in another patient's chart
     * (naming this patient's referral), with September computed; its id.
     */
    private String septemberVisitInAnotherChart() {
        String visit = jdbc.sql("""
                SELECT rc.visit_id FROM referral_conversion rc
                JOIN referral r ON r.endpoint_id = rc.endpoint_id AND r.resource_id = rc.referral_id
                WHERE rc.endpoint_id = 'late-emr' AND r.authored_month = :m AND r.deleted_at IS NULL AND r.is_referral
                ORDER BY rc.visit_id LIMIT 1
                """).param("m", SEPTEMBER.atDay(1)).query(String.class).single();
        jdbc.sql("UPDATE visit SET patient_hash = 'another-chart' WHERE endpoint_id = 'late-emr' AND resource_id = :id")
                .param("id", visit).update();
        assertThat(runner.run("late", SEPTEMBER, true).status()).isEqualTo("COMPLETED");
        return visit;
    }

    /** The visit's new version, written by the sync, names no referral: as ingest's writer and linker leave it. */
    private void stopNamingItsReferral(String visit, long run) {
        jdbc.sql("UPDATE visit SET sync_run_id = :run WHERE endpoint_id = 'late-emr' AND resource_id = :id")
                .param("run", run).param("id", visit).update();
        jdbc.sql("DELETE FROM visit_based_on WHERE endpoint_id = 'late-emr' AND visit_id = :id")
                .param("id", visit).update();
        jdbc.sql("DELETE FROM referral_conversion WHERE endpoint_id = 'late-emr' AND visit_id = :id")
                .param("id", visit).update();
    }

    private int underWay(long run) {
        return jdbc.sql("SELECT COUNT(*) FROM metrics_month_change WHERE sync_run_id = :run AND month_index = :m")
                .param("run", run).param("m", MonthlyMetricsRunner.SYNC_IN_PROGRESS).query(Integer.class).single();
    }

    private int kept(YearMonth month, String column) {
        return jdbc.sql("SELECT " + column + " FROM metrics_month_count WHERE clinic_id = 'late' AND month_index = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", MonthlyAggregation.index(month))
                .param("org", LAKESIDE).query(Integer.class).single();
    }

    /**
     * Changes a sync makes without writing a resource are recorded too: referrals tombstoned in an
     * old month, and requests classified again by a new rule (every month of the endpoint).
     */
    @Test
    void tombstonesAndAReclassificationAreCountedAgainToo() {
        YearMonth november = OCTOBER.plusMonths(1);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        int before = baselineReferrals(november);
        List<String> three = jdbc.sql("""
                SELECT resource_id FROM referral WHERE endpoint_id = 'late-emr' AND authored_month = :m
                  AND deleted_at IS NULL AND is_referral ORDER BY resource_id LIMIT 3
                """).param("m", YearMonth.of(2025, 12).atDay(1)).query(String.class).list();

        long run = f.syncRun("late-emr", "SUCCEEDED", OffsetDateTime.of(2026, 11, 23, 10, 0, 0, 0, ZoneOffset.UTC), 0,
                null);
        jdbc.sql("UPDATE referral SET deleted_at = :at WHERE endpoint_id = 'late-emr' AND resource_id = :id")
                .param("at", OffsetDateTime.of(2026, 11, 23, 10, 5, 0, 0, ZoneOffset.UTC)).param("id", three.get(0))
                .update();
        // a sync that failed after committing: its changes are recorded, nothing is recomputed in the background
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", run, false, 0, 1, false));
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(baselineReferrals(november)).isEqualTo(before - 1);

        // a new referral rule: no resource written, no sync_run_id changed
        long reclassifying = f.syncRun("late-emr", "SUCCEEDED", OffsetDateTime.of(2026, 11, 23, 11, 0, 0, 0,
                ZoneOffset.UTC), 0, null);
        jdbc.sql("UPDATE referral SET is_referral = FALSE WHERE endpoint_id = 'late-emr' AND resource_id IN (:ids)")
                .param("ids", three.subList(1, 3)).update();
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", reclassifying, false, 0, 0, true));
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(baselineReferrals(november)).isEqualTo(before - 3);
    }

    /**
     * While a sync is under way, no kept count of the clinic is reused, and what is counted then is not
     * kept as settled (the sync may still move what was read); after it, the months it left alone are
     * reused again once counted with no sync open.
     */
    @Test
    void noKeptCountIsReusedWhileASyncIsUnderWay() {
        YearMonth november = OCTOBER.plusMonths(1);
        int reusing = countedWhenReusing(november);

        long run = f.syncRun("late-emr", "RUNNING", OffsetDateTime.of(2026, 11, 23, 12, 0, 0, 0, ZoneOffset.UTC), 0,
                null);
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", run));
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("during a sync: every month").isEqualTo(25);

        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED' WHERE id = :id").param("id", run).update();
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", run, true, 0));
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("counts read while the sync could write are not kept as settled")
                .isEqualTo(25);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).isEqualTo(reusing);
    }

    /**
     * A sync that has written nothing yet (one waiting for a Bulk export to be prepared, for hours)
     * stops nothing: kept counts are reused and what is counted meanwhile is kept as settled. Once it
     * is about to write (ingest sets {@code writing_since}, then publishes {@link
     * org.referralmonitor.ingest.sync.SyncStartedEvent}), the rule above applies.
     */
    @Test
    void aSyncThatHasWrittenNothingYetStopsNoReuse() {
        YearMonth november = OCTOBER.plusMonths(1);
        int reusing = countedWhenReusing(november);

        OffsetDateTime kickedOff = OffsetDateTime.of(2026, 11, 23, 13, 0, 0, 0, ZoneOffset.UTC);
        long preparing = f.syncRun("late-emr", "RUNNING", kickedOff, 0, null, false);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("kept counts reused while the sync has written nothing")
                .isEqualTo(reusing);
        assertThat(runner.run("late", november.minusMonths(24), november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("a run over 25 months counts them all").isGreaterThanOrEqualTo(25);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("what was counted while it had written nothing was kept as settled")
                .isEqualTo(reusing);

        jdbc.sql("UPDATE sync_run SET writing_since = :t WHERE id = :id").param("t", kickedOff.plusHours(3))
                .param("id", preparing).update();
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", preparing));
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("once it writes: every month").isEqualTo(25);

        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED' WHERE id = :id").param("id", preparing).update();
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", preparing, true, 0));
    }

    /**
     * A later sync of the endpoint that started writing before a sync's end was recorded may have
     * rewritten what that sync wrote (the rows then name the later sync, and the month they moved out of
     * is the one the earlier sync left them in): what the earlier one changed can no longer all be read,
     * so every month is counted again.
     */
    @Test
    void aLaterSyncWritingBeforeASyncsEndIsRecordedMakesEveryMonthCountAgain() {
        YearMonth november = OCTOBER.plusMonths(1);
        int reusing = countedWhenReusing(november);
        OffsetDateTime at = OffsetDateTime.of(2026, 11, 23, 17, 0, 0, 0, ZoneOffset.UTC);
        long first = f.syncRun("late-emr", "FAILED", at, 0, "ServiceRequest page 3: HTTP 500 after 5 attempts");
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", first));
        long second = f.syncRun("late-emr", "RUNNING", at.plusMinutes(1), 0, null);
        events.publishEvent(new org.referralmonitor.ingest.sync.SyncStartedEvent("late-emr", "late", second));
        // the first one's end is recorded only now (a failed sync: nothing recomputed in the background)
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", first, false, 1));
        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED' WHERE id = :id").param("id", second).update();
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", second, false, 0));

        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).as("every month counted again").isEqualTo(25);
        assertThat(runner.run("late", november, true).status()).isEqualTo("COMPLETED");
        assertThat(aggregation.lastCounted()).isEqualTo(reusing);
    }

    /** Runs the month twice, the second run reusing what the first kept; returns how many months it counted. */
    private int countedWhenReusing(YearMonth month) {
        assertThat(runner.run("late", month, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("late", month, true).status()).isEqualTo("COMPLETED");
        int reusing = aggregation.lastCounted();
        assertThat(reusing).as("the month and the unsettled months before it").isLessThan(25);
        return reusing;
    }

    private int baselineReferrals(YearMonth month) {
        return jdbc.sql("SELECT baseline_referrals FROM source_month WHERE clinic_id = 'late' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", month.atDay(1)).param("org", LAKESIDE)
                .query(Integer.class).single();
    }

    /** Writes data as a sync would and announces the sync; returns the last job execution before it. */
    /** Writes as a sync, then publishes its end, with the months its linking reports. */
    private long sync(Runnable write, LocalDate... relinkedMonths) {
        long lastExecution = runner.history("late", 1).get(0).executionId();
        long run = f.syncRun("late-emr", "SUCCEEDED", OffsetDateTime.of(2026, 11, 23, 10, 0, 0, 0, ZoneOffset.UTC), 0,
                null);
        f.runId = run;
        write.run();
        f.runId = 1;
        events.publishEvent(new SyncFinishedEvent("late-emr", "late", run, true, 1, 0, false, List.of(relinkedMonths)));
        return lastExecution;
    }

    /** Waits for the expected months to be recomputed, then checks that nothing else is. */
    private void assertRecomputed(long lastExecutionBefore, String... months) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<MetricsJobRun> runs = runsAfter(lastExecutionBefore);
            return runs.stream().allMatch(r -> r.status().equals("COMPLETED"))
                    && runs.stream().map(MetricsJobRun::month).collect(Collectors.toSet()).equals(Set.of(months))
                    // each queued run is kept until it has run
                    && jdbc.sql("SELECT COUNT(*) FROM metrics_run_request WHERE clinic_id = 'late'")
                            .query(Integer.class).single() == 0;
        });
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> runsAfter(lastExecutionBefore).size() == months.length);
        assertThat(runsAfter(lastExecutionBefore).stream().sorted(java.util.Comparator.comparing(
                MetricsJobRun::executionId)).map(MetricsJobRun::firstMonth).toList())
                .as("one clinic's queued runs start in the order asked, oldest months first").isSorted();
        assertThat(runsAfter(lastExecutionBefore)).extracting(MetricsJobRun::trigger)
                .allMatch(t -> t.matches("after sync \\d+ of late-emr"), "after sync N of late-emr");
    }

    private List<MetricsJobRun> runsAfter(long executionId) {
        return runner.history("late", 100).stream().filter(r -> r.executionId() > executionId).toList();
    }

    private int converted(YearMonth month) {
        return jdbc.sql("SELECT converted FROM source_month WHERE clinic_id = 'late' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", month.atDay(1)).param("org", LAKESIDE)
                .query(Integer.class).single();
    }
}
