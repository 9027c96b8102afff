package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.database.JdbcCursorItemReader;
import org.springframework.batch.infrastructure.item.database.builder.JdbcCursorItemReaderBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.referralmonitor.metrics.MetricsProperties;

/**
 * The monthly metrics job. Identified by clinic, month (YYYY-MM) and the version of the data it
 * reads, so a month is computed once per data version, re-run after new data, and restarted
 * from its last commit after a failure. Step 1 lets the database aggregate (one set-based
 * statement); step 2 reads each practice's row and records the verdict and alerts, in chunks.
 */
@Configuration(proxyBeanMethods = false)
class MonthlyMetricsJobConfiguration {

    static final String JOB_NAME = "monthlyMetricsJob";
    static final String CLINIC = "clinic";
    static final String MONTH = "month";
    static final String DATA_VERSION = "dataVersion";
    static final String RECOMPUTE = "recompute";

    private static final String SOURCE_ROWS = """
            SELECT sm.clinic_id, sm.month_start, sm.org_key, n.name, n.npi, sm.referrals, sm.converted, sm.history_months,
                   sm.baseline
            FROM source_month sm
            LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM organization GROUP BY source_key) n
                   ON n.source_key = sm.org_key
            WHERE sm.clinic_id = ? AND sm.month_start = ? AND sm.practitioner_key = '*'
            ORDER BY sm.org_key
            """;

    @Bean
    Job monthlyMetricsJob(JobRepository jobs, Step aggregateSourceMonths, Step evaluateSources) {
        return new JobBuilder(JOB_NAME, jobs)
                .validator(MonthlyMetricsJobConfiguration::validate)
                .start(aggregateSourceMonths)
                .next(evaluateSources)
                .build();
    }

    @Bean
    Step aggregateSourceMonths(JobRepository jobs, PlatformTransactionManager tx, MonthlyAggregation aggregation) {
        return new StepBuilder("aggregateSourceMonths", jobs)
                .tasklet((contribution, chunk) -> {
                    var params = contribution.getStepExecution().getJobParameters();
                    int rows = aggregation.replaceMonth(params.getString(CLINIC), YearMonth.parse(params.getString(MONTH)),
                            contribution.getStepExecution().getJobExecutionId(), OffsetDateTime.now());
                    contribution.incrementWriteCount(rows);
                    return RepeatStatus.FINISHED;
                }, tx)
                .build();
    }

    @Bean
    Step evaluateSources(JobRepository jobs, PlatformTransactionManager tx, JdbcCursorItemReader<SourceMonth> sourceMonthReader,
            SlowdownRule rule, FlagWriter writer, MetricsProperties properties) {
        return new StepBuilder("evaluateSources", jobs)
                .<SourceMonth, Evaluation>chunk(properties.chunkSize())
                .transactionManager(tx)
                .reader(sourceMonthReader)
                .processor(rule::evaluate)
                .writer(writer)
                .build();
    }

    @Bean
    @StepScope
    JdbcCursorItemReader<SourceMonth> sourceMonthReader(DataSource dataSource,
            @Value("#{jobParameters['clinic']}") String clinic, @Value("#{jobParameters['month']}") String month) {
        YearMonth yearMonth = YearMonth.parse(month);
        return new JdbcCursorItemReaderBuilder<SourceMonth>()
                .name("sourceMonthReader")
                .dataSource(dataSource)
                .sql(SOURCE_ROWS)
                .preparedStatementSetter(ps -> {
                    ps.setString(1, clinic);
                    ps.setObject(2, yearMonth.atDay(1));
                })
                .rowMapper((rs, n) -> new SourceMonth(rs.getString("clinic_id"), yearMonth, rs.getString("org_key"),
                        rs.getString("name"), rs.getString("npi"), rs.getInt("referrals"), rs.getInt("converted"),
                        rs.getInt("history_months"), rs.getObject("baseline") == null ? null : rs.getDouble("baseline")))
                .build();
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
    }
}
