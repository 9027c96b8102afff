package org.referralmonitor.metrics.monthly;

import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.YearMonth;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.sync.SyncFinishedEvent;
import org.referralmonitor.metrics.MetricsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Starts the monthly metrics job: on demand, at the monthly close, and after each sync that
 * changed data. Jobs run one at a time on a background thread, so a burst of syncs never
 * computes the same month twice at once; the job's identity (clinic, month, data version) makes
 * a repeated request on unchanged data a no-op, and a request after a failure a restart.
 */
@Service
public class MonthlyMetricsRunner {

    private static final Logger log = LoggerFactory.getLogger(MonthlyMetricsRunner.class);

    private final JobOperator jobOperator;
    private final Job job;
    private final EndpointDirectory directory;
    private final JdbcClient jdbc;
    private final MetricsProperties properties;
    private final Clock clock;
    private final AtomicLong lastRecompute = new AtomicLong();
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "monthly-metrics");
        t.setDaemon(true);
        return t;
    });

    MonthlyMetricsRunner(JobOperator jobOperator, Job monthlyMetricsJob, EndpointDirectory directory, JdbcClient jdbc,
            MetricsProperties properties, Optional<Clock> clock) {
        this.jobOperator = jobOperator;
        this.job = monthlyMetricsJob;
        this.directory = directory;
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    /** Computes the month now, on the calling thread. */
    public MetricsJobRun run(String clinicId, YearMonth month, boolean recompute) {
        JobParametersBuilder params = new JobParametersBuilder()
                .addString(MonthlyMetricsJobConfiguration.CLINIC, clinicId, true)
                .addString(MonthlyMetricsJobConfiguration.MONTH, month.toString(), true)
                .addLong(MonthlyMetricsJobConfiguration.DATA_VERSION, dataVersion(clinicId), true);
        if (recompute) {
            // a new job instance each time: wall-clock millis, strictly increasing within this process
            params.addLong(MonthlyMetricsJobConfiguration.RECOMPUTE,
                    lastRecompute.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis())), true);
        }
        JobParameters parameters = params.toJobParameters();
        try {
            JobExecution execution = jobOperator.start(job, parameters);
            log.info("Monthly metrics {} {}: {}", clinicId, month, execution.getStatus());
            return toRun(execution, clinicId, month);
        } catch (JobInstanceAlreadyCompleteException e) {
            return new MetricsJobRun(null, clinicId, month.toString(), "UP_TO_DATE", null, null,
                    "Already computed on the same data; ask for a recompute to run it again");
        } catch (Exception e) {
            log.error("Monthly metrics {} {} could not start: {}", clinicId, month, e.getMessage());
            return new MetricsJobRun(null, clinicId, month.toString(), "NOT_STARTED", null, null, e.getMessage());
        }
    }

    /** Queues the month for the background runner. */
    public MetricsJobRun submit(String clinicId, YearMonth month, boolean recompute) {
        background.submit(() -> run(clinicId, month, recompute));
        return new MetricsJobRun(null, clinicId, month.toString(), "QUEUED", null, null, null);
    }

    /** The last complete month in the clinic's time zone. */
    public YearMonth lastCompleteMonth(String clinicId) {
        return currentMonth(clinicId).minusMonths(1);
    }

    private YearMonth currentMonth(String clinicId) {
        return YearMonth.now(clock.withZone(directory.clinic(clinicId).map(Clinic::timeZone)
                .orElse(clock.getZone())));
    }

    @EventListener
    void afterSync(SyncFinishedEvent event) {
        if (properties.recomputeAfterSync() && event.succeeded() && event.resourcesWritten() > 0) {
            submit(event.clinicId(), lastCompleteMonth(event.clinicId()), false);
            submit(event.clinicId(), currentMonth(event.clinicId()), false);
        }
    }

    @Scheduled(cron = "${referral-monitor.metrics.monthly-close-schedule:0 0 3 1 * *}")
    void monthlyClose() {
        directory.clinics().forEach(c -> submit(c.id(), lastCompleteMonth(c.id()), false));
    }

    /** Recent runs, newest first; for one clinic when given. */
    public List<MetricsJobRun> history(String clinicId, int limit) {
        return jdbc.sql("""
                SELECT e.job_execution_id, c.parameter_value AS clinic, m.parameter_value AS job_month, e.status,
                       e.start_time, e.end_time, e.exit_message
                FROM batch_job_execution e
                JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id AND i.job_name = :job
                JOIN batch_job_execution_params c ON c.job_execution_id = e.job_execution_id AND c.parameter_name = 'clinic'
                JOIN batch_job_execution_params m ON m.job_execution_id = e.job_execution_id AND m.parameter_name = 'month'
                WHERE CAST(:clinic AS VARCHAR(64)) IS NULL OR c.parameter_value = CAST(:clinic AS VARCHAR(64))
                ORDER BY e.job_execution_id DESC
                LIMIT :limit
                """)
                .param("job", MonthlyMetricsJobConfiguration.JOB_NAME)
                .param("clinic", clinicId)
                .param("limit", limit)
                .query((rs, n) -> new MetricsJobRun(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, java.time.LocalDateTime.class), rs.getObject(6, java.time.LocalDateTime.class),
                        shorten(rs.getString(7))))
                .list();
    }

    /** The newest sync that wrote anything for the clinic: the version of the data a month is computed on. */
    long dataVersion(String clinicId) {
        return jdbc.sql("""
                SELECT COALESCE(MAX(s.id), 0) FROM sync_run s JOIN emr_endpoint e ON e.id = s.endpoint_id
                WHERE e.clinic_id = :clinic AND s.resources_written > 0
                """).param("clinic", clinicId).query(Long.class).single();
    }

    private static MetricsJobRun toRun(JobExecution execution, String clinicId, YearMonth month) {
        String exit = execution.getExitStatus() == null ? null : execution.getExitStatus().getExitDescription();
        return new MetricsJobRun(execution.getId(), clinicId, month.toString(), execution.getStatus().name(),
                execution.getStartTime(), execution.getEndTime(), shorten(exit));
    }

    private static String shorten(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String firstLine = text.lines().findFirst().orElse(text);
        return firstLine.length() > 300 ? firstLine.substring(0, 299) + "…" : firstLine;
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }
}
