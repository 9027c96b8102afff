package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The set-based part of the monthly job: one statement replaces a clinic-month's facts per
 * referring practice and per referring provider, with their baselines and the inputs of every
 * flag, straight from the stored referrals, visits and conversions. Running it twice gives the
 * same rows.
 *
 * <p>What it counts, month M, in the clinic's time zone:
 * <ul>
 * <li>Received referrals: {@code is_referral}, not draft, not entered-in-error, not tombstoned, not
 * requested by one of the clinic's own organizations. Each falls in exactly one outcome, the first
 * that fits: converted (an attended visit within the conversion window), cancelled (revoked),
 * visit missed (a visit booked for it was cancelled, or its linked visit's day passed without the
 * patient attending), waiting (window not over yet), no visit.</li>
 * <li>Sent: referrals one of the clinic's own organizations requested, credited to the performer's
 * practice.</li>
 * <li>Baseline: the trailing baseline-months complete months (months before the source's first
 * referral do not count; months without referrals count as 0), each divided by its calendar
 * month's seasonal factor, the highest and lowest month dropped (trim), averaged; expected =
 * average x this month's seasonal factor. The seasonal factor of a calendar month is its share of
 * the clinic's referrals over the last 24 months times 12, once the clinic has 24 months of history
 * (else 1), bounded to [0.25, 4].</li>
 * </ul>
 */
@Repository
class MonthlyAggregation {

    /** Encounter statuses of a visit that was booked and then did not take place. */
    static final List<String> MISSED_VISIT_STATUSES = List.of("cancelled", "noshow");

    /** Referral statuses counted as cancelled: R4's revoked, and the "cancelled" some EMRs send. */
    static final List<String> CANCELLED_STATUSES = List.of("revoked", "cancelled");

    /** Months of clinic history a seasonal factor needs, and that it is computed over. */
    static final int SEASON_MONTHS = 24;

    private static final String DELETE = "DELETE FROM source_month WHERE clinic_id = :clinicId AND month_start = :month";

    private static final String DELETE_REASONS =
            "DELETE FROM source_month_reason WHERE clinic_id = :clinicId AND month_start = :month";

    private static final String INSERT = """
            INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                history_months, baseline, status, p_value, computed_at, job_execution_id,
                cancelled, patients, visit_missed, waiting, no_visit, median_days, p90_days, active_providers,
                sent, sent_before, received_before, baseline_average, baseline_variance, seasonal_factor, exposure,
                last_referral_date, recent_months_below, recent_referrals, recent_expected, horizon_days,
                converted_horizon, baseline_referrals, baseline_converted_horizon, baseline_conversion, provisional)
            WITH scoped AS (
                SELECT r.endpoint_id, r.resource_id, r.authored_month, r.authored_date, r.patient_hash, r.status,
                       COALESCE(r.source_org_key, 'unknown') AS org_key, r.source_practitioner_key,
                       r.performer_type, r.performer_id,
                       CASE WHEN r.source_org_key IN (:ownKeys) THEN 1 ELSE 0 END AS outbound
                FROM referral r
                JOIN emr_endpoint e ON e.id = r.endpoint_id
                WHERE e.clinic_id = :clinicId AND r.is_referral AND r.status NOT IN ('draft', 'entered-in-error')
                  AND r.deleted_at IS NULL
                  AND r.authored_month >= CAST(:scanFrom AS DATE) AND r.authored_month <= CAST(:month AS DATE)
            ), inbound AS (
                SELECT s.endpoint_id, s.resource_id, s.authored_month, s.authored_date, s.patient_hash, s.org_key,
                       s.source_practitioner_key,
                       CASE WHEN s.status IN (:cancelledStatuses) THEN 1 ELSE 0 END AS cancelled,
                       CASE WHEN v.status IN (:attended)
                                 AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:windowDays AS INTEGER))
                            THEN 1 ELSE 0 END AS converted,
                       CASE WHEN v.status IN (:attended)
                                 AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:horizonDays AS INTEGER))
                            THEN 1 ELSE 0 END AS converted_horizon,
                       CASE WHEN v.status IN (:attended) AND rc.days_to_visit <= CAST(:windowDays AS INTEGER)
                            THEN rc.days_to_visit END AS days_to_visit,
                       CASE WHEN s.authored_month = CAST(:month AS DATE) AND (
                                (v.resource_id IS NOT NULL AND v.status NOT IN (:attended)
                                 AND v.start_date < CAST(:asOf AS DATE))
                                OR EXISTS (SELECT 1 FROM visit_based_on vb
                                           JOIN visit bv ON bv.endpoint_id = vb.endpoint_id
                                                        AND bv.resource_id = vb.visit_id
                                           WHERE vb.endpoint_id = s.endpoint_id AND vb.referral_id = s.resource_id
                                             AND bv.status IN (:missedVisit) AND bv.deleted_at IS NULL))
                            THEN 1 ELSE 0 END AS visit_missed,
                       CASE WHEN s.authored_date >= CAST(:decidedBefore AS DATE) THEN 1 ELSE 0 END AS window_open
                FROM scoped s
                LEFT JOIN referral_conversion rc ON rc.endpoint_id = s.endpoint_id AND rc.referral_id = s.resource_id
                LEFT JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                                 AND v.deleted_at IS NULL
                WHERE s.outbound = 0
            ), leveled AS (
                SELECT i.*, CASE WHEN l.lvl = 0 THEN '*' ELSE i.source_practitioner_key END AS practitioner_key
                FROM inbound i CROSS JOIN (VALUES (0), (1)) AS l (lvl)
                WHERE l.lvl = 0 OR i.source_practitioner_key IS NOT NULL
            ), monthly AS (
                SELECT org_key, practitioner_key, authored_month, COUNT(*) AS referrals,
                       SUM(converted_horizon) AS converted_horizon,
                       SUM(1 - window_open) AS decided, SUM((1 - window_open) * converted) AS decided_converted,
                       MAX(authored_date) AS last_date,
                       CASE WHEN authored_month >= CAST(:baselineFrom AS DATE) AND authored_month < CAST(:month AS DATE)
                            THEN 1 ELSE 0 END AS in_base
                FROM leveled GROUP BY org_key, practitioner_key, authored_month
            ), clinic_month AS (
                SELECT authored_month, COUNT(*) AS referrals FROM inbound
                WHERE authored_month >= CAST(:seasonFrom AS DATE) AND authored_month < CAST(:month AS DATE)
                GROUP BY authored_month
            ), season AS (
                SELECT CASE WHEN CAST(:seasonal AS BOOLEAN) AND COALESCE(SUM(referrals), 0) > 0
                                 AND EXISTS (SELECT 1 FROM referral r JOIN emr_endpoint e ON e.id = r.endpoint_id
                                             WHERE e.clinic_id = :clinicId AND r.is_referral AND r.deleted_at IS NULL
                                               AND r.authored_month <= CAST(:seasonFrom AS DATE))
                            THEN 1 ELSE 0 END AS seasonal_on,
                       CAST(COALESCE(SUM(referrals), 0) AS DOUBLE PRECISION) AS total
                FROM clinic_month
            ), factor AS (
                SELECT c.cal, CAST(CASE WHEN s.seasonal_on = 1
                                        THEN LEAST(4.0, GREATEST(0.25, 12 * COALESCE(SUM(cm.referrals), 0) / s.total))
                                        ELSE 1.0 END AS DOUBLE PRECISION) AS factor
                FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) AS c (cal)
                CROSS JOIN season s
                LEFT JOIN clinic_month cm ON EXTRACT(MONTH FROM cm.authored_month) = c.cal
                GROUP BY c.cal, s.seasonal_on, s.total
            ), history AS (
                SELECT m.org_key, m.practitioner_key,
                       MIN(CASE WHEN m.authored_month < CAST(:month AS DATE) THEN m.authored_month END) AS first_month,
                       MAX(m.last_date) AS last_date,
                       SUM(CASE WHEN m.authored_month = CAST(:month AS DATE) THEN m.referrals ELSE 0 END) AS referrals,
                       SUM(CASE WHEN m.authored_month >= CAST(:baselineFrom AS DATE) THEN m.referrals ELSE 0 END)
                           AS window_referrals,
                       SUM(CASE WHEN m.in_base = 1 THEN 1 ELSE 0 END) AS present,
                       SUM(CASE WHEN m.in_base = 1 THEN m.referrals / f.factor ELSE 0 END) AS sum_d,
                       SUM(CASE WHEN m.in_base = 1 THEN (m.referrals / f.factor) * (m.referrals / f.factor) ELSE 0 END)
                           AS sumsq_d,
                       MAX(CASE WHEN m.in_base = 1 THEN m.referrals / f.factor END) AS max_d,
                       MIN(CASE WHEN m.in_base = 1 THEN m.referrals / f.factor END) AS min_d,
                       SUM(CASE WHEN m.in_base = 1 THEN m.referrals ELSE 0 END) AS baseline_referrals,
                       SUM(CASE WHEN m.in_base = 1 THEN m.converted_horizon ELSE 0 END) AS baseline_converted_horizon,
                       SUM(CASE WHEN m.in_base = 1 THEN m.decided ELSE 0 END) AS decided,
                       SUM(CASE WHEN m.in_base = 1 THEN m.decided_converted ELSE 0 END) AS decided_converted
                FROM monthly m
                JOIN factor f ON f.cal = EXTRACT(MONTH FROM m.authored_month)
                GROUP BY m.org_key, m.practitioner_key
            ), aged AS (
                -- no earlier month: no history (LEAST ignores a NULL on PostgreSQL, so test for it first)
                SELECT h.*, CAST(CASE WHEN h.first_month IS NULL THEN 0 ELSE LEAST(CAST(:baselineMonths AS INTEGER),
                           (EXTRACT(YEAR FROM CAST(:month AS DATE)) - EXTRACT(YEAR FROM h.first_month)) * 12
                           + EXTRACT(MONTH FROM CAST(:month AS DATE)) - EXTRACT(MONTH FROM h.first_month)) END AS INTEGER)
                           AS n
                FROM history h
            ), spread AS (
                SELECT a.*, COALESCE(a.max_d, 0) AS hi,
                       CASE WHEN a.present < a.n THEN 0 ELSE COALESCE(a.min_d, 0) END AS lo
                FROM aged a
            ), trimmed AS (
                SELECT s.*, CASE WHEN CAST(:trim AS BOOLEAN) AND s.n >= 4 THEN 1 ELSE 0 END AS trim_on
                FROM spread s
            ), base AS (
                SELECT t.*,
                       CASE WHEN t.n < CAST(:minHistoryMonths AS INTEGER) THEN NULL
                            WHEN t.trim_on = 1 THEN (t.sum_d - t.hi - t.lo) / (t.n - 2)
                            ELSE t.sum_d / t.n END AS average
                FROM trimmed t
            ), spread_of_base AS (
                SELECT b.*,
                       CASE WHEN b.average IS NULL THEN NULL
                            WHEN b.trim_on = 1 AND b.n >= 5 THEN GREATEST(0.0, (b.sumsq_d - b.hi * b.hi - b.lo * b.lo
                                 - (b.n - 2) * b.average * b.average) / (b.n - 3))
                            WHEN b.n >= 2 THEN GREATEST(0.0, (b.sumsq_d - b.sum_d * b.sum_d / b.n) / (b.n - 1))
                            END AS variance
                FROM base b
            ), this_month AS (
                SELECT factor FROM factor WHERE cal = CAST(:monthOfYear AS INTEGER)
            ), recent_factor AS (
                SELECT COALESCE(SUM(factor), 0) AS factor_sum FROM factor WHERE cal IN (:recentMonthsOfYear)
            ), recent AS (
                SELECT m.org_key, m.practitioner_key, COUNT(*) AS present, SUM(m.referrals) AS referrals,
                       SUM(CASE WHEN m.referrals <= (1 - CAST(:sustainedDrop AS DOUBLE PRECISION)) * b.average * f.factor
                                    * (CASE WHEN m.authored_month = CAST(:month AS DATE)
                                            THEN CAST(:exposure AS DOUBLE PRECISION) ELSE 1 END)
                                THEN 1 ELSE 0 END) AS below
                FROM monthly m
                JOIN factor f ON f.cal = EXTRACT(MONTH FROM m.authored_month)
                JOIN base b ON b.org_key = m.org_key AND b.practitioner_key = m.practitioner_key
                WHERE m.authored_month >= CAST(:recentFrom AS DATE) AND b.average IS NOT NULL
                GROUP BY m.org_key, m.practitioner_key
            ), current_month AS (
                SELECT org_key, practitioner_key, COUNT(DISTINCT patient_hash) AS patients,
                       SUM(converted) AS converted, SUM(converted_horizon) AS converted_horizon,
                       SUM((1 - converted) * cancelled) AS cancelled,
                       SUM((1 - converted) * (1 - cancelled) * visit_missed) AS visit_missed,
                       SUM((1 - converted) * (1 - cancelled) * (1 - visit_missed) * window_open) AS waiting,
                       SUM((1 - converted) * (1 - cancelled) * (1 - visit_missed) * (1 - window_open)) AS no_visit,
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days_to_visit) AS median_days,
                       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY days_to_visit) AS p90_days,
                       COUNT(DISTINCT source_practitioner_key) AS active_providers
                FROM leveled WHERE authored_month = CAST(:month AS DATE)
                GROUP BY org_key, practitioner_key
            ), outbound AS (
                SELECT COALESCE(po.source_key, pro.source_key,
                           CASE WHEN s.performer_type = 'Organization' AND s.performer_id IS NOT NULL
                                THEN s.endpoint_id || '/Organization/' || s.performer_id
                                WHEN pr.organization_id IS NOT NULL
                                THEN s.endpoint_id || '/Organization/' || pr.organization_id END) AS org_key,
                       s.authored_month
                FROM scoped s
                LEFT JOIN organization po ON s.performer_type = 'Organization' AND po.endpoint_id = s.endpoint_id
                                         AND po.resource_id = s.performer_id
                LEFT JOIN practitioner_role pr ON s.performer_type = 'PractitionerRole'
                                              AND pr.endpoint_id = s.endpoint_id AND pr.resource_id = s.performer_id
                LEFT JOIN organization pro ON pro.endpoint_id = pr.endpoint_id AND pro.resource_id = pr.organization_id
                WHERE s.outbound = 1 AND s.authored_month >= CAST(:baselineFrom AS DATE)
            ), sent AS (
                SELECT org_key,
                       SUM(CASE WHEN authored_month = CAST(:month AS DATE) THEN 1 ELSE 0 END) AS sent,
                       SUM(CASE WHEN authored_month < CAST(:month AS DATE) THEN 1 ELSE 0 END) AS sent_before
                FROM outbound WHERE org_key IS NOT NULL AND org_key NOT IN (:ownKeys)
                GROUP BY org_key
            ), keyset AS (
                SELECT org_key, practitioner_key FROM history WHERE window_referrals > 0
                UNION
                SELECT org_key, '*' FROM sent WHERE sent > 0
            )
            SELECT :clinicId, CAST(:month AS DATE), k.org_key, k.practitioner_key,
                   COALESCE(b.referrals, 0), COALESCE(c.converted, 0), COALESCE(b.n, 0),
                   b.average * tm.factor, NULL, NULL, CAST(:computedAt AS TIMESTAMP WITH TIME ZONE), :jobExecutionId,
                   COALESCE(c.cancelled, 0), COALESCE(c.patients, 0), COALESCE(c.visit_missed, 0),
                   COALESCE(c.waiting, 0), COALESCE(c.no_visit, 0), c.median_days, c.p90_days,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(c.active_providers, 0) ELSE 0 END,
                   COALESCE(se.sent, 0), COALESCE(se.sent_before, 0),
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(b.baseline_referrals, 0) ELSE 0 END,
                   b.average, b.variance, tm.factor, CAST(:exposure AS DOUBLE PRECISION), b.last_date,
                   CASE WHEN b.average IS NULL THEN 0
                        ELSE COALESCE(r.below, 0) + CAST(:recentMonths AS INTEGER) - COALESCE(r.present, 0) END,
                   COALESCE(r.referrals, 0),
                   b.average * (rf.factor_sum + tm.factor * CAST(:exposure AS DOUBLE PRECISION)),
                   CAST(:horizonDays AS INTEGER), COALESCE(c.converted_horizon, 0), COALESCE(b.baseline_referrals, 0),
                   COALESCE(b.baseline_converted_horizon, 0),
                   CASE WHEN b.decided > 0 THEN CAST(b.decided_converted AS DOUBLE PRECISION) / b.decided END,
                   CAST(:provisional AS BOOLEAN)
            FROM keyset k
            LEFT JOIN spread_of_base b ON b.org_key = k.org_key AND b.practitioner_key = k.practitioner_key
            LEFT JOIN current_month c ON c.org_key = k.org_key AND c.practitioner_key = k.practitioner_key
            LEFT JOIN recent r ON r.org_key = k.org_key AND r.practitioner_key = k.practitioner_key
            LEFT JOIN sent se ON k.practitioner_key = '*' AND se.org_key = k.org_key
            CROSS JOIN this_month tm
            CROSS JOIN recent_factor rf
            """;

    /** Cancelled referrals of the month that did not convert, per practice, by the reason the EMR gave. */
    private static final String INSERT_REASONS = """
            INSERT INTO source_month_reason (clinic_id, month_start, org_key, reason, referrals)
            SELECT :clinicId, CAST(:month AS DATE), COALESCE(r.source_org_key, 'unknown'),
                   COALESCE(r.status_reason, 'not given'), COUNT(*)
            FROM referral r
            JOIN emr_endpoint e ON e.id = r.endpoint_id
            WHERE e.clinic_id = :clinicId AND r.is_referral AND r.deleted_at IS NULL
              AND r.status IN (:cancelledStatuses) AND r.authored_month = CAST(:month AS DATE)
              AND (r.source_org_key IS NULL OR r.source_org_key NOT IN (:ownKeys))
              AND NOT EXISTS (SELECT 1 FROM referral_conversion rc
                              JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                                          AND v.deleted_at IS NULL
                              WHERE rc.endpoint_id = r.endpoint_id AND rc.referral_id = r.resource_id
                                AND v.status IN (:attended)
                                AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:windowDays AS INTEGER)))
            GROUP BY COALESCE(r.source_org_key, 'unknown'), COALESCE(r.status_reason, 'not given')
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final MetricsProperties properties;
    private final OwnOrganizations own;

    MonthlyAggregation(NamedParameterJdbcTemplate jdbc, MetricsProperties properties, OwnOrganizations own) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.own = own;
    }

    /** @return how many practice and provider rows the month now has */
    int replaceMonth(MonthContext ctx, long jobExecutionId, OffsetDateTime computedAt) {
        YearMonth month = ctx.month();
        int baselineMonths = ctx.settings().baselineMonths();
        int recentMonths = properties.sustainedMonths();
        List<Integer> recentMonthsOfYear = new ArrayList<>();
        for (int i = 1; i < recentMonths; i++) {
            recentMonthsOfYear.add(month.minusMonths(i).getMonthValue());
        }
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("clinicId", ctx.clinicId())
                .addValue("month", month.atDay(1))
                .addValue("monthOfYear", month.getMonthValue())
                .addValue("scanFrom", month.minusMonths(Math.max(baselineMonths, SEASON_MONTHS)).atDay(1))
                .addValue("seasonFrom", month.minusMonths(SEASON_MONTHS).atDay(1))
                .addValue("baselineFrom", month.minusMonths(baselineMonths).atDay(1))
                .addValue("recentFrom", month.minusMonths(recentMonths - 1L).atDay(1))
                .addValue("recentMonths", recentMonths)
                .addValue("recentMonthsOfYear", recentMonthsOfYear)
                .addValue("sustainedDrop", properties.sustainedDrop())
                .addValue("baselineMonths", baselineMonths)
                .addValue("minHistoryMonths", properties.minHistoryMonths())
                .addValue("trim", ctx.settings().trimBaseline())
                .addValue("seasonal", ctx.settings().seasonal())
                .addValue("ownKeys", own.keys(ctx.clinicId()))
                .addValue("windowDays", ctx.windowDays())
                .addValue("horizonDays", ctx.horizonDays())
                .addValue("asOf", ctx.asOf())
                .addValue("decidedBefore", ctx.decidedBefore())
                .addValue("exposure", ctx.exposure())
                .addValue("provisional", ctx.provisional())
                .addValue("computedAt", computedAt)
                .addValue("jobExecutionId", jobExecutionId)
                // ValueSet rm-attended-visit-status of the monitor's FHIR package
                .addValue("attended", List.copyOf(ReferralCodes.ATTENDED_VISIT_STATUSES))
                .addValue("missedVisit", MISSED_VISIT_STATUSES)
                .addValue("cancelledStatuses", CANCELLED_STATUSES);
        jdbc.update(DELETE_REASONS, params);
        jdbc.update(DELETE, params);
        int rows = jdbc.update(INSERT, params);
        jdbc.update(INSERT_REASONS, params);
        return rows;
    }
}
