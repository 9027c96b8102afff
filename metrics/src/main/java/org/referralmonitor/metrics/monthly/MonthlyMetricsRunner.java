package org.referralmonitor.metrics.monthly;

import jakarta.annotation.PreDestroy;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.sync.SyncFinishedEvent;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncStartedEvent;
import org.referralmonitor.metrics.MetricsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts the monthly metrics job: on demand, at the monthly close, and after each sync that
 * changed data (only the months that sync touched, plus the months due: provisional ones and
 * ones just become final; consecutive months in one run). Queued runs of different clinics run
 * job-concurrency at a time; one clinic's runs run one at a time, in the order asked (a queue per
 * clinic, and a lock that also holds runs started directly), so a burst of syncs never computes a
 * clinic's months twice at once; the job's identity (clinic, month, data version)
 * makes a repeated request on unchanged data a no-op, and a request after a failure a restart. A run
 * that failed is restarted from its last commit by itself too, a few times ({@link #retryFailedRuns}).
 */
@Service
public class MonthlyMetricsRunner {

    private static final Logger log = LoggerFactory.getLogger(MonthlyMetricsRunner.class);

    private final JobOperator jobOperator;
    private final Job job;
    private final EndpointDirectory directory;
    private final JdbcClient jdbc;
    private final MetricsProperties properties;
    private final MonthContexts contexts;
    private final TransactionTemplate tx;
    private final org.springframework.batch.core.repository.JobRepository jobRepository;
    /** When this runner was created: a job execution marked running and not updated since is not ours. */
    private final java.time.LocalDateTime created = java.time.LocalDateTime.now();
    private final AtomicLong lastRecompute = new AtomicLong();
    private final ExecutorService background;
    /** Per clinic, the last run queued: the next one starts after it (and after it failed). */
    private final ConcurrentMap<String, CompletableFuture<?>> queues = new ConcurrentHashMap<>();
    /** Per clinic: one run at a time, queued or started directly (fixing a baseline). */
    private final ConcurrentMap<String, ReentrantLock> running = new ConcurrentHashMap<>();
    /**
     * Kept requests this process has started: the others are waiting ({@link #queued}). Not kept in
     * the database, where a stop would leave a request marked started that the next start queues again.
     */
    private final java.util.Set<Long> startedRequests = ConcurrentHashMap.newKeySet();

    MonthlyMetricsRunner(JobOperator jobOperator, Job monthlyMetricsJob, EndpointDirectory directory, JdbcClient jdbc,
            MetricsProperties properties, MonthContexts contexts, PlatformTransactionManager transactions,
            org.springframework.batch.core.repository.JobRepository jobRepository) {
        this.jobRepository = jobRepository;
        this.tx = new TransactionTemplate(transactions);
        AtomicInteger threads = new AtomicInteger();
        this.background = Executors.newFixedThreadPool(properties.jobConcurrency(), r -> {
            Thread t = new Thread(r, "monthly-metrics-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.jobOperator = jobOperator;
        this.job = monthlyMetricsJob;
        this.directory = directory;
        this.jdbc = jdbc;
        this.properties = properties;
        this.contexts = contexts;
    }

    /**
     * Computes the month now, on the calling thread. A provisional month is always recomputed (its
     * figures change as days pass even when the data does not).
     */
    public MetricsJobRun run(String clinicId, YearMonth month, boolean recompute) {
        return run(clinicId, month, month, recompute, MetricsJobRun.ON_DEMAND);
    }

    /**
     * Computes the months from {@code from} to {@code to} now, in one job run that reads each
     * referral once (a full recompute: a changed rule or configuration). Always a new job instance
     * when {@code recompute} or when one of the months is provisional.
     */
    public MetricsJobRun run(String clinicId, YearMonth from, YearMonth to, boolean recompute) {
        return run(clinicId, from, to, recompute, MetricsJobRun.ON_DEMAND);
    }

    /**
     * As {@link #run(String, YearMonth, YearMonth, boolean)}, recording why the run was started
     * (shown in the job history).
     */
    public MetricsJobRun run(String clinicId, YearMonth from, YearMonth to, boolean recompute, String trigger) {
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("from (" + from + ") is after to (" + to + ")");
        }
        LocalDate asOf = contexts.today(clinicId);
        boolean provisional = MonthContext.isProvisional(to, asOf, properties.provisionalDays());
        String label = label(from.toString(), to.toString());
        JobParametersBuilder params = new JobParametersBuilder()
                .addString(MonthlyMetricsJobConfiguration.CLINIC, clinicId, true)
                .addString(MonthlyMetricsJobConfiguration.MONTH, to.toString(), true)
                .addLong(MonthlyMetricsJobConfiguration.DATA_VERSION, dataVersion(clinicId), true)
                .addString(MonthlyMetricsJobConfiguration.AS_OF, asOf.toString(), false)
                .addString(MonthlyMetricsJobConfiguration.TRIGGER, trigger(trigger), false);
        if (!from.equals(to)) {
            params.addString(MonthlyMetricsJobConfiguration.FROM_MONTH, from.toString(), true);
        }
        if (recompute || provisional) {
            // a new job instance each time: wall-clock millis, strictly increasing within this process
            params.addLong(MonthlyMetricsJobConfiguration.RECOMPUTE,
                    lastRecompute.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis())), true);
        }
        JobParameters parameters = params.toJobParameters();
        ReentrantLock clinicLock = running.computeIfAbsent(clinicId, k -> new ReentrantLock());
        clinicLock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    JobExecution execution = jobOperator.start(job, parameters);
                    log.info("Monthly metrics {} {}: {}", clinicId, label, execution.getStatus());
                    return toRun(execution, clinicId, label, trigger(trigger));
                } catch (JobInstanceAlreadyCompleteException e) {
                    return new MetricsJobRun(null, clinicId, label, "UP_TO_DATE", null, null,
                            "Already computed on the same data; ask for a recompute to run it again", trigger(trigger));
                } catch (Exception e) {
                    if (attempt < START_ATTEMPTS && transientFailure(e)) {
                        // another clinic's job being created at the same moment (PostgreSQL's serializable
                        // check on the job repository): its creation was rolled back, start again
                        log.warn("Monthly metrics {} {}: start attempt {} failed ({}); starting again", clinicId,
                                label, attempt, e.getMessage());
                        continue;
                    }
                    log.error("Monthly metrics {} {} could not start: {}", clinicId, label, e.getMessage());
                    return new MetricsJobRun(null, clinicId, label, "NOT_STARTED", null, null, e.getMessage(),
                            trigger(trigger));
                }
            }
        } finally {
            clinicLock.unlock();
        }
    }

    /** Attempts to start a job whose creation in the job repository fails for a transient reason. */
    static final int START_ATTEMPTS = 3;

    static boolean transientFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // serialization failure or deadlock: the transaction that would have created the job was
            // rolled back (not a timeout or an optimistic-lock failure, which may come after the job ran)
            if (t instanceof org.springframework.dao.PessimisticLockingFailureException
                    || (t instanceof java.sql.SQLException sql
                        && ("40001".equals(sql.getSQLState()) || "40P01".equals(sql.getSQLState())))) {
                return true;
            }
        }
        return false;
    }

    private static String trigger(String trigger) {
        return trigger == null || trigger.isBlank() ? MetricsJobRun.ON_DEMAND : shorten(trigger);
    }

    /** Queues the month for the background runner. */
    public MetricsJobRun submit(String clinicId, YearMonth month, boolean recompute, String trigger) {
        return submit(clinicId, month, month, recompute, trigger);
    }

    /**
     * Queues the months from {@code from} to {@code to} for the background runner, as one run,
     * recording why (shown in the job history).
     */
    public MetricsJobRun submit(String clinicId, YearMonth from, YearMonth to, boolean recompute, String trigger) {
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("from (" + from + ") is after to (" + to + ")");
        }
        // kept until it has run: a stop loses no queued run
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.sql("""
                INSERT INTO metrics_run_request (clinic_id, from_month, to_month, recompute, trigger_text, requested_at)
                VALUES (:clinic, :from, :to, :recompute, :trigger, :at)
                """).param("clinic", clinicId).param("from", from.atDay(1)).param("to", to.atDay(1))
                .param("recompute", recompute).param("trigger", trigger(trigger))
                .param("at", OffsetDateTime.now(contexts.clock())).update(key, "id");
        enqueue(new Request(key.getKey().longValue(), clinicId, from.atDay(1), to.atDay(1), recompute,
                trigger(trigger)));
        return new MetricsJobRun(null, clinicId, label(from.toString(), to.toString()), "QUEUED", null, null, null,
                trigger(trigger));
    }

    /** A queued run, as kept in metrics_run_request. */
    record Request(long id, String clinicId, LocalDate fromMonth, LocalDate toMonth, boolean recompute,
            String triggerText) {
    }

    /** Queues the kept request; it is deleted once it has run (not when the runner stops under it). */
    private void enqueue(Request r) {
        queue(r.clinicId(), () -> {
            startedRequests.add(r.id());
            try {
                run(r.clinicId(), YearMonth.from(r.fromMonth()), YearMonth.from(r.toMonth()), r.recompute(),
                        r.triggerText());
            } catch (RuntimeException e) {
                log.error("Monthly metrics {} {}/{} failed before its job started", r.clinicId(), r.fromMonth(),
                        r.toMonth(), e);
            }
            if (!background.isShutdown()) {
                jdbc.sql("DELETE FROM metrics_run_request WHERE id = :id").param("id", r.id()).update();
                startedRequests.remove(r.id());
            }
        });
    }

    /** Runs the task after the clinic's previous queued run, whatever its outcome. */
    private void queue(String clinicId, Runnable task) {
        queues.compute(clinicId, (k, previous) -> (previous == null ? CompletableFuture.completedFuture(null)
                : previous).thenRunAsync(task, background));
    }

    /**
     * At each start, what the last stop interrupted: jobs it stopped mid-run are restarted from their
     * last commit, the runs queued but not run are queued again in the order asked, and the syncs whose
     * end was not recorded are recorded ({@link #recordSyncsEndedUnrecorded()}).
     */
    @EventListener(ApplicationReadyEvent.class)
    void resumeAfterStop() {
        List<JobExecution> restarted = restartStoppedJobs();
        List<Request> pending = jdbc.sql("""
                SELECT id, clinic_id, from_month, to_month, recompute, trigger_text FROM metrics_run_request
                ORDER BY id
                """).query(Request.class).list();
        for (Request r : pending) {
            if (restarted.stream().anyMatch(e -> covers(e, r))) {
                // the restarted job is this request's run
                jdbc.sql("DELETE FROM metrics_run_request WHERE id = :id").param("id", r.id()).update();
            } else {
                log.info("Monthly metrics {} {}/{} was queued before the last stop ({}): queued again", r.clinicId(),
                        r.fromMonth(), r.toMonth(), r.triggerText());
                enqueue(r);
            }
        }
        recordSyncsEndedUnrecorded();
    }

    /**
     * Job executions still marked running that were last updated before this runner was created: the
     * process that ran them stopped (a single instance runs the jobs). Each is marked failed and
     * restarted, in its clinic's queue, from its last commit.
     *
     * @return the executions restarted
     */
    List<JobExecution> restartStoppedJobs() {
        List<JobExecution> restarted = new ArrayList<>();
        for (JobExecution execution : jobRepository.findRunningJobExecutions(MonthlyMetricsJobConfiguration.JOB_NAME)) {
            if (execution.getLastUpdated() != null && !execution.getLastUpdated().isBefore(created)) {
                continue;
            }
            String clinicId = execution.getJobParameters().getString(MonthlyMetricsJobConfiguration.CLINIC);
            jobOperator.recover(execution);
            log.warn("Monthly metrics {}: job execution {} was stopped with the process; restarting it from its last "
                    + "commit", clinicId, execution.getId());
            queueRestart(clinicId, execution.getId(), () -> true, again -> { });
            restarted.add(execution);
        }
        return restarted;
    }

    /**
     * Failed executions restarted by this runner and not finished yet (queued or running): each is
     * queued once, however often the check finds it.
     */
    private final java.util.Set<Long> restarting = ConcurrentHashMap.newKeySet();

    /**
     * Restarts the failed execution from its last commit, in its clinic's queue and under its lock,
     * once (not when it is already queued for a restart), if {@code stillDue} holds when its turn comes.
     *
     * @return 1 when queued, 0 when it already was
     */
    private int queueRestart(String clinicId, long executionId, java.util.function.BooleanSupplier stillDue,
            java.util.function.Consumer<JobExecution> afterwards) {
        if (!restarting.add(executionId)) {
            return 0;
        }
        queue(clinicId, () -> {
            ReentrantLock clinicLock = running.computeIfAbsent(clinicId, k -> new ReentrantLock());
            clinicLock.lock();
            try {
                if (stillDue.getAsBoolean()) {
                    JobExecution again = jobOperator.restart(jobRepository.getJobExecution(executionId));
                    log.info("Monthly metrics {}: job execution {} restarted as {}: {}", clinicId, executionId,
                            again.getId(), again.getStatus());
                    afterwards.accept(again);
                }
            } catch (Exception e) {
                log.error("Monthly metrics {}: job execution {} could not be restarted: {}", clinicId, executionId,
                        e.getMessage());
            } finally {
                clinicLock.unlock();
                restarting.remove(executionId);
            }
        });
        return 1;
    }

    /** How the job history tells a run whose automatic retries are spent (the start of its exit message). */
    static final String RETRIES_SPENT = "Retries spent:";

    /**
     * A retry more than this late (the monitor was stopped meanwhile, or the run failed before retries
     * were made) is not made: the run's day (asOf) is old; the monthly close or a recompute runs it again.
     */
    static final java.time.Duration RETRY_OVERDUE = java.time.Duration.ofDays(1);

    /**
     * Runs that failed (a lost connection, a deadlock, a full disk) are restarted from their last commit,
     * in their clinic's queue, up to {@code failed-run-retries} times, the first {@code
     * failed-run-retry-delay} after the failure, each next one twice as long after the one before. Only
     * the latest execution of a job instance counts, and only while it is failed: one running (here or
     * in another process) is not; nor a run superseded by a later run of the clinic over its months (new
     * data, a recompute) or by one waiting in the queue. A run failed again after the last retry is
     * marked in the job history ({@link #RETRIES_SPENT}). Checked every minute, and after each retry.
     *
     * @return how many restarts were queued
     */
    @Scheduled(fixedDelay = 1, initialDelay = 1, timeUnit = TimeUnit.MINUTES)
    int retryFailedRuns() {
        return retryFailed(null, null);
    }

    /**
     * Queues the restarts of the failed runs due and marks those whose retries are spent; of the one
     * execution when given, which has just failed of {@code cause} (null: read from the job history).
     *
     * @return how many restarts were queued
     */
    private int retryFailed(Long executionId, Throwable cause) {
        int retries = properties.failedRunRetries();
        if (retries == 0) {
            return 0;
        }
        int queued = 0;
        java.time.LocalDateTime now = java.time.LocalDateTime.now();
        java.time.Duration longestWait = properties.failedRunRetryDelay().multipliedBy(1L << (retries - 1));
        for (FailedRun run : failedRuns(executionId, now.minus(longestWait).minus(RETRY_OVERDUE))) {
            if (run.retries() >= retries) {
                // a retry still finishing marks its own failure, with its cause
                if (executionId != null || !restarting.contains(run.previousExecutionId())) {
                    markRetriesSpent(run, cause);
                }
                continue;
            }
            java.time.LocalDateTime due = run.endTime()
                    .plus(properties.failedRunRetryDelay().multipliedBy(1L << run.retries()));
            if (now.isBefore(due) || now.isAfter(due.plus(RETRY_OVERDUE))) {
                continue;
            }
            queued += queueRestart(run.clinicId(), run.executionId(), () -> {
                // it may have been restarted, superseded or queued again meanwhile
                if (failedRuns(run.executionId(), run.endTime()).isEmpty()) {
                    return false;
                }
                log.warn("Monthly metrics {} {}: job execution {} failed; retry {} of {}, from its last commit",
                        run.clinicId(), run.label(), run.executionId(), run.retries() + 1, retries);
                return true;
            }, again -> {
                if (again.getStatus() == org.springframework.batch.core.BatchStatus.FAILED) {
                    retryFailed(again.getId(), again.getAllFailureExceptions().stream().findFirst().orElse(null));
                }
            });
        }
        return queued;
    }

    /** A run's latest execution, failed. */
    record FailedRun(long executionId, String clinicId, String fromMonth, String toMonth,
            java.time.LocalDateTime endTime, int retries, Long previousExecutionId) {

        String label() {
            return MonthlyMetricsRunner.label(fromMonth, toMonth);
        }
    }

    /**
     * Runs whose latest execution failed since {@code since}, not superseded by a later run of the
     * clinic over their months nor by one waiting in the queue; the one execution when given.
     */
    private List<FailedRun> failedRuns(Long executionId, java.time.LocalDateTime since) {
        return jdbc.sql(FAILED_RUNS)
                .param("execution", executionId)
                .param("since", since)
                .query(FailedRun.class).list();
    }

    private static final String FAILED_RUNS = """
            SELECT r.job_execution_id AS execution_id, r.clinic_id, r.from_month, r.to_month, r.end_time,
                   (SELECT COUNT(*) - 1 FROM batch_job_execution x WHERE x.job_instance_id = r.job_instance_id) AS retries,
                   (SELECT MAX(p.job_execution_id) FROM batch_job_execution p
                    WHERE p.job_instance_id = r.job_instance_id AND p.job_execution_id < r.job_execution_id)
                       AS previous_execution_id
            FROM metrics_job_run r
            WHERE r.status = 'FAILED' AND r.end_time >= :since
              AND (CAST(:execution AS BIGINT) IS NULL OR r.job_execution_id = CAST(:execution AS BIGINT))
              -- the latest execution of its instance (not restarted since, here or elsewhere)
              AND NOT EXISTS (SELECT 1 FROM batch_job_execution n
                              WHERE n.job_instance_id = r.job_instance_id AND n.job_execution_id > r.job_execution_id)
              -- no later run of the clinic (a later job instance: newer data, a recompute) over its months;
              -- a restart of an older instance is no later run: it resumes that instance's day and data
              AND NOT EXISTS (SELECT 1 FROM metrics_job_run l
                              WHERE l.job_instance_id > r.job_instance_id AND l.clinic_id = r.clinic_id
                                AND l.from_month <= r.from_month AND l.to_month >= r.to_month)
              -- nor one waiting in the queue (it computes them again)
              AND NOT EXISTS (SELECT 1 FROM metrics_run_request q
                              WHERE q.clinic_id = r.clinic_id
                                AND q.from_month <= CAST(r.from_month || '-01' AS DATE)
                                AND q.to_month >= CAST(r.to_month || '-01' AS DATE))
            ORDER BY r.job_execution_id
            """;

    /**
     * Marks the run's latest execution, in the job history, as failed for good (once: the first line of
     * its exit message says so), with what it failed of: the cause when known, else the first line of
     * its exit message (Batch's: the step's exception, whose cause the stored stack trace may have cut).
     */
    private void markRetriesSpent(FailedRun run, Throwable cause) {
        String stored = jdbc.sql("SELECT exit_message FROM batch_job_execution WHERE job_execution_id = :id")
                .param("id", run.executionId()).query(String.class).optional().orElse(null);
        if (stored != null && stored.startsWith(RETRIES_SPENT)) {
            return;
        }
        Throwable root = cause == null ? null : org.springframework.core.NestedExceptionUtils.getMostSpecificCause(cause);
        String lastError = root != null ? root.getClass().getSimpleName() + ": " + root.getMessage()
                : stored == null ? "" : stored.lines().findFirst().orElse("");
        String message = RETRIES_SPENT + " failed again after " + run.retries() + " automatic "
                + (run.retries() == 1 ? "retry" : "retries") + " from its last commit; no more will be made (ask for a "
                + "recompute to run it again). Last error: " + lastError.lines().findFirst().orElse("")
                + (stored == null ? "" : "\n" + stored);
        int marked = jdbc.sql("""
                UPDATE batch_job_execution SET exit_message = :message
                WHERE job_execution_id = :id AND (exit_message IS NULL OR exit_message NOT LIKE :spent)
                """).param("message", message.length() > EXIT_MESSAGE_LENGTH ? message.substring(0, EXIT_MESSAGE_LENGTH)
                        : message)
                .param("id", run.executionId()).param("spent", RETRIES_SPENT + "%").update();
        if (marked > 0) {
            log.error("Monthly metrics {} {}: job execution {} failed after {} automatic retries; no more will be made. "
                    + "Last error: {}", run.clinicId(), run.label(), run.executionId(), run.retries(), lastError);
        }
    }

    /** The length of batch_job_execution.exit_message. */
    private static final int EXIT_MESSAGE_LENGTH = 2500;

    /** Whether the execution computes what the request asks for. */
    private static boolean covers(JobExecution execution, Request r) {
        JobParameters p = execution.getJobParameters();
        String to = p.getString(MonthlyMetricsJobConfiguration.MONTH);
        String from = p.getString(MonthlyMetricsJobConfiguration.FROM_MONTH, to);
        return r.clinicId().equals(p.getString(MonthlyMetricsJobConfiguration.CLINIC))
                && YearMonth.from(r.toMonth()).toString().equals(to)
                && YearMonth.from(r.fromMonth()).toString().equals(from);
    }

    /** A run's month, or its months as an ISO 8601 interval (2023-11/2026-10). */
    private static String label(String from, String to) {
        return from == null || from.equals(to) ? to : from + "/" + to;
    }

    /** The last complete month in the clinic's time zone. */
    public YearMonth lastCompleteMonth(String clinicId) {
        return currentMonth(clinicId).minusMonths(1);
    }

    /** The clinic's newest month whose figures are no longer provisional. */
    public YearMonth newestFinalMonth(String clinicId) {
        return MonthContext.newestFinalMonth(contexts.today(clinicId), properties.provisionalDays());
    }

    /**
     * Whether the month's figures are final and whole: it has practice rows, all computed after the
     * month turned final and all judged (a run writes a month's rows first and judges them after, in
     * chunks), and no run of the clinic is running or waiting, which could be rewriting them.
     */
    public boolean finalFiguresReady(String clinicId, YearMonth month) {
        ReentrantLock lock = running.get(clinicId);
        if ((lock != null && lock.isLocked()) || !queued(clinicId).isEmpty()) {
            return false;
        }
        return jdbc.sql("""
                SELECT COUNT(*) FROM source_month WHERE clinic_id = :clinic AND month_start = :month
                  AND practitioner_key = '*'
                HAVING COUNT(*) > 0 AND COUNT(CASE WHEN provisional OR status IS NULL THEN 1 END) = 0
                """).param("clinic", clinicId).param("month", month.atDay(1)).query(Integer.class).optional()
                .isPresent();
    }

    /** Whether the month has practice rows at all, final or not. */
    public boolean hasFigures(String clinicId, YearMonth month) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM source_month WHERE clinic_id = :clinic AND month_start = :month
                  AND practitioner_key = '*'
                """).param("clinic", clinicId).param("month", month.atDay(1)).query(Integer.class).single() > 0;
    }

    /** Whether the month's figures are still provisional (shown, recomputed every run, not alerted by default). */
    public boolean isProvisional(String clinicId, YearMonth month) {
        return MonthContext.isProvisional(month, contexts.today(clinicId), properties.provisionalDays());
    }

    private YearMonth currentMonth(String clinicId) {
        return YearMonth.from(contexts.today(clinicId));
    }

    /**
     * After a sync that wrote data: the months its changed referrals and visits belong to (up to
     * recompute-months back; older ones on demand), plus the months that are due anyway
     * (provisional ones, and ones that have just become final), oldest first, so the newest months
     * are the last runs in the history.
     */
    @EventListener
    void afterSync(SyncFinishedEvent event) {
        long start = System.nanoTime();
        SortedSet<YearMonth> touched = new TreeSet<>();
        // runs of the endpoint killed since its last success published no event: this one stands in for
        // them (it finished crediting and linking what they committed, maybe writing nothing itself)
        List<Long> interrupted = interruptedRuns(event.endpointId(), event.syncRunId());
        List<Long> ended = new ArrayList<>(interrupted);
        ended.add(event.syncRunId());
        boolean changed = event.changedData() || !interrupted.isEmpty();
        if (changed) {
            // referrals linked again whose own row and patient's visits did not change (a visit that stopped
            // naming a referral of another patient) are read with the rest (ingest keeps them with the run)
            touched = recordEnded(event.clinicId(), event.endpointId(), ended, event.syncRunId(),
                    event.everyReferralChanged(), event.relinkedMonths());
        } else {
            clearUnderWay(event.clinicId(), ended);
        }
        if (!interrupted.isEmpty()) {
            log.info("Sync {} of {} stands in for interrupted sync(s) {}: the months they touched are {}",
                    event.syncRunId(), event.endpointId(), interrupted, touched);
        }
        if (!properties.recomputeAfterSync() || !event.succeeded()) {
            return;
        }
        YearMonth oldest = currentMonth(event.clinicId()).minusMonths(properties.recomputeMonths());
        String trigger = "after sync " + event.syncRunId() + " of " + event.endpointId();
        // months held by a suspect feed are checked again after a successful sync, whether or not it
        // changed data: a feed that recovered releases their alerts (the same data: a new job instance).
        // At once after a sync that changed data or followed a failed one; otherwise at most hourly
        boolean promptly = changed || previousFailed(event.endpointId(), event.syncRunId());
        SortedSet<YearMonth> suspect = suspectMonths(event.clinicId(), oldest, promptly ? null
                : OffsetDateTime.now(contexts.clock()).minus(SUSPECT_RECHECK));
        SortedSet<YearMonth> months = new TreeSet<>(suspect);
        if (changed) {
            months.addAll(dueMonths(event.clinicId()));
            months.addAll(touched.tailSet(oldest));
        }
        if (months.isEmpty()) {
            return;
        }
        log.info("Sync {} of {}: recomputing {} for {} (found in {} ms){}", event.syncRunId(), event.endpointId(),
                months, event.clinicId(), (System.nanoTime() - start) / 1_000_000,
                suspect.isEmpty() ? "" : "; the feed checked again for " + suspect);
        // oldest first (a month reads the month before's results); a suspect month on its own, computed again
        SortedSet<YearMonth> range = new TreeSet<>();
        for (YearMonth m : months) {
            if (suspect.contains(m)) {
                submitRanges(event.clinicId(), range, trigger);
                range.clear();
                submit(event.clinicId(), m, m, true, trigger);
            } else {
                range.add(m);
            }
        }
        submitRanges(event.clinicId(), range, trigger);
    }

    /** How often, at most, a suspect month is checked again after syncs that neither changed data nor recovered. */
    static final java.time.Duration SUSPECT_RECHECK = java.time.Duration.ofHours(1);

    /**
     * The clinic's months since {@code oldest} whose stored feed check is suspect (their source alerts
     * held), checked before {@code checkedBefore} when given.
     */
    private SortedSet<YearMonth> suspectMonths(String clinicId, YearMonth oldest, OffsetDateTime checkedBefore) {
        return jdbc.sql("""
                SELECT f.month_start FROM feed_check f WHERE f.clinic_id = :clinic AND f.suspect
                  AND f.month_start >= :oldest AND f.computed_at < :before
                  -- not while a run of it waits in the queue (it checks the feed again)
                  AND NOT EXISTS (SELECT 1 FROM metrics_run_request q WHERE q.clinic_id = f.clinic_id
                                  AND q.from_month <= f.month_start AND q.to_month >= f.month_start)
                """).param("clinic", clinicId).param("oldest", oldest.atDay(1))
                .param("before", checkedBefore != null ? checkedBefore : OffsetDateTime.now(contexts.clock()).plusYears(1))
                .query((rs, n) -> YearMonth.from(rs.getObject(1, LocalDate.class)))
                .list().stream().collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }

    /** Whether the endpoint's run before this one failed: this sync may be the feed's recovery. */
    private boolean previousFailed(String endpointId, long syncRunId) {
        return jdbc.sql("""
                SELECT status FROM sync_run WHERE endpoint_id = :endpointId AND id < :run
                  AND status IN ('SUCCEEDED', 'FAILED') ORDER BY id DESC LIMIT 1
                """).param("endpointId", endpointId).param("run", syncRunId).query(String.class).optional()
                .map("FAILED"::equals).orElse(false);
    }

    /**
     * Records, in one transaction, what ended syncs changed (whether or not they are recomputed now,
     * their kept counts are not reused; a failed sync too: what it committed stays) and clears their
     * "sync under way" marks: the clinic's other kept counts can be reused again. If the process dies
     * before this commits, the marks stay and {@link #recordSyncsEndedUnrecorded()} does it at the next
     * start.
     *
     * @return the months they touched
     */
    private SortedSet<YearMonth> recordEnded(String clinicId, String endpointId, List<Long> ended, long recordedBy,
            boolean everyReferralChanged, List<LocalDate> relinkedMonths) {
        return tx.execute(status -> {
            SortedSet<YearMonth> touched = touchedMonths(endpointId, ended);
            relinkedMonths.forEach(m -> touched.add(YearMonth.from(m)));
            recordChanged(clinicId, touched, recordedBy);
            // a later sync of the endpoint that has started writing may have rewritten rows these wrote (their
            // sync run and the month they moved out of are now its own): what these changed can no longer all
            // be read, so every month is counted again
            if (everyReferralChanged || anyChangedEveryReferral(ended) || laterSyncWriting(endpointId, ended)) {
                recordChange(clinicId, ALL_MONTHS, recordedBy);
            }
            clearUnderWay(clinicId, ended);
            return touched;
        });
    }

    /** Deletes the runs' "sync under way" marks; how many there were. */
    private int clearUnderWay(String clinicId, List<Long> runs) {
        return jdbc.sql("DELETE FROM metrics_month_change WHERE clinic_id = :clinic AND month_index = :inProgress "
                + "AND sync_run_id IN (:runs)")
                .param("clinic", clinicId).param("inProgress", SYNC_IN_PROGRESS)
                .param("runs", runs).update();
    }

    /** Whether a sync of the endpoint after the runs has started writing. */
    private boolean laterSyncWriting(String endpointId, List<Long> runs) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM sync_run WHERE endpoint_id = :endpointId AND id > :last
                  AND writing_since IS NOT NULL
                """).param("endpointId", endpointId).param("last", runs.stream().mapToLong(Long::longValue).max()
                .orElse(0)).query(Integer.class).single() > 0;
    }

    /** Whether one of the runs classified the stored requests again or linked every referral again. */
    private boolean anyChangedEveryReferral(List<Long> runs) {
        return jdbc.sql("SELECT COUNT(*) FROM sync_run WHERE id IN (:runs) AND every_referral_changed")
                .param("runs", runs).query(Integer.class).single() > 0;
    }

    /**
     * Syncs that ended (succeeded, or failed without the process stopping) but whose end was never
     * recorded here: the process died between ingest committing the sync's end and this module
     * recording it, so no event reached {@link #afterSync}. Their "sync under way" marks would stop
     * every kept count of the clinic from being reused for good, and the months they changed would
     * not be recomputed. At each start ({@link #resumeAfterStop()}), each is recorded as its event
     * would have been, the months a succeeded one touched are queued, and its mark is cleared; a mark
     * is claimed by deleting it, so a run is recorded once. Syncs the stop interrupted are left to the
     * endpoint's next sync, which finishes their crediting and linking first ({@link #interruptedRuns}).
     *
     * @return the runs recorded
     */
    List<Long> recordSyncsEndedUnrecorded() {
        List<Long> recorded = new ArrayList<>();
        List<Unrecorded> unrecorded = jdbc.sql("""
                SELECT DISTINCT s.id, s.endpoint_id, c.clinic_id, s.status FROM metrics_month_change c
                JOIN sync_run s ON s.id = c.sync_run_id
                WHERE c.month_index = :inProgress AND s.status IN (:ended)
                  AND (s.error_message IS NULL OR s.error_message NOT LIKE :interrupted)
                ORDER BY s.id
                """).param("inProgress", SYNC_IN_PROGRESS)
                .param("ended", List.of(SyncRun.SUCCEEDED, SyncRun.FAILED))
                .param("interrupted", SyncRun.INTERRUPTED + "%")
                .query(Unrecorded.class).list();
        for (Unrecorded run : unrecorded) {
            SortedSet<YearMonth> touched = tx.execute(status -> {
                if (clearUnderWay(run.clinicId(), List.of(run.id())) == 0) {
                    return null; // recorded meanwhile
                }
                return recordEnded(run.clinicId(), run.endpointId(), List.of(run.id()), run.id(), false, List.of());
            });
            if (touched == null) {
                continue;
            }
            recorded.add(run.id());
            log.warn("Sync {} of {} ended but its end was not recorded (the process stopped): recorded now; the "
                    + "months it touched are {}", run.id(), run.endpointId(), touched);
            if (properties.recomputeAfterSync() && SyncRun.SUCCEEDED.equals(run.status())) {
                SortedSet<YearMonth> months = dueMonths(run.clinicId());
                months.addAll(touched.tailSet(currentMonth(run.clinicId()).minusMonths(properties.recomputeMonths())));
                submitRanges(run.clinicId(), months, "after sync " + run.id() + " of " + run.endpointId());
            }
        }
        return recorded;
    }

    /** A sync whose end was not recorded. */
    record Unrecorded(long id, String endpointId, String clinicId, String status) {
    }

    /**
     * The endpoint's runs before this one that a stopped process left unfinished (marked interrupted at
     * the next start, no event published), since its last successful run.
     */
    private List<Long> interruptedRuns(String endpointId, long syncRunId) {
        return jdbc.sql("""
                SELECT s.id FROM sync_run s
                WHERE s.endpoint_id = :endpointId AND s.id < :run AND s.status = 'FAILED'
                  AND s.error_message LIKE :interrupted
                  AND s.id > COALESCE((SELECT MAX(p.id) FROM sync_run p
                                       WHERE p.endpoint_id = :endpointId AND p.id < :run AND p.status = 'SUCCEEDED'), 0)
                ORDER BY s.id
                """).param("endpointId", endpointId).param("run", syncRunId)
                .param("interrupted", SyncRun.INTERRUPTED + "%").query(Long.class).list();
    }

    /** metrics_month_change.month_index of a change to every month of the clinic. */
    static final int ALL_MONTHS = 0;

    /**
     * metrics_month_change.month_index of a sync under way: until it has recorded the months it
     * changed (and for good if it never does, a crash), no kept count of the clinic is reused.
     */
    static final int SYNC_IN_PROGRESS = -1;

    /** Before a sync commits anything: kept counts read from now on may miss what it writes. */
    @EventListener
    void beforeSync(SyncStartedEvent event) {
        recordChange(event.clinicId(), SYNC_IN_PROGRESS, event.syncRunId());
    }

    /** Records that the sync changed the months: their kept counts are counted again when next read. */
    private void recordChanged(String clinicId, SortedSet<YearMonth> months, long syncRunId) {
        for (YearMonth m : months) {
            recordChange(clinicId, MonthlyAggregation.index(m), syncRunId);
        }
    }

    private void recordChange(String clinicId, int monthIndex, long syncRunId) {
        jdbc.sql("""
                INSERT INTO metrics_month_change (clinic_id, month_index, changed_at, sync_run_id)
                VALUES (:clinic, :monthIndex, :changedAt, :run)
                """).param("clinic", clinicId).param("monthIndex", monthIndex)
                .param("changedAt", OffsetDateTime.now(contexts.clock())).param("run", syncRunId).update();
    }

    /** Queues consecutive months as one run each (a run reads each referral once), oldest first. */
    private void submitRanges(String clinicId, SortedSet<YearMonth> months, String trigger) {
        YearMonth from = null;
        YearMonth to = null;
        for (YearMonth m : months) {
            if (to != null && !m.equals(to.plusMonths(1))) {
                submit(clinicId, from, to, false, trigger);
                from = null;
            }
            from = from == null ? m : from;
            to = m;
        }
        if (from != null) {
            submit(clinicId, from, to, false, trigger);
        }
    }

    /** Last month, and the months due, for every clinic. */
    @Scheduled(cron = "${referral-monitor.metrics.monthly-close-schedule:0 0 3 1 * *}")
    void monthlyClose() {
        for (Clinic c : directory.clinics()) {
            SortedSet<YearMonth> months = dueMonths(c.id());
            months.add(lastCompleteMonth(c.id()));
            submitRanges(c.id(), months, "monthly close");
        }
    }

    /**
     * Months to compute whatever changed: the provisional ones (recomputed every run), and those
     * computed while provisional that are final now (their alerts can be raised). Oldest first.
     */
    SortedSet<YearMonth> dueMonths(String clinicId) {
        LocalDate today = contexts.today(clinicId);
        SortedSet<YearMonth> months = new TreeSet<>();
        for (YearMonth m = YearMonth.from(today); MonthContext.isProvisional(m, today, properties.provisionalDays());
                m = m.minusMonths(1)) {
            months.add(m);
        }
        jdbc.sql("SELECT DISTINCT month_start FROM source_month WHERE clinic_id = :clinic AND provisional")
                .param("clinic", clinicId)
                .query((rs, n) -> YearMonth.from(rs.getObject(1, LocalDate.class)))
                .list()
                .forEach(months::add);
        return months;
    }

    /**
     * The months (authored, in the clinic's time zone) of the referrals a sync changed or tombstoned,
     * the months its new versions moved referrals out of, and the months of the referrals whose visits
     * it changed (linked by basedOn, the encounter they were made in, or the same patient, whose
     * visits it changed or gave to another patient). When it changed the directory (practices,
     * providers, roles), every month of the endpoint, because referrals may be credited anew. Oldest
     * first. Of several runs at once (a sync and the interrupted ones it stands in for), in one pass.
     */
    SortedSet<YearMonth> touchedMonths(String endpointId, List<Long> syncRunIds) {
        SortedSet<YearMonth> months = new TreeSet<>();
        jdbc.sql(TOUCHED_MONTHS)
                .param("endpointId", endpointId)
                .param("runs", syncRunIds)
                .query((rs, n) -> YearMonth.from(rs.getObject(1, LocalDate.class)))
                .list()
                .forEach(months::add);
        return months;
    }

    /** One pass over the endpoint's referrals, each checked by index lookups (basedOn, patient hash). */
    private static final String TOUCHED_MONTHS = """
            WITH run AS (
                SELECT MIN(COALESCE(started_at, requested_at)) AS started FROM sync_run WHERE id IN (:runs)
            ), directory_changed AS (
                SELECT 1 AS changed FROM run WHERE
                    EXISTS (SELECT 1 FROM organization o WHERE o.endpoint_id = :endpointId AND o.updated_at >= run.started)
                    OR EXISTS (SELECT 1 FROM practitioner p WHERE p.endpoint_id = :endpointId
                               AND p.updated_at >= run.started)
                    OR EXISTS (SELECT 1 FROM practitioner_role pr WHERE pr.endpoint_id = :endpointId
                               AND pr.updated_at >= run.started)
            ), moved_patients AS (
                -- patients whose visits the sync gave to another patient (a merge of records in the EMR)
                SELECT v.moved_from_patient AS patient_hash FROM visit v
                WHERE v.endpoint_id = :endpointId AND v.sync_run_id IN (:runs) AND v.moved_from_patient IS NOT NULL
            )
            SELECT r.authored_month FROM referral r CROSS JOIN run
            WHERE r.endpoint_id = :endpointId
              AND (r.sync_run_id IN (:runs) OR r.deleted_at >= run.started
                   OR EXISTS (SELECT 1 FROM directory_changed)
                   OR EXISTS (SELECT 1 FROM visit_based_on vb
                              JOIN visit v ON v.endpoint_id = vb.endpoint_id AND v.resource_id = vb.visit_id
                              WHERE vb.referral_id = r.resource_id AND vb.endpoint_id = r.endpoint_id
                                AND (v.sync_run_id IN (:runs) OR v.deleted_at >= run.started))
                   OR EXISTS (SELECT 1 FROM visit v
                              WHERE v.endpoint_id = r.endpoint_id AND v.resource_id = r.encounter_id
                                AND (v.sync_run_id IN (:runs) OR v.deleted_at >= run.started))
                   -- any day: a visit moved to before the referral no longer converts it
                   OR EXISTS (SELECT 1 FROM visit v
                              WHERE v.patient_hash = r.patient_hash AND v.endpoint_id = r.endpoint_id
                                AND (v.sync_run_id IN (:runs) OR v.deleted_at >= run.started))
                   OR r.patient_hash IN (SELECT patient_hash FROM moved_patients))
            UNION
            -- the months the sync's new versions moved referrals out of
            SELECT r.moved_from_month FROM referral r
            WHERE r.endpoint_id = :endpointId AND r.sync_run_id IN (:runs) AND r.moved_from_month IS NOT NULL
            UNION
            -- the months of referrals its linking changed though it wrote neither them nor their patient's visits
            SELECT m.month_start FROM sync_run_relinked_month m WHERE m.sync_run_id IN (:runs)
            """;

    /**
     * Runs queued and not started yet, oldest first (status QUEUED, no execution); for one clinic when
     * given. They start in this order, one clinic's after its earlier ones.
     */
    public List<MetricsJobRun> queued(String clinicId) {
        List<MetricsJobRun> waiting = new ArrayList<>();
        jdbc.sql("""
                SELECT id, clinic_id, from_month, to_month, trigger_text, requested_at FROM metrics_run_request
                WHERE CAST(:clinic AS VARCHAR(64)) IS NULL OR clinic_id = CAST(:clinic AS VARCHAR(64))
                ORDER BY id
                """).param("clinic", clinicId).query(rs -> {
                    if (!startedRequests.contains(rs.getLong(1))) {
                        waiting.add(new MetricsJobRun(null, rs.getString(2),
                                label(YearMonth.from(rs.getObject(3, LocalDate.class)).toString(),
                                        YearMonth.from(rs.getObject(4, LocalDate.class)).toString()),
                                "QUEUED", null, null, "waiting to run since "
                                        + rs.getObject(6, OffsetDateTime.class).withNano(0).toLocalDateTime(),
                                rs.getString(5)));
                    }
                });
        return waiting;
    }

    /** The job history: the runs waiting in the queue first ({@link #queued}), then the recent ones ({@link #history}). */
    public List<MetricsJobRun> queuedAndRecent(String clinicId, int limit) {
        List<MetricsJobRun> runs = new ArrayList<>(queued(clinicId));
        runs.addAll(history(clinicId, limit));
        return runs;
    }

    /** Recent runs, newest first; for one clinic when given. */
    public List<MetricsJobRun> history(String clinicId, int limit) {
        return jdbc.sql("""
                SELECT job_execution_id, clinic_id, from_month, to_month, status, start_time, end_time, exit_message,
                       trigger_text
                FROM metrics_job_run
                WHERE CAST(:clinic AS VARCHAR(64)) IS NULL OR clinic_id = CAST(:clinic AS VARCHAR(64))
                ORDER BY job_execution_id DESC
                LIMIT :limit
                """)
                .param("clinic", clinicId)
                .param("limit", limit)
                .query((rs, n) -> new MetricsJobRun(rs.getLong(1), rs.getString(2), label(rs.getString(3),
                        rs.getString(4)), rs.getString(5),
                        rs.getObject(6, java.time.LocalDateTime.class), rs.getObject(7, java.time.LocalDateTime.class),
                        shorten(rs.getString(8)), rs.getString(9)))
                .list();
    }

    /**
     * The version of the data a month is computed on: when the clinic's newest finished sync that
     * changed anything (wrote, tombstoned, or classified or linked every referral again) finished.
     * A sync still running does not count (a run now reads part of it: its end makes a new version);
     * the time, not the id, so that a sync started earlier and finished later makes a new version too.
     */
    long dataVersion(String clinicId) {
        return jdbc.sql("""
                SELECT MAX(s.finished_at) FROM sync_run s JOIN emr_endpoint e ON e.id = s.endpoint_id
                WHERE e.clinic_id = :clinic AND s.status IN ('SUCCEEDED', 'FAILED') AND s.finished_at IS NOT NULL
                  AND (s.resources_written > 0 OR s.tombstoned > 0 OR s.every_referral_changed)
                """).param("clinic", clinicId).query(OffsetDateTime.class).list().stream()
                .filter(java.util.Objects::nonNull).findFirst().map(t -> t.toInstant().toEpochMilli()).orElse(0L);
    }

    private static MetricsJobRun toRun(JobExecution execution, String clinicId, String month, String trigger) {
        String exit = execution.getExitStatus() == null ? null : execution.getExitStatus().getExitDescription();
        return new MetricsJobRun(execution.getId(), clinicId, month, execution.getStatus().name(),
                execution.getStartTime(), execution.getEndTime(), shorten(exit), trigger);
    }

    private static String shorten(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String firstLine = text.lines().findFirst().orElse(text);
        return firstLine.length() > 300 ? firstLine.substring(0, 299) + "…" : firstLine;
    }

    /** Stops the runs (before the instance lease is given back: this depends on it through the directory). */
    @PreDestroy
    void stop() throws InterruptedException {
        background.shutdownNow();
        if (!background.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("Monthly runs still running 10 s after the stop was asked; they restart from their last commit");
        }
    }
}
