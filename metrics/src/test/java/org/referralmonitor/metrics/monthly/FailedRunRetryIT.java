package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doCallRealMethod;
import static org.mockito.Mockito.reset;
import static org.referralmonitor.metrics.monthly.MonthlyMetricsJobIT.OCTOBER;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * A run that failed for a transient reason (here a deadlock, in its second chunk) is restarted by the
 * runner from its last commit without any new sync or request, and ends where an uninterrupted run
 * ends; a fault that persists stops after failed-run-retries, the run marked in the job history; a
 * failed run that a later run of its month superseded is left. The scheduled check is called directly.
 */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = {"referral-monitor.metrics.chunk-size=2", "referral-monitor.metrics.provisional-days=0",
            "referral-monitor.metrics.failed-run-retries=2", "referral-monitor.metrics.failed-run-retry-delay=1s"})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
@ExtendWith(OutputCaptureExtension.class)
class FailedRunRetryIT {

    @MockitoSpyBean
    FlagWriter writer;

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    org.springframework.batch.core.launch.JobOperator jobOperator;

    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void seedOnce() {
        if (jdbc.sql("SELECT COUNT(*) FROM clinic WHERE id = 'metro'").query(Integer.class).single() == 0) {
            MonthlyMetricsJobIT.seedMetro(jdbc);
        }
    }

    @AfterEach
    void realWriter() {
        reset(writer);
    }

    @Test
    void aRunThatFailedOnceIsRestartedFromItsLastCommitWithoutANewSync(CapturedOutput output) {
        Object uninterrupted = uninterruptedRun();
        doCallRealMethod()
                .doThrow(new CannotAcquireLockException("deadlock detected (injected in the second chunk)"))
                .doCallRealMethod()
                .when(writer).write(any());

        runner.submit("metro", OCTOBER, true, "after sync 7 of metro-emr");
        JobExecution failed = awaitFailedRunOfTheQueue();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            runner.retryFailedRuns();
            return executions(failed).size() == 2 && executions(failed).stream().noneMatch(JobExecution::isRunning);
        });
        List<JobExecution> executions = executions(failed);
        JobExecution retry = executions.stream().filter(e -> e.getId() != failed.getId()).findFirst().orElseThrow();
        assertThat(retry.getJobInstance().getId()).as("the same job instance").isEqualTo(failed.getJobInstance().getId());
        MonthlyMetricsJobIT.assertResumedAfterTheCommittedChunk(retry);
        assertThat(MonthlyMetricsJobIT.snapshot(jdbc)).isEqualTo(uninterrupted);
        assertThat(output.getOut()).contains("Monthly metrics metro 2026-10: job execution " + failed.getId()
                + " failed; retry 1 of 2, from its last commit");

        assertThat(runner.retryFailedRuns()).as("nothing left to retry").isZero();
        assertThat(runner.history("metro", 2)).extracting(MetricsJobRun::executionId, MetricsJobRun::status,
                        MetricsJobRun::trigger)
                .as("the retry, under the failed run's trigger, and nothing since")
                .first().isEqualTo(org.assertj.core.groups.Tuple.tuple(retry.getId(), "COMPLETED",
                        "after sync 7 of metro-emr"));
    }

    @Test
    void aFaultThatPersistsStopsAfterTheConfiguredRetriesAndSaysSo() {
        uninterruptedRun();
        doCallRealMethod()
                .doThrow(new CannotAcquireLockException("deadlock detected (injected, every time)"))
                .when(writer).write(any());

        runner.submit("metro", OCTOBER, true, "monthly close");
        JobExecution failed = awaitFailedRunOfTheQueue();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            runner.retryFailedRuns();
            List<MetricsJobRun> newest = runner.history("metro", 1);
            return newest.get(0).exitMessage() != null && newest.get(0).exitMessage().startsWith("Retries spent");
        });
        List<JobExecution> executions = executions(failed);
        assertThat(executions).as("the run and 2 retries, all failed").hasSize(3)
                .allMatch(e -> e.getStatus() == BatchStatus.FAILED);
        assertThat(runner.history("metro", 1)).singleElement().satisfies(run -> {
            assertThat(run.status()).isEqualTo("FAILED");
            assertThat(run.trigger()).isEqualTo("monthly close");
            assertThat(run.exitMessage()).startsWith("Retries spent: failed again after 2 automatic retries from its "
                    + "last commit; no more will be made (ask for a recompute to run it again). Last error: "
                    + "CannotAcquireLockException: deadlock detected (injected, every time)");
        });

        // due long ago: still no third retry
        jdbc.sql("UPDATE batch_job_execution SET end_time = :t WHERE job_instance_id = :instance")
                .param("t", LocalDateTime.now().minusMinutes(5))
                .param("instance", failed.getJobInstance().getId()).update();
        assertThat(runner.retryFailedRuns()).isZero();
        assertThat(executions(failed)).hasSize(3);
    }

    @Test
    void aFailedRunSupersededByALaterRunOfItsMonthIsNotRetried() {
        uninterruptedRun();
        doCallRealMethod()
                .doThrow(new CannotAcquireLockException("deadlock detected (injected in the second chunk)"))
                .doCallRealMethod()
                .when(writer).write(any());
        MetricsJobRun failed = runner.run("metro", OCTOBER, true);
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(runner.run("metro", OCTOBER, true).status()).as("a later run of the month")
                .isEqualTo("COMPLETED");
        jdbc.sql("UPDATE batch_job_execution SET end_time = :t WHERE job_execution_id = :id")
                .param("t", LocalDateTime.now().minusMinutes(5)).param("id", failed.executionId()).update();

        assertThat(runner.retryFailedRuns()).isZero();
        assertThat(executions(jobRepository.getJobExecution(failed.executionId()))).hasSize(1);
    }

    /**
     * A failed run of the month, then a later one (newer data: another job instance) failed too; the
     * earlier one's restart, another execution of its older instance resuming its own day and data,
     * does not supersede the later run, which is still retried.
     */
    @Test
    void aRestartOfAnOlderRunDoesNotSupersedeALaterFailedRun() throws Exception {
        uninterruptedRun();
        org.mockito.Mockito.doThrow(new CannotAcquireLockException("deadlock detected (injected)"))
                .when(writer).write(any());
        MetricsJobRun older = runner.run("metro", OCTOBER, true);
        MetricsJobRun later = runner.run("metro", OCTOBER, true);
        assertThat(List.of(older.status(), later.status())).containsOnly("FAILED");
        reset(writer);
        JobExecution restarted = jobOperator.restart(jobRepository.getJobExecution(older.executionId()));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !jobRepository.getJobExecution(restarted.getId()).isRunning());
        jdbc.sql("UPDATE batch_job_execution SET end_time = :t WHERE job_execution_id = :id")
                .param("t", LocalDateTime.now().minusMinutes(5)).param("id", later.executionId()).update();

        assertThat(runner.retryFailedRuns()).as("the later run is retried").isEqualTo(1);
        JobExecution failed = jobRepository.getJobExecution(later.executionId());
        await().atMost(Duration.ofSeconds(60)).until(() -> executions(failed).size() == 2
                && executions(failed).stream().noneMatch(JobExecution::isRunning));
    }

    /** Computes metro's October uninterrupted and returns its rows and alerts; its alerts are then deleted. */
    private Object uninterruptedRun() {
        assertThat(runner.run("metro", OCTOBER, true).status()).isEqualTo("COMPLETED");
        Object uninterrupted = MonthlyMetricsJobIT.snapshot(jdbc);
        jdbc.sql("DELETE FROM alert WHERE clinic_id = 'metro'").update();
        return uninterrupted;
    }

    /** The execution of the run just queued, once it has failed and left the queue. */
    private JobExecution awaitFailedRunOfTheQueue() {
        long before = runner.history("metro", 1).get(0).executionId();
        await().atMost(Duration.ofSeconds(60)).until(() -> runner.queued("metro").isEmpty()
                && jdbc.sql("SELECT COUNT(*) FROM metrics_run_request").query(Integer.class).single() == 0
                && runner.history("metro", 1).get(0).executionId() > before
                && "FAILED".equals(runner.history("metro", 1).get(0).status()));
        return jobRepository.getJobExecution(runner.history("metro", 1).get(0).executionId());
    }

    private List<JobExecution> executions(JobExecution execution) {
        return jobRepository.getJobExecutions(execution.getJobInstance());
    }
}
