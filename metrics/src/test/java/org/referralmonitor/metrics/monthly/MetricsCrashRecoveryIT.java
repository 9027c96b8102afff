package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.IngestProcess;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsMain;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Kill -9 in the middle of a monthly metrics job, start again, and the figures, verdicts and alerts
 * end up as if nothing had happened. A child JVM runs a recompute of the last two complete months of a
 * generated clinic (400 practices, some with planted drops), one practice per chunk; it is killed with
 * SIGKILL once the evaluation step has committed a few chunks, then started again on the same
 * database, where it restarts the job from its last commit. The result is compared, row by row, with
 * an uninterrupted run on a database generated alike.
 */
class MetricsCrashRecoveryIT {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MetricsCrashRecoveryIT.class);

    private static final Path LOGS = Path.of("target", "crash-test");
    private static final String CLINIC = "crash";
    private static final String ENDPOINT = "crash-emr";
    private static final int PRACTICES = 400;

    /** The last two complete months in the clinic's time zone (ReferralFixture's clinics are in New York). */
    private static final YearMonth LAST = YearMonth.now(ZoneId.of("America/New_York")).minusMonths(1);
    private static final YearMonth FIRST = LAST.minusMonths(1);

    @Test
    void aKilledJobIsRestartedAtTheNextStartAndEndsAsAnUninterruptedOne() throws Exception {
        PostgresTestDatabase.Database crashed = world();
        JdbcClient db = JdbcClient.create(dataSource(crashed));
        int evaluatedAtKill;
        try (IngestProcess first = IngestProcess.start(MetricsMain.class, properties(crashed, true),
                LOGS.resolve("metrics-first-run.log"))) {
            await("the evaluation has committed some chunks (log: " + first.log() + ")")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> evaluationCommits(db) >= 5);
            first.kill();
        }
        evaluatedAtKill = evaluated(db);
        assertThat(jobStatuses(db)).as("the kill left the job running").containsExactly("STARTED");
        assertThat(db.sql("SELECT COUNT(*) FROM metrics_run_request").query(Integer.class).single())
                .as("the recompute asked for is still kept").isOne();

        try (IngestProcess second = IngestProcess.start(MetricsMain.class, properties(crashed, false),
                LOGS.resolve("metrics-second-run.log"))) {
            awaitDone(db, second, 2);
        }
        assertThat(jobStatuses(db)).as("marked failed at the start, then restarted to completion")
                .containsExactly("FAILED", "COMPLETED");
        assertThat(db.sql("""
                SELECT s.write_count FROM batch_step_execution s
                WHERE s.step_name = 'evaluateSources' AND s.status = 'COMPLETED'
                """).query(Integer.class).single()).as("the restart evaluates only what the killed run had not")
                .isEqualTo(practiceRows(db) - evaluatedAtKill);

        PostgresTestDatabase.Database reference = world();
        JdbcClient ref = JdbcClient.create(dataSource(reference));
        try (IngestProcess uninterrupted = IngestProcess.start(MetricsMain.class, properties(reference, true),
                LOGS.resolve("metrics-uninterrupted-run.log"))) {
            awaitDone(ref, uninterrupted, 1);
        }
        assertThat(evaluatedAtKill).as("killed with part of the sources evaluated").isPositive()
                .isLessThan(practiceRows(ref));
        assertThat(alerts(ref)).as("the world raises alerts").isNotEmpty();
        log.info("Killed with {} of {} practice rows evaluated; {} alerts, equal after the restart", evaluatedAtKill,
                practiceRows(ref), alerts(ref).size());
        assertThat(sourceMonths(db)).as("source_month after the kill and restart").isEqualTo(sourceMonths(ref));
        assertThat(alerts(db)).as("alerts after the kill and restart").isEqualTo(alerts(ref));
        assertThat(rows(db, "SELECT * FROM source_month_reason ORDER BY month_start, org_key, reason"))
                .isEqualTo(rows(ref, "SELECT * FROM source_month_reason ORDER BY month_start, org_key, reason"));
    }

    /** A new database with the schema and a generated clinic: the same content every time. */
    private static PostgresTestDatabase.Database world() {
        PostgresTestDatabase.Database database = PostgresTestDatabase.create();
        DataSource ds = dataSource(database);
        Flyway.configure().dataSource(ds).locations("classpath:db/migration/common", "classpath:db/migration/postgresql")
                .load().migrate();
        JdbcClient jdbc = JdbcClient.create(ds);
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic(CLINIC, ENDPOINT);
        // a sync after the months ended: the feed is sound and the source alerts are raised
        f.syncRun(ENDPOINT, "SUCCEEDED", OffsetDateTime.now(ZoneOffset.UTC).minusHours(1), 0, null);
        SplittableRandom rng = new SplittableRandom(20261203);
        List<Object[]> rows = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < PRACTICES; i++) {
            String key = String.format(Locale.ROOT, "%s/Organization/p%03d", ENDPOINT, i);
            double rate = 2 + rng.nextDouble() * 14;
            boolean dropped = i % 10 == 0;
            for (YearMonth m = LAST.minusMonths(20); !m.isAfter(LAST); m = m.plusMonths(1)) {
                int n = ReferralFixture.poisson(rng, rate * (dropped && !m.isBefore(FIRST) ? 0.4 : 1));
                for (int k = 0; k < n; k++) {
                    rows.add(ReferralFixture.generated(ENDPOINT, "r" + ++seq, key,
                            m.atDay(1 + rng.nextInt(m.lengthOfMonth()))));
                }
            }
        }
        new JdbcTemplate(ds).batchUpdate(ReferralFixture.INSERT_GENERATED, rows);
        return database;
    }

    private static DataSource dataSource(PostgresTestDatabase.Database database) {
        return new DriverManagerDataSource(database.url(), database.user(), database.password());
    }

    private static Map<String, String> properties(PostgresTestDatabase.Database database, boolean recompute) {
        Map<String, String> p = database.springProperties();
        // one practice per chunk: many commits to be killed between
        p.put("referral-monitor.metrics.chunk-size", "1");
        p.put("referral-monitor.metrics.provisional-days", "0");
        if (recompute) {
            p.put("metrics-main.recompute", CLINIC + "," + FIRST + "," + LAST);
        }
        return p;
    }

    /** Waits until the process has run the job to completion and kept no request. */
    private static void awaitDone(JdbcClient db, IngestProcess process, int executions) {
        await("the job has run to completion (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    assertThat(process.isAlive()).as("the process is up (log: %s)", process.log()).isTrue();
                    List<String> statuses = jobStatuses(db);
                    return statuses.size() == executions && statuses.get(executions - 1).equals("COMPLETED")
                            && db.sql("SELECT COUNT(*) FROM metrics_run_request").query(Integer.class).single() == 0;
                });
    }

    private static int evaluationCommits(JdbcClient db) {
        return db.sql("""
                SELECT COALESCE(MAX(commit_count), 0) FROM batch_step_execution
                WHERE step_name = 'evaluateSources' AND status = 'STARTED'
                """).query(Integer.class).single();
    }

    private static List<String> jobStatuses(JdbcClient db) {
        return db.sql("SELECT status FROM batch_job_execution ORDER BY job_execution_id").query(String.class).list();
    }

    /** Practice rows of the run's months that have been given a verdict. */
    private static int evaluated(JdbcClient db) {
        return db.sql("SELECT COUNT(*) FROM source_month WHERE practitioner_key = '*' AND status IS NOT NULL")
                .query(Integer.class).single();
    }

    private static int practiceRows(JdbcClient db) {
        return db.sql("SELECT COUNT(*) FROM source_month WHERE practitioner_key = '*'").query(Integer.class).single();
    }

    private static List<Map<String, Object>> sourceMonths(JdbcClient db) {
        List<Map<String, Object>> rows = rows(db, "SELECT * FROM source_month ORDER BY month_start, org_key, "
                + "practitioner_key");
        rows.forEach(row -> {
            row.remove("computed_at");
            row.remove("job_execution_id");
        });
        return rows;
    }

    private static List<Map<String, Object>> alerts(JdbcClient db) {
        return rows(db, """
                SELECT kind, org_key, month_start, observed, expected, p_value, explanation, status, resolved_reason
                FROM alert ORDER BY kind, org_key, month_start
                """);
    }

    private static List<Map<String, Object>> rows(JdbcClient db, String sql) {
        return db.sql(sql).query().listOfRows();
    }
}
