package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link MonthlyFactsContract} on PostgreSQL. */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = "referral-monitor.ingest.pull.conversion-window-days=30")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class MonthlyFactsIT extends MonthlyFactsContract {

    @Autowired
    MonthContexts contexts;

    @Autowired
    PlatformTransactionManager transactions;

    /**
     * The kept counts' keys are in byte order (V20261206_02), and the counting groups its keys in the
     * same order: the facts statement sorts them without a C library call per comparison.
     */
    @Test
    void theKeptCountsKeysAreInByteOrderAsTheCountingGroupsThem() {
        assertThat(jdbc.sql("""
                SELECT column_name, collation_name FROM information_schema.columns
                WHERE table_name = 'metrics_month_count' AND column_name IN ('org_key', 'practitioner_key')
                ORDER BY column_name""")
                .query((rs, n) -> rs.getString(1) + " " + rs.getString(2)).list())
                .containsExactly("org_key C", "practitioner_key C");
        assertThat(SqlDialect.POSTGRESQL.keyCollation).isEqualTo(" COLLATE \"C\"");
    }

    /**
     * The practice rows' verdicts are written by an update after the insert: pages filled to 80% keep
     * room for the new row versions on their page (V20261206_03).
     */
    @Test
    void theMonthRowsLeaveRoomOnTheirPagesForTheVerdicts() {
        assertThat(jdbc.sql("SELECT reloptions FROM pg_class WHERE relname = 'source_month'")
                .query((rs, n) -> rs.getString(1)).single()).isEqualTo("{fillfactor=80}");
    }

    /**
     * A large run (every month counted) keeps the JIT setting it finds (here on); a small one (its month
     * counted, the others' kept counts read) turns JIT off for the rest of its transaction. Both in one
     * transaction, rolled back: the clinic's rows stay as the job left them.
     */
    @Test
    void aSmallRunRunsWithoutJitALargeOneWithTheSettingItFinds() {
        String server = jit();
        long execution = jdbc.sql("SELECT MAX(job_execution_id) FROM batch_job_execution").query(Long.class).single();
        List<MonthContext> october = List.of(contexts.of("facts", OCTOBER, contexts.today("facts")));

        List<String> settings = new TransactionTemplate(transactions).execute(tx -> {
            tx.setRollbackOnly();
            jdbc.sql("SET LOCAL jit = on").update();
            jdbc.sql("DELETE FROM metrics_month_state WHERE clinic_id = 'facts'").update();
            aggregation.replaceMonths(october, execution, OffsetDateTime.now());
            int large = aggregation.lastCounted();
            String afterLarge = jit();
            aggregation.replaceMonths(october, execution, OffsetDateTime.now());
            return List.of(String.valueOf(large), afterLarge, String.valueOf(aggregation.lastCounted()), jit());
        });

        assertThat(Integer.parseInt(settings.get(0))).as("months counted with nothing kept")
                .isGreaterThan(MonthlyAggregation.LARGE_RUN_MONTHS);
        assertThat(settings.get(1)).as("JIT after the large run").isEqualTo("on");
        assertThat(Integer.parseInt(settings.get(2))).as("months counted reading kept counts")
                .isLessThanOrEqualTo(MonthlyAggregation.LARGE_RUN_MONTHS);
        assertThat(settings.get(3)).as("JIT after the small run").isEqualTo("off");
        assertThat(jit()).as("outside the run's transaction").isEqualTo(server);
    }

    private String jit() {
        return jdbc.sql("SELECT current_setting('jit')").query(String.class).single();
    }
}
