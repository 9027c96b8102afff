package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;

/** Which failures to start a job are worth a second attempt: only the transient ones. */
class JobStartRetryTest {

    @Test
    void aSerializationFailureIsStartedAgain() {
        assertThat(MonthlyMetricsRunner.transientFailure(new CannotAcquireLockException("could not serialize")))
                .isTrue();
        assertThat(MonthlyMetricsRunner.transientFailure(new IllegalStateException("wrapped",
                new SQLException("could not serialize access due to read/write dependencies", "40001")))).isTrue();
    }

    @Test
    void otherFailuresAreReportedAtOnce() {
        assertThat(MonthlyMetricsRunner.transientFailure(new DataIntegrityViolationException("duplicate key")))
                .isFalse();
        assertThat(MonthlyMetricsRunner.transientFailure(new IllegalArgumentException("no such clinic"))).isFalse();
        assertThat(MonthlyMetricsRunner.transientFailure(new SQLException("syntax error", "42601"))).isFalse();
        assertThat(MonthlyMetricsRunner.transientFailure(new org.springframework.dao.QueryTimeoutException("slow")))
                .as("transient, but the job may have run").isFalse();
    }
}
