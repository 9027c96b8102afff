package org.referralmonitor.benchmarks;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.benchmarks.MetricsWorld.ClinicDef;
import org.referralmonitor.benchmarks.MetricsWorld.LateBatch;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 6: how long the monthly metrics job takes over a large history, next to one hand-written
 * SQL statement computing the same facts over the same tables in the same run.
 *
 * <p>The world ({@link MetricsWorld}) is generated in PostgreSQL: at scale 1.0, 10M referrals from
 * 20k referring practices at 4 clinics over 36 complete months, with visits, conversions and the
 * directory, as syncs leave them. The monitor's metrics part then runs in the benchmark's JVM
 * (with {@code -Xmx512m}), through its public entry point {@link MonthlyMetricsRunner#run}: a full
 * recompute of every clinic and month, then an incremental month after a late sync into an old
 * month. The baseline is one INSERT ... SELECT writing the job's facts for every clinic, month,
 * practice and provider at once (median of 3). The job's rows are compared with the baseline's.
 * Only the ingest tables are written by the benchmark, so it keeps working when the aggregation
 * changes; the baseline statement is what to extend when the job computes more.
 */
final class MetricsBenchmark {

    private static final String ENDPOINT_URL = "http://127.0.0.1:9/fhir/";

    private final double scale;
    /** A kept world to measure on again (its database name), or null to generate one. */
    private final String world;
    /** Generate the world, keep it and stop: measure later with {@code --world}. */
    private final boolean generateOnly;

    MetricsBenchmark(double scale, String world, boolean generateOnly) {
        this.scale = scale;
        this.world = world;
        this.generateOnly = generateOnly;
    }

    String run() throws Exception {
        String loadAtStart = loadAverage();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        YearMonth last = MetricsWorld.CLINICS.stream()
                .map(c -> YearMonth.now(ZoneId.of(c.zone())).minusMonths(1))
                .min(YearMonth::compareTo).orElseThrow();
        try (BenchDatabase db = BenchDatabase.reopen(this.world)) {
            JdbcTemplate direct = new JdbcTemplate(db.dataSource());
            MetricsWorld world = new MetricsWorld(direct, scale, last, now);
            double generationSeconds;
            if (this.world != null) {
                generationSeconds = world.restore(scale);
                System.out.printf(Locale.ROOT, "Measuring again on the kept world %s (generated in %.1f s)%n",
                        db.name(), generationSeconds);
            } else {
                System.out.printf(Locale.ROOT, "Generating %,d referrals from %,d practices, %s to %s, in %s%n",
                        world.targetReferrals, world.sources, world.firstMonth, world.lastMonth, db.url);
                long start = System.nanoTime();
                world.generate();
                generationSeconds = (System.nanoTime() - start) / 1e9;
                world.record(scale, generationSeconds);
            }
            if (generateOnly) {
                db.keep();
                System.out.printf(Locale.ROOT, "Generated in %.1f s; measure on it with: metrics --scale %s --world %s%n",
                        generationSeconds, scale, db.name());
                return null;
            }
            Map<String, Long> counts = world.counts();
            Map<String, Object> profile = world.profile();
            Disk disk = disk(direct);
            List<Map<String, Object>> monthly = world.monthlyCounts();
            Map<String, String> settings = settings(direct);
            System.out.printf(Locale.ROOT, "Generated in %.1f s: %s; database %s%n", generationSeconds, counts,
                    gigabytes(disk.database()));
            try (ConfigurableApplicationContext app = monitor(db)) {
                int baselineMonths = app.getEnvironment().getProperty("referral-monitor.metrics.baseline-months",
                        Integer.class, 12);
                int minHistory = app.getEnvironment().getProperty("referral-monitor.metrics.min-history-months",
                        Integer.class, 6);
                int conversionWindow = app.getEnvironment().getProperty(
                        "referral-monitor.ingest.pull.conversion-window-days", Integer.class, 90);
                Hand hand = handAggregate(direct, world, baselineMonths, minHistory, conversionWindow);
                Full full = fullRecompute(app, direct, world, 1);
                int concurrency = app.getBean(MetricsProperties.class).jobConcurrency();
                Full together = fullRecompute(app, direct, world, concurrency);
                Check check = compare(direct);
                Incremental incremental = incremental(app, direct, world);
                Disk end = disk(direct);
                long counted = monthly.stream().mapToLong(m -> ((Number) m.get("n")).longValue()).sum();
                settings.put("load", loadAtStart + " at the start, " + loadAverage() + " at the end");
                return report(world, counts, profile, settings, generationSeconds, disk, end, hand, full, together,
                        concurrency, check, incremental, counted, baselineMonths);
            }
        }
    }

    /** The metrics part of the monitor on the benchmark's database: no sandbox, no syncs, no schedules. */
    private static ConfigurableApplicationContext monitor(BenchDatabase db) {
        Map<String, Object> p = db.monitorProperties();
        p.put("spring.batch.job.enabled", "false");
        p.put("spring.batch.jdbc.initialize-schema", "never");
        p.put("referral-monitor.metrics.monthly-close-schedule", "-");
        p.put("referral-monitor.metrics.recompute-after-sync", "false");
        for (int i = 0; i < MetricsWorld.CLINICS.size(); i++) {
            ClinicDef c = MetricsWorld.CLINICS.get(i);
            p.put("referral-monitor.ingest.clinics[" + i + "].id", c.id());
            p.put("referral-monitor.ingest.clinics[" + i + "].name", c.name());
            p.put("referral-monitor.ingest.clinics[" + i + "].time-zone", c.zone());
            p.put("referral-monitor.ingest.endpoints[" + i + "].id", c.endpointId());
            p.put("referral-monitor.ingest.endpoints[" + i + "].name", c.name() + " EMR");
            p.put("referral-monitor.ingest.endpoints[" + i + "].clinic", c.id());
            p.put("referral-monitor.ingest.endpoints[" + i + "].base-url", ENDPOINT_URL);
            p.put("referral-monitor.ingest.endpoints[" + i + "].page-size", 1000);
            p.put("referral-monitor.ingest.endpoints[" + i + "].own-organizations[0]", "Organization/org-self");
        }
        String[] args = BenchDatabase.arguments(p);
        return new SpringApplicationBuilder(BenchMetricsApplication.class).web(WebApplicationType.NONE).run(args);
    }

    // ---------------------------------------------------------------------------------------------
    // the baseline: one statement, all clinics and months

    private static final String HAND_TABLE = """
            CREATE TABLE bench_hand_month (
                clinic_id         VARCHAR(64)  NOT NULL,
                month_start       DATE         NOT NULL,
                org_key           VARCHAR(200) NOT NULL,
                practitioner_key  VARCHAR(200) NOT NULL,
                referrals         INTEGER      NOT NULL,
                converted         INTEGER      NOT NULL,
                history_months    INTEGER      NOT NULL,
                baseline          NUMERIC(12, 4),
                PRIMARY KEY (clinic_id, month_start, org_key, practitioner_key)
            )
            """;

    /**
     * The job's facts per clinic x month x practice (practitioner_key '*') and x provider: referrals
     * (not draft, not entered in error, not deleted), converted (a conversion to an attended
     * visit), complete months of history in the trailing window and the mean over them (when
     * there are enough); a row for every month in which the source has referrals in the month or
     * the window before it. Monthly totals once, months made dense per source, the trailing window
     * by a window function.
     */
    private static final String HAND = """
            INSERT INTO bench_hand_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                          history_months, baseline)
            WITH monthly AS (
                SELECT e.clinic_id, COALESCE(r.source_org_key, 'unknown') AS org_key,
                       COALESCE(r.source_practitioner_key, '*') AS practitioner_key,
                       r.authored_month AS month_start, COUNT(*) AS referrals, COUNT(v.resource_id) AS converted
                FROM referral r
                JOIN emr_endpoint e ON e.id = r.endpoint_id
                LEFT JOIN referral_conversion rc ON rc.endpoint_id = r.endpoint_id AND rc.referral_id = r.resource_id
                LEFT JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                                 AND v.status IN (${attended}) AND v.deleted_at IS NULL
                                 AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= ${conversionWindow})
                WHERE r.is_referral AND r.status NOT IN ('draft', 'entered-in-error') AND r.deleted_at IS NULL
                  -- not the referrals the clinics sent (their own organizations' NPIs start with 3 in this world)
                  AND (r.source_org_key IS NULL OR r.source_org_key NOT LIKE 'npi:3%')
                  AND r.authored_month BETWEEN DATE '${first}' AND DATE '${last}'
                GROUP BY GROUPING SETS ((e.clinic_id, COALESCE(r.source_org_key, 'unknown'), r.authored_month),
                                        (e.clinic_id, COALESCE(r.source_org_key, 'unknown'), r.source_practitioner_key,
                                         r.authored_month))
                HAVING GROUPING(r.source_practitioner_key) = 1 OR r.source_practitioner_key IS NOT NULL
            ), spans AS (
                SELECT clinic_id, org_key, practitioner_key, MIN(month_start) AS first_month,
                       LEAST(MAX(month_start) + INTERVAL '${window} months', DATE '${last}') AS last_month
                FROM monthly GROUP BY clinic_id, org_key, practitioner_key
            ), dense AS (
                SELECT s.clinic_id, s.org_key, s.practitioner_key, CAST(g.m AS DATE) AS month_start,
                       COALESCE(mo.referrals, 0) AS referrals, COALESCE(mo.converted, 0) AS converted
                FROM spans s
                CROSS JOIN LATERAL generate_series(s.first_month, s.last_month, INTERVAL '1 month') g(m)
                LEFT JOIN monthly mo ON mo.clinic_id = s.clinic_id AND mo.org_key = s.org_key
                                    AND mo.practitioner_key = s.practitioner_key AND mo.month_start = CAST(g.m AS DATE)
            ), windowed AS (
                SELECT d.*, SUM(d.referrals) OVER w AS past_referrals,
                       MIN(CASE WHEN d.referrals > 0 THEN d.month_start END) OVER w AS first_past
                FROM dense d
                WINDOW w AS (PARTITION BY d.clinic_id, d.org_key, d.practitioner_key ORDER BY d.month_start
                             ROWS BETWEEN ${window} PRECEDING AND 1 PRECEDING)
            ), with_history AS (
                SELECT w.*, CAST(CASE WHEN w.first_past IS NULL THEN 0 ELSE LEAST(${window},
                           (EXTRACT(YEAR FROM w.month_start) - EXTRACT(YEAR FROM w.first_past)) * 12
                           + EXTRACT(MONTH FROM w.month_start) - EXTRACT(MONTH FROM w.first_past)) END AS INTEGER)
                           AS history_months
                FROM windowed w
            )
            SELECT clinic_id, month_start, org_key, practitioner_key, referrals, converted, history_months,
                   CASE WHEN history_months >= ${minHistory}
                        THEN CAST(past_referrals AS NUMERIC(12, 4)) / history_months END
            FROM with_history
            WHERE referrals > 0 OR past_referrals > 0
            """;

    private record Hand(double medianSeconds, List<Double> seconds, int rows, Map<String, Reads> reads) {
    }

    /** Rows PostgreSQL read from a table: by sequential scans and fetched through indexes. */
    private record Reads(long sequential, long byIndex, long tableRows) {

        Reads minus(Reads before) {
            return new Reads(sequential - before.sequential, byIndex - before.byIndex, tableRows);
        }

        Reads per(int runs) {
            return new Reads(sequential / runs, byIndex / runs, tableRows);
        }

        String timesTable() {
            double times = (sequential + byIndex) / (double) Math.max(1, tableRows);
            return String.format(Locale.US, times < 0.1 ? "%.3f" : "%.1f", times);
        }
    }

    private static final List<String> READ_TABLES = List.of("referral", "referral_conversion", "visit");

    /** PostgreSQL's cumulative per-table counters (flushed by each backend within a second of going idle). */
    private static Map<String, Reads> reads(JdbcTemplate sql) {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sql.queryForList("SELECT pg_stat_clear_snapshot()");
        Map<String, Reads> reads = new LinkedHashMap<>();
        sql.query("""
                SELECT t.relname, COALESCE(t.seq_tup_read, 0),
                       -- entries read through the table's indexes (index-only scans included)
                       COALESCE((SELECT SUM(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0),
                       t.n_live_tup
                FROM pg_stat_user_tables t WHERE t.relname IN ('referral', 'referral_conversion', 'visit')
                """, rs -> {
                    reads.put(rs.getString(1), new Reads(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                });
        return reads;
    }

    private static Map<String, Reads> delta(Map<String, Reads> after, Map<String, Reads> before, int runs) {
        Map<String, Reads> delta = new LinkedHashMap<>();
        for (String table : READ_TABLES) {
            if (after.containsKey(table) && before.containsKey(table)) {
                delta.put(table, after.get(table).minus(before.get(table)).per(runs));
            }
        }
        return delta;
    }

    private static Hand handAggregate(JdbcTemplate sql, MetricsWorld world, int window, int minHistory,
            int conversionWindow) {
        String attended = ReferralCodes.ATTENDED_VISIT_STATUSES.stream().sorted().map(s -> "'" + s + "'")
                .collect(Collectors.joining(", "));
        String insert = HAND.replace("${attended}", attended)
                .replace("${first}", world.firstMonth.atDay(1).toString())
                .replace("${last}", world.lastMonth.atDay(1).toString())
                .replace("${window}", Integer.toString(window))
                .replace("${minHistory}", Integer.toString(minHistory))
                .replace("${conversionWindow}", Integer.toString(conversionWindow));
        sql.execute("DROP TABLE IF EXISTS bench_hand_month");
        sql.execute(HAND_TABLE);
        List<Double> seconds = new ArrayList<>();
        int rows = 0;
        Map<String, Reads> before = reads(sql);
        for (int i = 0; i < 3; i++) {
            sql.execute("TRUNCATE bench_hand_month");
            long start = System.nanoTime();
            rows = sql.update(insert);
            seconds.add((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "Hand-written aggregate: %,d rows in %.1f s%n", rows, seconds.get(i));
        }
        return new Hand(median(seconds), seconds, rows, delta(reads(sql), before, 3));
    }

    // ---------------------------------------------------------------------------------------------
    // the job

    private record Full(double seconds, List<Double> perRun, long peakHeap, long maxHeap, Map<String, Double> steps,
            long rows, long alerts, Map<String, Reads> reads) {
    }

    /**
     * One run per clinic over every month (what a deliberate full recompute does), {@code concurrency}
     * clinics at a time: 1, or as many as the monitor's queue runs at once (job-concurrency).
     */
    private static Full fullRecompute(ConfigurableApplicationContext app, JdbcTemplate sql, MetricsWorld world,
            int concurrency) throws InterruptedException {
        MonthlyMetricsRunner runner = app.getBean(MonthlyMetricsRunner.class);
        steadyState(sql);
        List<Double> perRun = new ArrayList<>();
        long firstExecution = Long.MAX_VALUE;
        long lastExecution = 0;
        Map<String, Reads> before = reads(sql);
        System.gc();
        long peak;
        long start;
        long end;
        try (HeapSampler heap = new HeapSampler()) {
            start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            try {
                List<Future<MetricsJobRun>> runs = new ArrayList<>();
                for (ClinicDef clinic : MetricsWorld.CLINICS) {
                    runs.add(pool.submit(() -> {
                        long clinicStart = System.nanoTime();
                        MetricsJobRun run = runner.run(clinic.id(), world.firstMonth, world.lastMonth, true);
                        double took = (System.nanoTime() - clinicStart) / 1e9;
                        synchronized (perRun) {
                            perRun.add(took);
                        }
                        System.out.printf(Locale.ROOT, "Full recompute %s (%d at a time): %d months in %.1f s%n",
                                clinic.id(), concurrency, MetricsWorld.MONTHS, took);
                        return run;
                    }));
                }
                for (Future<MetricsJobRun> future : runs) {
                    MetricsJobRun run;
                    try {
                        run = future.get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("A full recompute run failed", e.getCause());
                    }
                    requireCompleted(run);
                    firstExecution = Math.min(firstExecution, run.executionId());
                    lastExecution = Math.max(lastExecution, run.executionId());
                }
            } finally {
                pool.shutdownNow();
            }
            end = System.nanoTime();
            peak = heap.peakBytes();
        }
        return new Full((end - start) / 1e9, perRun, peak, HeapSampler.maxHeapBytes(),
                stepSeconds(sql, firstExecution, lastExecution), count(sql, "SELECT COUNT(*) FROM source_month"),
                count(sql, "SELECT COUNT(*) FROM alert"), delta(reads(sql), before, 1));
    }

    private static void requireCompleted(MetricsJobRun run) {
        if (!"COMPLETED".equals(run.status())) {
            throw new IllegalStateException("The monthly job for " + run.clinicId() + " " + run.month() + " ended "
                    + run.status() + ": " + run.exitMessage());
        }
    }

    /** Time per step of the job's executions, from Spring Batch's own records. */
    private static Map<String, Double> stepSeconds(JdbcTemplate sql, long fromExecution, long toExecution) {
        Map<String, Double> steps = new LinkedHashMap<>();
        sql.query("""
                SELECT step_name, SUM(EXTRACT(EPOCH FROM end_time - start_time)) AS seconds
                FROM batch_step_execution WHERE job_execution_id BETWEEN ? AND ?
                GROUP BY step_name ORDER BY MIN(step_execution_id)
                """, rs -> {
                    steps.put(rs.getString(1), rs.getDouble(2));
                }, fromExecution, toExecution);
        return steps;
    }

    // ---------------------------------------------------------------------------------------------
    // correctness: the job's rows against the baseline's

    private record Check(String error, long matched, long differ, long differBaselineOnly, long jobOnly, long handOnly,
            long months, long monthsEqual) {
    }

    private static Check compare(JdbcTemplate sql) {
        try {
            Map<String, Object> rows = sql.queryForMap("""
                    SELECT COUNT(*) FILTER (WHERE s.clinic_id IS NOT NULL AND h.clinic_id IS NOT NULL
                               AND s.referrals = h.referrals AND s.converted = h.converted
                               AND s.history_months = h.history_months AND s.baseline IS NOT DISTINCT FROM h.baseline)
                               AS matched,
                           COUNT(*) FILTER (WHERE s.clinic_id IS NOT NULL AND h.clinic_id IS NOT NULL
                               AND NOT (s.referrals = h.referrals AND s.converted = h.converted
                                        AND s.history_months = h.history_months
                                        AND s.baseline IS NOT DISTINCT FROM h.baseline)) AS differ,
                           COUNT(*) FILTER (WHERE s.referrals = h.referrals AND s.converted = h.converted
                               AND h.history_months = s.history_months
                               AND s.baseline IS DISTINCT FROM h.baseline) AS differ_baseline_only,
                           COUNT(*) FILTER (WHERE h.clinic_id IS NULL) AS job_only,
                           COUNT(*) FILTER (WHERE s.clinic_id IS NULL) AS hand_only
                    FROM source_month s
                    FULL JOIN bench_hand_month h ON h.clinic_id = s.clinic_id AND h.month_start = s.month_start
                                                AND h.org_key = s.org_key AND h.practitioner_key = s.practitioner_key
                    """);
            Map<String, Object> months = sql.queryForMap("""
                    SELECT COUNT(*) AS months,
                           COUNT(*) FILTER (WHERE j.referrals = h.referrals AND j.converted = h.converted) AS equal
                    FROM (SELECT clinic_id, month_start, SUM(referrals) AS referrals, SUM(converted) AS converted
                          FROM source_month WHERE practitioner_key = '*' GROUP BY clinic_id, month_start) j
                    FULL JOIN (SELECT clinic_id, month_start, SUM(referrals) AS referrals, SUM(converted) AS converted
                               FROM bench_hand_month WHERE practitioner_key = '*' GROUP BY clinic_id, month_start) h
                           USING (clinic_id, month_start)
                    """);
            Check check = new Check(null, num(rows, "matched"), num(rows, "differ"), num(rows, "differ_baseline_only"),
                    num(rows, "job_only"),
                    num(rows, "hand_only"), num(months, "months"), num(months, "equal"));
            System.out.println("Job vs hand-written aggregate: " + check);
            if (check.differ() + check.jobOnly() + check.handOnly() > 0) {
                sql.queryForList("""
                        SELECT s.clinic_id, COALESCE(s.month_start, h.month_start) AS month_start,
                               COALESCE(s.org_key, h.org_key) AS org_key,
                               COALESCE(s.practitioner_key, h.practitioner_key) AS practitioner_key,
                               s.referrals, h.referrals AS hand_referrals, s.converted, h.converted AS hand_converted,
                               s.history_months, h.history_months AS hand_history, s.baseline, h.baseline AS hand_baseline
                        FROM source_month s
                        FULL JOIN bench_hand_month h ON h.clinic_id = s.clinic_id AND h.month_start = s.month_start
                                                    AND h.org_key = s.org_key AND h.practitioner_key = s.practitioner_key
                        WHERE s.clinic_id IS NULL OR h.clinic_id IS NULL OR s.referrals <> h.referrals
                           OR s.converted <> h.converted OR s.history_months <> h.history_months
                           OR s.baseline IS DISTINCT FROM h.baseline
                        ORDER BY 2, 3, 4 LIMIT 8
                        """).forEach(row -> System.out.println("  differs: " + row));
            }
            return check;
        } catch (RuntimeException e) {
            System.out.println("Job vs hand-written aggregate not compared: " + e.getMessage());
            return new Check(e.getMessage(), 0, 0, 0, 0, 0, 0, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // incremental: a late sync into an old month

    private record Incremental(LateBatch late, double seconds, double medianSeconds, Long before, Long after,
            double followingSeconds, int followingMonths, long peakHeap, Map<String, Double> steps,
            Map<String, Reads> reads) {
    }

    private Incremental incremental(ConfigurableApplicationContext app, JdbcTemplate sql, MetricsWorld world)
            throws InterruptedException {
        MonthlyMetricsRunner runner = app.getBean(MonthlyMetricsRunner.class);
        ClinicDef clinic = MetricsWorld.CLINICS.get(0);
        YearMonth month = world.lastMonth.minusMonths(12);
        steadyState(sql);
        Long before = monthTotal(sql, clinic.id(), month);
        LateBatch late = world.lateBatch(0, month, (int) Math.max(50, Math.round(500 * scale)));
        System.out.printf(Locale.ROOT, "Late batch: %d requests (%d counted) into %s %s by sync run %d%n",
                late.requests(), late.counted(), clinic.id(), month, late.syncRunId());
        Map<String, Reads> readsBefore = reads(sql);
        System.gc();
        List<Double> seconds = new ArrayList<>();
        long peak;
        MetricsJobRun first;
        try (HeapSampler heap = new HeapSampler()) {
            long start = System.nanoTime();
            // the new sync changed the data version: a new job instance, no recompute flag needed
            first = runner.run(clinic.id(), month, false);
            seconds.add((System.nanoTime() - start) / 1e9);
            requireCompleted(first);
            peak = heap.peakBytes();
        }
        Map<String, Reads> reads = delta(reads(sql), readsBefore, 1);
        Long after = monthTotal(sql, clinic.id(), month);
        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            requireCompleted(runner.run(clinic.id(), month, true));
            seconds.add((System.nanoTime() - start) / 1e9);
        }
        int following = 0;
        long start = System.nanoTime();
        for (YearMonth m = month.plusMonths(1); !m.isAfter(world.lastMonth) && following < 12; m = m.plusMonths(1)) {
            requireCompleted(runner.run(clinic.id(), m, false));
            following++;
        }
        double followingSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "Incremental month: %.2f s (then %s), month total %s -> %s; %d following months"
                + " in %.1f s%n", seconds.get(0), seconds.subList(1, 3), before, after, following, followingSeconds);
        return new Incremental(late, seconds.get(0), median(seconds), before, after, followingSeconds, following, peak,
                stepSeconds(sql, first.executionId(), first.executionId()), reads);
    }

    private static Long monthTotal(JdbcTemplate sql, String clinicId, YearMonth month) {
        try {
            return sql.queryForObject("""
                    SELECT COALESCE(SUM(referrals), 0) FROM source_month
                    WHERE clinic_id = ? AND month_start = ? AND practitioner_key = '*'
                    """, Long.class, clinicId, month.atDay(1));
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // sizes, settings, arithmetic

    private record Disk(long database, Map<String, Long> tables) {
    }

    private static Disk disk(JdbcTemplate sql) {
        Map<String, Long> tables = new LinkedHashMap<>();
        sql.query("""
                SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                WHERE c.relkind = 'r' AND c.relname IN ('referral', 'visit', 'referral_conversion', 'visit_based_on',
                                                        'source_month', 'bench_hand_month')
                ORDER BY pg_total_relation_size(c.oid) DESC
                """, rs -> {
                    tables.put(rs.getString(1), rs.getLong(2));
                });
        return new Disk(sql.queryForObject("SELECT pg_database_size(current_database())", Long.class), tables);
    }

    /** The 1-, 5- and 15-minute load averages, where the OS tells them (the machine may be shared). */
    private static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The tables the metrics job writes (rows replaced on every run). */
    private static final String JOB_TABLES = "source_month, source_month_reason, metrics_month_count, "
            + "metrics_month_state, metrics_month_change, metrics_target, metrics_target_month, metrics_clinic_month, "
            + "alert, feed_check";

    /**
     * Vacuums and analyzes what the previous measured run left in the job's tables, as autovacuum would
     * between two runs (the server here runs with autovacuum off): every measured run starts from the
     * same steady state as the first, not from the dead rows of the run before it.
     */
    private static void steadyState(JdbcTemplate sql) {
        long start = System.nanoTime();
        sql.execute("VACUUM (ANALYZE) " + JOB_TABLES);
        System.out.printf(Locale.ROOT, "VACUUM (ANALYZE) of the job's tables before the run: %.1f s%n",
                (System.nanoTime() - start) / 1e9);
    }

    private static Map<String, String> settings(JdbcTemplate sql) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("version", sql.queryForObject("SHOW server_version", String.class).split(" ")[0]);
        for (String name : List.of("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit",
                "autovacuum")) {
            settings.put(name, sql.queryForObject("SHOW " + name, String.class));
        }
        return settings;
    }

    private static long count(JdbcTemplate sql, String query) {
        try {
            return sql.queryForObject(query, Long.class);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static long num(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).longValue();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String thousands(Long n) {
        return n == null ? "?" : String.format(Locale.US, "%,d", n);
    }

    private static String gigabytes(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.US, "%.1f GB", bytes / (double) (1L << 30))
                : String.format(Locale.US, "%,d MB", bytes >> 20);
    }

    private static String seconds(double s) {
        return s >= 600 ? String.format(Locale.US, "%.1f min", s / 60) : String.format(Locale.US, "%.1f s", s);
    }

    private String atThisScale() {
        return scale == 1.0 ? "" : " at scale " + scale;
    }

    private static String rate(double items, double seconds) {
        return Timing.perSecond(items / seconds);
    }

    // ---------------------------------------------------------------------------------------------
    // the section

    private String report(MetricsWorld world, Map<String, Long> counts, Map<String, Object> profile,
            Map<String, String> settings, double generationSeconds, Disk disk, Disk end, Hand hand, Full full,
            Full together, int concurrency, Check check, Incremental inc, long counted, int window) {
        int runs = full.perRun().size();
        double ratio = together.seconds() / hand.medianSeconds();
        double sequentialRatio = full.seconds() / hand.medianSeconds();
        List<Double> perRun = new ArrayList<>(full.perRun());
        Collections.sort(perRun);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.US, """
                ## Metrics (issue 6)

                `java -Xmx512m -jar benchmarks/target/benchmarks.jar metrics%s` on %s (%d cores, Java %s), PostgreSQL %s
                (shared_buffers %s, work_mem %s, max_parallel_workers_per_gather %s, jit %s, autovacuum %s), %s; load
                average %s. Before each measured run the job's tables are vacuumed and analyzed, as autovacuum would
                between runs: each run starts from the steady state, not from the dead rows the run before left.

                """, scale == 1.0 ? "" : " --scale " + scale, System.getProperty("os.name"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), settings.get("version"),
                settings.get("shared_buffers"), settings.get("work_mem"), settings.get("max_parallel_workers_per_gather"),
                settings.get("jit"), settings.get("autovacuum"), LocalDate.now(ZoneOffset.UTC), settings.get("load")));
        if (scale != 1.0) {
            out.append(String.format(Locale.US, """
                    **Measured at scale %s of the issue's workload**: %,d referrals from %,d practices, where the
                    targets are set for 10M referrals from 20k practices (`metrics` without `--scale`).

                    """, scale, num(profile, "referrals"), world.sources));
        }
        out.append(String.format(Locale.US, """
                Workload, generated inside PostgreSQL by set-based statements (`MetricsWorld`) into the ingest
                tables as syncs leave them: %d clinics (one EMR endpoint each, four time zones), %d complete
                months (%s to %s), %,d referring practices keyed by NPI with %,d providers (practitioners and
                roles); **%,d referrals** (%,d outbound, %,d revoked, %,d draft or entered in error, %,d deleted)
                plus %,d lab orders that are not referrals; %,d distinct patients; %,d visits, %,d conversions
                (%,d to an attended visit: %.0f%% of referrals; median %s days to the visit). Practices' volumes
                are log-normal: median %.1f referrals a month, 99th percentile %.0f, largest %.0f; %,d practices
                are new during the period, %,d go dark, %,d have a planted drop of 40-60%%.
                Generated in %s, database %s after `VACUUM ANALYZE`:

                | Generation step | Rows | Time | Rate |
                | --- | ---: | ---: | ---: |
                """, MetricsWorld.CLINICS.size(), MetricsWorld.MONTHS, world.firstMonth, world.lastMonth, world.sources,
                num(profile, "providers"), num(profile, "referrals"),
                num(profile, "outbound"), num(profile, "revoked"), num(profile, "excluded"), num(profile, "deleted"),
                num(profile, "other_orders"), num(profile, "patients"), counts.get("visit"),
                counts.get("referral_conversion"), num(profile, "attended"),
                100.0 * num(profile, "attended") / num(profile, "referrals"), profile.get("median_days"),
                ((Number) profile.get("median_per_month")).doubleValue(),
                ((Number) profile.get("p99_per_month")).doubleValue(),
                ((Number) profile.get("max_per_month")).doubleValue(), num(profile, "new_sources"),
                num(profile, "dark_sources"), num(profile, "planted_drops"), seconds(generationSeconds),
                gigabytes(disk.database())));
        for (MetricsWorld.Step step : world.generationSteps) {
            if (step.seconds() < 0.05 && step.rows() < 1000) {
                continue;
            }
            out.append(String.format(Locale.US, "| %s | %s | %s | %s |%n", step.name(),
                    step.rows() > 0 ? String.format(Locale.US, "%,d", step.rows()) : "",
                    seconds(step.seconds()), step.rows() > 1000 ? rate(step.rows(), step.seconds()) : ""));
        }
        out.append(String.format(Locale.US, """

                Table sizes at the end of the run, indexes included: %s.

                The monitor's metrics part then runs in the benchmark's JVM (heap at most %,d MB) on that
                database, through `MonthlyMetricsRunner.run(...)` as the API, the UI and the schedule do: a full
                recompute is one job run per clinic over all its months (`run(clinic, from, to, true)`, which
                reads each referral once), an incremental month one run of that month. The baseline is one hand-written `INSERT ... SELECT` computing the facts the job
                stores in `source_month` for every clinic, month, practice and practice x provider at once:
                referrals, converted (to an attended visit), complete months of history in the trailing
                %d-month window and the baseline over them, including the months a source sent nothing but had
                referrals in the window; the monthly totals once, months made dense per source, the window by
                a window function (median of 3 runs: %s). It does not decide slowdowns (the job's second step).

                | What | Time | Referrals/s |
                | --- | ---: | ---: |
                | **Full recompute**: the job for %d clinics x %d months, one run per clinic (%d runs), `recompute=true`, one after the other | **%s** | %s |
                """, end.tables().entrySet().stream().filter(e -> !e.getKey().startsWith("bench_"))
                        .map(e -> e.getKey() + " " + gigabytes(e.getValue())).collect(Collectors.joining(", ")),
                full.maxHeap() >> 20, window,
                hand.seconds().stream().map(MetricsBenchmark::seconds).collect(Collectors.joining(", ")),
                MetricsWorld.CLINICS.size(), MetricsWorld.MONTHS, runs, seconds(full.seconds()),
                rate(counted, full.seconds())));
        double stepTotal = 0;
        for (Map.Entry<String, Double> step : full.steps().entrySet()) {
            stepTotal += step.getValue();
            out.append(String.format(Locale.US, "| – of which step `%s` | %s | |%n", step.getKey(),
                    seconds(step.getValue())));
        }
        out.append(String.format(Locale.US, """
                | – of which Spring Batch around the steps (job repository, launching) | %s | |
                | – one clinic's run: fastest / median / slowest | %.2f / %.2f / %.2f s | |
                | **Full recompute, %d clinics at a time** (job-concurrency %d: how the monitor's queue runs a recompute of every clinic) | **%s** | %s |
                | **Baseline: one hand-written SQL statement**, the same facts for all %d clinic-months (%,d rows) | **%s** | %s |
                | **Incremental month**: after a late sync of %d requests (%d counted referrals) into %s at %s, the job for that month | **%.2f s** | |
                | – the same month recomputed, median of 3 | %.2f s | |
                | – of which step `%s` | %.2f s | |
                | For reference: the %d following months, whose baselines include the late month | %s | |

                """, seconds(Math.max(0, full.seconds() - stepTotal)), perRun.get(0), perRun.get(perRun.size() / 2),
                perRun.get(perRun.size() - 1), concurrency, concurrency, seconds(together.seconds()),
                rate(counted, together.seconds()), MetricsWorld.CLINICS.size() * MetricsWorld.MONTHS, hand.rows(),
                seconds(hand.medianSeconds()),
                rate(counted, hand.medianSeconds()), inc.late().requests(), inc.late().counted(), inc.late().month(),
                inc.late().clinicId(), inc.seconds(), inc.medianSeconds(),
                inc.steps().keySet().stream().findFirst().orElse("?"),
                inc.steps().values().stream().findFirst().orElse(0.0), inc.followingMonths(),
                seconds(inc.followingSeconds())));
        boolean ratioMet = ratio <= 1.5;
        boolean incMet = inc.seconds() < 10;
        out.append(String.format(Locale.US, """
                **The full recompute takes %.2f times as long as the hand-written statement** (%d clinics at a
                time as the monitor runs it; %.2f times one after the other) (target: within 1.5 times):
                **%s**%s.
                **An incremental month takes %.2f s** (target: under 10 s): **%s**%s.
                **Peak heap: %,d MB during the full recompute, %,d MB during the incremental month**, of the
                %,d MB allowed (sampled every 10 ms; used heap, garbage included).

                """, ratio, concurrency, sequentialRatio, ratioMet ? "met" : "not met", atThisScale(), inc.seconds(), incMet ? "met" : "not met",
                atThisScale(),
                full.peakHeap() >> 20, inc.peakHeap() >> 20, full.maxHeap() >> 20));
        out.append("""
                Rows PostgreSQL read from the tables the facts come from (sequential scans, and entries read
                through their indexes, index-only scans included; from `pg_stat_user_tables` and
                `pg_stat_user_indexes`), in multiples of each table's rows:

                | Table | Rows | Full recompute | Statement, one run | Incremental month |
                | --- | ---: | ---: | ---: | ---: |
                """);
        for (String table : READ_TABLES) {
            Reads job = full.reads().get(table);
            if (job == null) {
                continue;
            }
            Reads statement = hand.reads().get(table);
            Reads month = inc.reads().get(table);
            out.append(String.format(Locale.US, "| `%s` | %,d | %sx | %sx | %sx |%n", table, job.tableRows(),
                    job.timesTable(), statement == null ? "?" : statement.timesTable(),
                    month == null ? "?" : month.timesTable()));
        }
        out.append("\n");
        if (check.error() == null) {
            out.append(String.format(Locale.US, """
                    Same results: of the job's and the statement's rows, %,d are equal (referrals, converted,
                    history months, baseline), %,d differ, %,d are only the job's and %,d only the statement's;
                    per clinic-month totals of referrals and conversions are equal in %d of %d. The job wrote
                    %,d rows and %,d alerts. After the late sync the month's total of referrals went from %s to
                    %s (the batch holds %,d counted referrals).

                    """, check.matched(), check.differ(), check.jobOnly(), check.handOnly(), check.monthsEqual(),
                    check.months(), full.rows(), full.alerts(), thousands(inc.before()), thousands(inc.after()),
                    inc.late().counted()));
            if (check.differ() > 0) {
                out.append(String.format(Locale.US, """
                        Where rows differ, the definitions differ: the statement's history starts at the first
                        month with referrals inside the %d-month window and its baseline is a plain mean; the job
                        counts the whole window when the source sent referrals before it (within 24 months), and
                        its baseline (compared here) is the trimmed, seasonally adjusted one described in
                        `metrics/README.md`. %,d of the differing rows differ only in the baseline.

                        """, window, check.differBaselineOnly()));
            }
        } else {
            out.append("The job's rows could not be compared with the statement's: " + check.error() + "\n\n");
        }
        double aggregateStep = full.steps().values().stream().findFirst().orElse(0.0);
        out.append(String.format(Locale.US, """
                Where the time goes: the job's set-based step takes %s (%.1f times the statement): besides the
                statement's facts it computes, per source and month, distinct patients, median and 90th
                percentile days to the visit, why referrals did not convert (with a probe for missed visits),
                what the clinic sent, the seasonal factors, the trimmed baseline and its variance, the recent
                months for sustained decline and the conversions within each month's horizon; the rest is
                the evaluation of every practice row in Java (tests, wording, verdicts and alerts written in
                chunks) and Spring Batch's bookkeeping. The job runs per clinic (its identity: clinic and
                months; each clinic has its own settings, time zone and own organizations), and each run
                reads its own clinic's referral index entries more than once (counting its months and the
                24 before them into `metrics_month_count`, the cancel reasons, the feed check: the "Full
                recompute" column above), where the statement reads every clinic's referrals once. An
                incremental month counts the referrals of its own month and of the months before it whose
                windows are still open, and reads the other months' kept counts. Runs of
                different clinics go %d at a time (job-concurrency), so a recompute of every clinic uses
                both of this machine's cores; the statement is one `INSERT ... SELECT`, which PostgreSQL 15
                runs on one core. Before this
                design (one job run per clinic and month, each reading the month and the 24 months before it
                again, and one update per source and alert kind to resolve alerts) the same full recompute
                took 80.7 s at scale 0.1, 12.9 times the statement (measured 2026-11-23, earlier session).
                """, seconds(aggregateStep), aggregateStep / hand.medianSeconds(), concurrency));
        return out.toString();
    }
}
