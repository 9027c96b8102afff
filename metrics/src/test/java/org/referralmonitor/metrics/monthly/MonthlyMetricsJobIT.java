package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doCallRealMethod;
import static org.mockito.Mockito.reset;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * The monthly metrics job on PostgreSQL over a hand-built year: a practice sending ten
 * referrals a month that halves in October is flagged, a steady one is not, small and new
 * practices are never flagged; a job that fails mid-way and is restarted ends exactly where an
 * uninterrupted run ends.
 */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = {"referral-monitor.metrics.chunk-size=2", "referral-monitor.metrics.provisional-days=0"})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class MonthlyMetricsJobIT {

    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    @TestConfiguration(proxyBeanMethods = false)
    static class FixedClock {
        @Bean
        Clock clock() {
            return Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
        }
    }

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Alerts alerts;

    @Autowired
    SourceReport report;

    @Autowired
    JobOperator jobOperator;

    @Autowired
    JobRepository jobRepository;

    @MockitoSpyBean
    FlagWriter writer;

    static boolean seeded;

    @BeforeEach
    void seedOnce() {
        if (seeded) {
            return;
        }
        seeded = true;
        seedMetro(jdbc);
    }

    /**
     * metro's year to October 2026: a practice sending ten referrals a month (two providers) that halves
     * in October, a steady one, a small one and a new one: 4 practices, in chunks of 2.
     */
    static void seedMetro(JdbcClient jdbc) {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("metro", "metro-emr");
        f.organization("metro-emr", "o1", "Lakeside Family Practice", "1245319599");
        f.organization("metro-emr", "o2", "Riverbend Pediatrics", "1234567893");
        for (YearMonth m = OCTOBER.minusMonths(12); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("metro-emr", "npi:1245319599", "npi:1555555550", m, 6, 4);
            f.referrals("metro-emr", "npi:1245319599", "npi:1777777776", m, 4, 3);
            f.referrals("metro-emr", "npi:1234567893", null, m, 10, 7);
            f.referrals("metro-emr", "npi:1999999919", null, m, 1, 1);
        }
        f.referrals("metro-emr", "npi:1245319599", "npi:1555555550", OCTOBER, 3, 2);
        f.referrals("metro-emr", "npi:1245319599", "npi:1777777776", OCTOBER, 2, 1);
        f.referrals("metro-emr", "npi:1234567893", null, OCTOBER, 10, 6);
        f.referrals("metro-emr", "npi:1999999919", null, OCTOBER, 1, 0);
        for (YearMonth m = OCTOBER.minusMonths(2); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("metro-emr", "npi:1888888884", null, m, 4, 2);
        }
    }

    @AfterEach
    void realWriter() {
        reset(writer);
    }

    @Test
    void flagsAHalvedTenAMonthPracticeAndNotASteadyOne() {
        MetricsJobRun run = runner.run("metro", OCTOBER, true);
        assertThat(run.status()).as(run.exitMessage()).isEqualTo("COMPLETED");

        Map<String, SourceSummary> sources = bySource(report.sources("metro", OCTOBER));
        assertThat(sources.get("npi:1245319599")).satisfies(s -> {
            assertThat(s.status()).isEqualTo("SLOWDOWN");
            assertThat(s.referrals()).isEqualTo(5);
            assertThat(s.baseline()).isEqualTo(10.0);
            assertThat(s.converted()).isEqualTo(3);
            assertThat(s.activeProviders()).isEqualTo(2);
            assertThat(s.trend()).hasSize(13).endsWith(10, 5);
        });
        assertThat(sources.get("npi:1234567893").status()).isEqualTo("STEADY");
        assertThat(sources.get("npi:1999999919").status()).isEqualTo("LOW_VOLUME");
        assertThat(sources.get("npi:1888888884").status()).isEqualTo("NEW");
        assertThat(report.sources("metro", OCTOBER).get(0).orgKey()).as("slowdowns first").isEqualTo("npi:1245319599");

        List<Alert> open = alerts.find("metro", "OPEN");
        assertThat(open).hasSize(1);
        Alert alert = open.get(0);
        assertThat(alert.orgKey()).isEqualTo("npi:1245319599");
        assertThat(alert.sourceName()).isEqualTo("Lakeside Family Practice");
        assertThat(alert.sourceNpi()).isEqualTo("1245319599");
        assertThat(alert.month()).isEqualTo(OCTOBER);
        assertThat(alert.observed()).isEqualTo(5);
        assertThat(alert.expected()).isEqualTo(10.0);
        assertThat(alert.kind()).isEqualTo("SLOWDOWN");
        assertThat(alert.explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 5 referrals in October "
                + "2026 vs about 10 expected (average of the previous 12 months without the highest and lowest); a drop "
                + "this large happens by chance about 5% of the time. Revenue at risk: about $875 (5 fewer referrals x "
                + "70% converted x $250).");
        assertThat(alert.revenueAtRisk()).isEqualTo(875.0);
    }

    @Test
    void theSameMonthOnTheSameDataIsComputedOnce() {
        runner.run("metro", OCTOBER, false);
        assertThat(runner.run("metro", OCTOBER, false).status()).isEqualTo("UP_TO_DATE");
        assertThat(runner.run("metro", OCTOBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.history("metro", 10)).isNotEmpty().allMatch(r -> r.clinicId().equals("metro"));
    }

    /**
     * A sync that changed data without writing a resource (a reconciliation that only tombstoned) is a
     * new version of the data: the month is computed again, not answered "up to date". A sync still
     * running is not: its end will be.
     */
    @Test
    void aSyncThatOnlyTombstonedMakesTheMonthComputedAgain() {
        runner.run("metro", OCTOBER, false);
        assertThat(runner.run("metro", OCTOBER, false).status()).isEqualTo("UP_TO_DATE");
        OffsetDateTime last = jdbc.sql("SELECT MAX(finished_at) FROM sync_run").query(OffsetDateTime.class).single();

        jdbc.sql("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at, started_at, finished_at,
                                      resources_written, tombstoned)
                VALUES ('metro-emr', 'RECONCILE', 'SUCCEEDED', :t, :t, :t, 0, 2)
                """).param("t", last.plusMinutes(5)).update();
        assertThat(runner.run("metro", OCTOBER, false).status()).as("after a sync that tombstoned")
                .isEqualTo("COMPLETED");

        jdbc.sql("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at, started_at, resources_written,
                                      writing_since)
                VALUES ('metro-emr', 'API', 'RUNNING', :t, :t, 40, :t)
                """).param("t", last.plusMinutes(10)).update();
        assertThat(runner.run("metro", OCTOBER, false).status()).as("while a sync is writing")
                .isEqualTo("UP_TO_DATE");
        jdbc.sql("UPDATE sync_run SET status = 'SUCCEEDED', finished_at = :t WHERE status = 'RUNNING'")
                .param("t", last.plusMinutes(20)).update();
        assertThat(runner.run("metro", OCTOBER, false).status()).as("once it has finished").isEqualTo("COMPLETED");
    }

    @Test
    void aRestartAfterAFailureMidJobEndsWhereAnUninterruptedRunEnds() throws Exception {
        assertThat(runner.run("metro", OCTOBER, true).status()).isEqualTo("COMPLETED");
        Object uninterrupted = snapshot();
        jdbc.sql("DELETE FROM alert WHERE clinic_id = 'metro'").update();

        MetricsJobRun failed = failingInTheSecondChunk("injected failure in the second chunk");
        assertThat(jdbc.sql("SELECT count(*) FROM source_month WHERE clinic_id = 'metro' AND month_start = :m "
                + "AND practitioner_key = '*' AND status IS NOT NULL").param("m", OCTOBER.atDay(1))
                .query(Integer.class).single()).as("first chunk committed").isEqualTo(2);

        JobExecution restarted = jobOperator.restart(jobRepository.getJobExecution(failed.executionId()));

        assertResumedAfterTheCommittedChunk(restarted);
        assertThat(snapshot()).isEqualTo(uninterrupted);
    }

    /**
     * A job stopped with its process (killed mid-run: its execution and step still marked running, its
     * first chunk committed, last updated by the process that ran it) is restarted from its last commit
     * at the next start and ends where an uninterrupted run ends. A run queued before the stop is
     * queued again; one queued for the same months as the stopped job is that job's restart.
     */
    @Test
    void aJobStoppedWithItsProcessIsRestartedFromItsLastCommitAtTheNextStart() {
        assertThat(runner.run("metro", OCTOBER, true).status()).isEqualTo("COMPLETED");
        Object uninterrupted = snapshot();
        jdbc.sql("DELETE FROM alert WHERE clinic_id = 'metro'").update();
        new ReferralFixture(jdbc).clinic("quiet", "quiet-emr");

        MetricsJobRun stopped = failingInTheSecondChunk("the process stops in the second chunk");
        // what a stopped process leaves instead of a failure: the execution and its step still marked running
        java.time.LocalDateTime before = java.time.LocalDateTime.now().minusDays(1);
        jdbc.sql("""
                UPDATE batch_job_execution SET status = 'STARTED', exit_code = 'UNKNOWN', end_time = NULL,
                    last_updated = :before WHERE job_execution_id = :id
                """).param("before", before).param("id", stopped.executionId()).update();
        jdbc.sql("""
                UPDATE batch_step_execution SET status = 'STARTED', exit_code = 'EXECUTING', end_time = NULL,
                    last_updated = :before WHERE job_execution_id = :id AND status = 'FAILED'
                """).param("before", before).param("id", stopped.executionId()).update();
        // and the runs queued at that moment: this job's, and another clinic's behind it
        for (String clinic : List.of("metro", "quiet")) {
            jdbc.sql("""
                    INSERT INTO metrics_run_request (clinic_id, from_month, to_month, recompute, trigger_text,
                        requested_at)
                    VALUES (:clinic, :m, :m, TRUE, :trigger, :at)
                    """).param("clinic", clinic).param("m", OCTOBER.atDay(1))
                    .param("trigger", "after sync 7 of " + clinic + "-emr")
                    .param("at", java.time.OffsetDateTime.now(ZoneOffset.UTC)).update();
        }

        assertThat(runner.queued("quiet")).as("shown as waiting in the queue").singleElement()
                .extracting(MetricsJobRun::status, MetricsJobRun::month, MetricsJobRun::trigger)
                .containsExactly("QUEUED", "2026-10", "after sync 7 of quiet-emr");

        runner.resumeAfterStop();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() ->
                jdbc.sql("SELECT COUNT(*) FROM metrics_run_request").query(Integer.class).single() == 0
                        && jobRepository.findRunningJobExecutions(MonthlyMetricsJobConfiguration.JOB_NAME).isEmpty()
                        && !runner.history("quiet", 5).isEmpty());
        JobExecution first = jobRepository.getJobExecution(stopped.executionId());
        assertThat(first.getStatus()).as("marked failed at the start").isEqualTo(BatchStatus.FAILED);
        List<JobExecution> executions = jobRepository.getJobExecutions(first.getJobInstance());
        assertThat(executions).as("the stopped execution and its restart, nothing else for these months")
                .hasSize(2);
        JobExecution restarted = executions.stream().filter(e -> e.getId() != first.getId()).findFirst()
                .orElseThrow();
        assertResumedAfterTheCommittedChunk(restarted);
        assertThat(snapshot()).isEqualTo(uninterrupted);
        assertThat(runner.history("metro", 50)).extracting(MetricsJobRun::executionId)
                .as("no run of metro after the restart").allMatch(id -> id <= restarted.getId());
        assertThat(runner.queued(null)).as("nothing waits any more").isEmpty();
        assertThat(runner.history("quiet", 5)).singleElement()
                .extracting(MetricsJobRun::status, MetricsJobRun::trigger)
                .containsExactly("COMPLETED", "after sync 7 of quiet-emr");
    }

    /** October of metro: 4 practices in chunks of 2, the first chunk commits, the second fails once. */
    private MetricsJobRun failingInTheSecondChunk(String failure) {
        doCallRealMethod()
                .doThrow(new IllegalStateException(failure))
                .doCallRealMethod()
                .when(writer).write(any());
        MetricsJobRun failed = runner.run("metro", OCTOBER, true);
        assertThat(failed.status()).isEqualTo("FAILED");
        return failed;
    }

    /** Completed, without the steps before the one that failed, and that one after its committed chunk. */
    static void assertResumedAfterTheCommittedChunk(JobExecution restarted) {
        assertThat(restarted.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        StepExecution evaluate = restarted.getStepExecutions().stream()
                .filter(step -> step.getStepName().equals("evaluateSources")).findFirst().orElseThrow();
        assertThat(evaluate.getWriteCount()).as("resumed after the committed chunk").isEqualTo(2);
        assertThat(restarted.getStepExecutions()).extracting(StepExecution::getStepName)
                .doesNotContain("aggregateSourceMonths", "checkFeed");
    }

    private Object snapshot() {
        return snapshot(jdbc);
    }

    /** metro's October rows and alerts, without when and by which execution they were written. */
    static Object snapshot(JdbcClient jdbc) {
        return List.of(
                jdbc.sql("""
                        SELECT * FROM source_month WHERE clinic_id = 'metro' AND month_start = :m
                        ORDER BY org_key, practitioner_key
                        """).param("m", OCTOBER.atDay(1)).query().listOfRows().stream()
                        .peek(row -> {
                            row.remove("computed_at");
                            row.remove("job_execution_id");
                        }).toList(),
                jdbc.sql("""
                        SELECT kind, org_key, month_start, observed, expected, p_value, explanation, status,
                               revenue_at_risk FROM alert
                        WHERE clinic_id = 'metro' ORDER BY kind, org_key
                        """).query().listOfRows());
    }

    private static Map<String, SourceSummary> bySource(List<SourceSummary> sources) {
        return sources.stream().collect(java.util.stream.Collectors.toMap(SourceSummary::orgKey, s -> s));
    }
}
