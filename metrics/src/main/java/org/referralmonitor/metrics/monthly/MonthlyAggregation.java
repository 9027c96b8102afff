package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The set-based part of the monthly job: one statement replaces a clinic-month's facts per
 * referring practice and per referring provider, with their baselines, straight from the stored
 * referrals and visits. Running it twice gives the same rows.
 */
@Repository
class MonthlyAggregation {

    private static final String DELETE = "DELETE FROM source_month WHERE clinic_id = :clinicId AND month_start = :month";

    private static final String INSERT = """
            INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted, history_months,
                                      baseline, status, p_value, computed_at, job_execution_id)
            WITH scoped AS (
                SELECT r.source_org_key AS org_key, r.source_practitioner_key AS practitioner_key, r.authored_month,
                       CASE WHEN EXISTS (
                           SELECT 1 FROM referral_conversion rc
                           JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                           WHERE rc.endpoint_id = r.endpoint_id AND rc.referral_id = r.resource_id
                             AND v.status IN (:attended)) THEN 1 ELSE 0 END AS converted
                FROM referral r
                JOIN emr_endpoint e ON e.id = r.endpoint_id
                WHERE e.clinic_id = :clinicId AND r.is_referral AND r.status NOT IN ('draft', 'entered-in-error')
                  AND r.deleted_at IS NULL
                  AND r.authored_month >= CAST(:fromMonth AS DATE) AND r.authored_month <= CAST(:month AS DATE)
            ), monthly AS (
                SELECT org_key, '*' AS practitioner_key, authored_month, COUNT(*) AS referrals, SUM(converted) AS converted
                FROM scoped GROUP BY org_key, authored_month
                UNION ALL
                SELECT org_key, practitioner_key, authored_month, COUNT(*), SUM(converted)
                FROM scoped WHERE practitioner_key IS NOT NULL GROUP BY org_key, practitioner_key, authored_month
            ), per_source AS (
                SELECT org_key, practitioner_key,
                       SUM(CASE WHEN authored_month = CAST(:month AS DATE) THEN referrals ELSE 0 END) AS referrals,
                       SUM(CASE WHEN authored_month = CAST(:month AS DATE) THEN converted ELSE 0 END) AS converted,
                       SUM(CASE WHEN authored_month < CAST(:month AS DATE) THEN referrals ELSE 0 END) AS past_referrals,
                       MIN(CASE WHEN authored_month < CAST(:month AS DATE) THEN authored_month END) AS first_month
                FROM monthly GROUP BY org_key, practitioner_key
            ), with_history AS (
                SELECT p.*, CAST(COALESCE(LEAST(:baselineMonths,
                           (EXTRACT(YEAR FROM CAST(:month AS DATE)) - EXTRACT(YEAR FROM first_month)) * 12
                           + EXTRACT(MONTH FROM CAST(:month AS DATE)) - EXTRACT(MONTH FROM first_month)), 0) AS INTEGER)
                           AS history_months
                FROM per_source p
            )
            SELECT :clinicId, CAST(:month AS DATE), org_key, practitioner_key, referrals, converted, history_months,
                   CASE WHEN history_months >= :minHistoryMonths
                        THEN CAST(past_referrals AS NUMERIC(12, 4)) / history_months END,
                   NULL, NULL, CAST(:computedAt AS TIMESTAMP WITH TIME ZONE), :jobExecutionId
            FROM with_history
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final MetricsProperties properties;

    MonthlyAggregation(NamedParameterJdbcTemplate jdbc, MetricsProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /** @return how many practice and provider rows the month now has */
    int replaceMonth(String clinicId, YearMonth month, long jobExecutionId, OffsetDateTime computedAt) {
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("clinicId", clinicId)
                .addValue("month", month.atDay(1))
                .addValue("fromMonth", month.minusMonths(properties.baselineMonths()).atDay(1))
                .addValue("baselineMonths", properties.baselineMonths())
                .addValue("minHistoryMonths", properties.minHistoryMonths())
                .addValue("computedAt", computedAt)
                .addValue("jobExecutionId", jobExecutionId)
                // ValueSet rm-attended-visit-status of the monitor's FHIR package
                .addValue("attended", List.copyOf(ReferralCodes.ATTENDED_VISIT_STATUSES));
        jdbc.update(DELETE, params);
        return jdbc.update(INSERT, params);
    }
}
