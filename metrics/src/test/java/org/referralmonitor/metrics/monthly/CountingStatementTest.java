package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What keeps the counting statement's cost to the clinic it counts (measured at full scale in the
 * metrics benchmark): its referrals are read where they are used, not spooled to a temporary file
 * on PostgreSQL, and the missed-visit probe, which PostgreSQL plans as one hash of every missed
 * visit, hashes the clinic's only. On H2, which joins a derived table by scanning it for every
 * referral, a recompute looks each conversion up by key (a sandbox clinic's 38 months: 62-82 s
 * hashed, under a second looked up).
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
    void aLargeRunHashesTheConversionsOnPostgresqlOnly() {
        String hashed = "LEFT JOIN (SELECT c.endpoint_id, c.referral_id";
        String lookedUp = "LEFT JOIN referral_conversion rc ON rc.endpoint_id = s.endpoint_id";
        assertThat(MonthlyAggregation.countingStatement(SqlDialect.POSTGRESQL, true)).contains(hashed)
                .doesNotContain(lookedUp);
        assertThat(MonthlyAggregation.countingStatement(SqlDialect.POSTGRESQL, false)).contains(lookedUp)
                .doesNotContain(hashed);
        for (boolean large : new boolean[] {true, false}) {
            assertThat(MonthlyAggregation.countingStatement(SqlDialect.H2, large)).contains(lookedUp)
                    .doesNotContain(hashed);
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
