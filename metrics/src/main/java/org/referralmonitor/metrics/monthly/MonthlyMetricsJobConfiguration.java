package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The monthly metrics job. Identified by clinic, month (YYYY-MM) and the version of the data it
 * reads (plus {@code recompute} for deliberate and provisional re-runs), so a month is computed
 * once per data version, re-run after new data, and restarted from its last commit after a
 * failure; {@code asOf}, the day it computes as of, is a non-identifying parameter so a restart
 * sees the same day. Step 1 lets the database aggregate (one set-based statement); step 2 checks
 * the feed; step 3 reads each practice's row and records the verdict and alerts, in chunks.
 */
@Configuration(proxyBeanMethods = false)
class MonthlyMetricsJobConfiguration {

    static final String JOB_NAME = "monthlyMetricsJob";
    static final String CLINIC = "clinic";
    static final String MONTH = "month";
    /** First month of a run over several months (a full recompute); absent: the run is of {@link #MONTH} only. */
    static final String FROM_MONTH = "fromMonth";
    static final String DATA_VERSION = "dataVersion";
    static final String RECOMPUTE = "recompute";
    static final String AS_OF = "asOf";
    /** Why the run was started, in words (not identifying: the same month for another reason is the same instance). */
    static final String TRIGGER = "trigger";

    private static final String SOURCE_ROWS = """
            SELECT sm.*, n.name, n.npi, pm.referrals AS previous_referrals,
                   pm.baseline * pm.exposure AS previous_expected
            FROM source_month sm
            LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM organization GROUP BY source_key) n
                   ON n.source_key = sm.org_key
            -- the practice's month before, as computed (by this run when it is one of its months)
            LEFT JOIN source_month pm ON pm.clinic_id = sm.clinic_id
                                     AND pm.month_start = CAST(sm.month_start - INTERVAL '1' MONTH AS DATE)
                                     AND pm.org_key = sm.org_key AND pm.practitioner_key = '*'
            WHERE sm.clinic_id = ? AND sm.month_start >= ? AND sm.month_start <= ? AND sm.practitioner_key = '*'
            ORDER BY sm.month_start, sm.org_key
            """;

    @Bean
    Job monthlyMetricsJob(JobRepository jobs, Step aggregateSourceMonths, Step checkFeed, Step evaluateSources) {
        return new JobBuilder(JOB_NAME, jobs)
                .validator(MonthlyMetricsJobConfiguration::validate)
                .start(aggregateSourceMonths)
                .next(checkFeed)
                .next(evaluateSources)
                .build();
    }

    @Bean
    Step aggregateSourceMonths(JobRepository jobs, PlatformTransactionManager tx, MonthlyAggregation aggregation,
            MonthContexts contexts) {
        return new StepBuilder("aggregateSourceMonths", jobs)
                .tasklet((contribution, chunk) -> {
                    List<MonthContext> months = contexts(contexts, contribution.getStepExecution().getJobParameters());
                    int rows = aggregation.replaceMonths(months, contribution.getStepExecution().getJobExecutionId(),
                            OffsetDateTime.now(contexts.clock()));
                    contribution.incrementWriteCount(rows);
                    return RepeatStatus.FINISHED;
                }, tx)
                .build();
    }

    @Bean
    Step checkFeed(JobRepository jobs, PlatformTransactionManager tx, FeedStep feed, MonthContexts contexts) {
        return new StepBuilder("checkFeed", jobs)
                .tasklet((contribution, chunk) -> {
                    contexts(contexts, contribution.getStepExecution().getJobParameters()).forEach(feed::run);
                    return RepeatStatus.FINISHED;
                }, tx)
                .build();
    }

    @Bean
    Step evaluateSources(JobRepository jobs, PlatformTransactionManager tx,
            JdbcCursorItemReader<SourceMonth> sourceMonthReader, ItemProcessor<SourceMonth, Evaluation> sourceEvaluator,
            FlagWriter writer, MetricsProperties properties) {
        return new StepBuilder("evaluateSources", jobs)
                .<SourceMonth, Evaluation>chunk(properties.chunkSize())
                .transactionManager(tx)
                .reader(sourceMonthReader)
                .processor(sourceEvaluator)
                .writer(writer)
                .build();
    }

    @Bean
    @StepScope
    ItemProcessor<SourceMonth, Evaluation> sourceEvaluator(SourceRules rules, MonthContexts contexts, FeedHealth feed,
            @Value("#{jobParameters['clinic']}") String clinic, @Value("#{jobParameters['month']}") String month,
            @Value("#{jobParameters['fromMonth']}") String fromMonth, @Value("#{jobParameters['asOf']}") String asOf) {
        Map<YearMonth, MonthContext> byMonth = new HashMap<>();
        Map<YearMonth, Boolean> suspect = new HashMap<>();
        for (MonthContext ctx : contexts(contexts, clinic, fromMonth, month, asOf)) {
            byMonth.put(ctx.month(), ctx);
            for (YearMonth m : List.of(ctx.month().minusMonths(1), ctx.month())) {
                suspect.computeIfAbsent(m, x -> feed.find(clinic, x).map(FeedCheck::suspect).orElse(false));
            }
        }
        return row -> rules.evaluate(suspect.get(row.month().minusMonths(1)) ? row.withoutPreviousMonth() : row,
                byMonth.get(row.month()), suspect.get(row.month()));
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<SourceMonth> sourceMonthReader(DataSource dataSource,
            @Value("#{jobParameters['clinic']}") String clinic, @Value("#{jobParameters['month']}") String month,
            @Value("#{jobParameters['fromMonth']}") String fromMonth) {
        YearMonth last = YearMonth.parse(month);
        YearMonth first = fromMonth == null ? last : YearMonth.parse(fromMonth);
        return new JdbcCursorItemReaderBuilder<SourceMonth>()
                .name("sourceMonthReader")
                .dataSource(dataSource)
                // stream the rows (PostgreSQL's driver reads a whole result unless fetching in a transaction)
                .fetchSize(500)
                .connectionAutoCommit(false)
                .sql(SOURCE_ROWS)
                .preparedStatementSetter(ps -> {
                    ps.setString(1, clinic);
                    ps.setObject(2, first.atDay(1));
                    ps.setObject(3, last.atDay(1));
                })
                .rowMapper((rs, n) -> new SourceMonth(rs.getString("clinic_id"),
                        YearMonth.from(rs.getObject("month_start", LocalDate.class)), rs.getString("org_key"),
                        rs.getString("name"), rs.getString("npi"), rs.getInt("referrals"), rs.getInt("converted"),
                        rs.getInt("history_months"), nullableDouble(rs, "baseline"),
                        nullableDouble(rs, "baseline_average"), nullableDouble(rs, "baseline_variance"),
                        rs.getDouble("seasonal_factor"), rs.getDouble("exposure"),
                        rs.getObject("last_referral_date", LocalDate.class), rs.getInt("recent_months_below"),
                        rs.getInt("recent_referrals"), nullableDouble(rs, "recent_expected"), rs.getInt("horizon_days"),
                        rs.getInt("converted_horizon"), rs.getInt("baseline_referrals"),
                        rs.getInt("baseline_converted_horizon"), nullableDouble(rs, "baseline_conversion"),
                        rs.getInt("cancelled"), rs.getInt("visit_missed"), rs.getInt("waiting"), rs.getInt("no_visit"),
                        rs.getInt("sent"), rs.getInt("sent_before"), rs.getInt("received_before"),
                        rs.getObject("previous_referrals") == null ? null : rs.getInt("previous_referrals"),
                        nullableDouble(rs, "previous_expected"),
                        new SourceMonth.Reciprocity(rs.getInt("previous_sent"), rs.getInt("previous_received"),
                                rs.getInt("previous_sent_before"), rs.getInt("previous_received_before"))))
                .build();
    }

    private static Double nullableDouble(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
        return rs.getObject(column) == null ? null : rs.getDouble(column);
    }

    /**
     * The job's months (fromMonth to month, or month alone), oldest first, as of the day it was
     * started for (today when an older run has no asOf).
     */
    static List<MonthContext> contexts(MonthContexts contexts, JobParameters params) {
        return contexts(contexts, params.getString(CLINIC), params.getString(FROM_MONTH), params.getString(MONTH),
                params.getString(AS_OF));
    }

    private static List<MonthContext> contexts(MonthContexts contexts, String clinic, String fromMonth, String month,
            String asOf) {
        YearMonth last = YearMonth.parse(month);
        YearMonth first = fromMonth == null ? last : YearMonth.parse(fromMonth);
        LocalDate day = asOf == null ? contexts.today(clinic) : LocalDate.parse(asOf);
        List<MonthContext> months = new ArrayList<>();
        for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
            months.add(contexts.of(clinic, m, day));
        }
        return months;
    }

    private static void validate(JobParameters params) throws InvalidJobParametersException {
        String clinic = params.getString(CLINIC);
        String month = params.getString(MONTH);
        if (clinic == null || clinic.isBlank()) {
            throw new InvalidJobParametersException("The monthly metrics job needs a 'clinic' parameter");
        }
        try {
            YearMonth.parse(month == null ? "" : month);
        } catch (DateTimeParseException e) {
            throw new InvalidJobParametersException("The monthly metrics job needs 'month' as YYYY-MM, got '" + month + "'");
        }
        String fromMonth = params.getString(FROM_MONTH);
        try {
            if (fromMonth != null && YearMonth.parse(fromMonth).isAfter(YearMonth.parse(month))) {
                throw new InvalidJobParametersException("The monthly metrics job's 'fromMonth' (" + fromMonth
                        + ") is after its 'month' (" + month + ")");
            }
        } catch (DateTimeParseException e) {
            throw new InvalidJobParametersException("The monthly metrics job needs 'fromMonth' as YYYY-MM, got '"
                    + fromMonth + "'");
        }
        String asOf = params.getString(AS_OF);
        try {
            if (asOf != null) {
                LocalDate.parse(asOf);
            }
        } catch (DateTimeParseException e) {
            throw new InvalidJobParametersException("The monthly metrics job needs 'asOf' as YYYY-MM-DD, got '" + asOf
                    + "'");
        }
    }
}
