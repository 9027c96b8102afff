package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What keeps the counting statement's cost to the clinic it counts (measured at full scale in the
 * metrics benchmark): its referrals are read where they are used, not spooled to a temporary file
 * on PostgreSQL, and the missed-visit probe, which PostgreSQL plans as one hash of every missed
 * visit, hashes the clinic's only.
 */
class CountingStatementTest {

    private static final String CLINIC_ONLY = "AND vb.endpoint_id IN (" + MonthlyAggregation.CLINIC_ENDPOINTS + ")";

    @Test
    void onPostgresqlTheReferralsAreReadWhereUsedNotSpooled() {
        for (boolean large : new boolean[] {true, false}) {
            assertThat(MonthlyAggregation.countingStatement(SqlDialect.POSTGRESQL, large))
                    .contains("WITH scoped AS NOT MATERIALIZED (");
            assertThat(MonthlyAggregation.countingStatement(SqlDialect.H2, large)).contains("WITH scoped AS (");
        }
    }

    @Test
    void theMissedVisitProbeReadsTheClinicsVisitsOnly() {
        for (SqlDialect dialect : SqlDialect.values()) {
            for (boolean large : new boolean[] {true, false}) {
                String statement = MonthlyAggregation.countingStatement(dialect, large);
                assertThat(statement).as(dialect + (large ? " large" : " small")).contains(CLINIC_ONLY)
                        .doesNotContainPattern("%\\d\\$s");
            }
        }
    }
}
