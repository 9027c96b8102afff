package org.referralmonitor.metrics.monthly;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The set-based part of the monthly job: it replaces a clinic-month's facts per referring practice
 * and per referring provider, with their baselines and the inputs of every flag. First one statement
 * counts, from the stored referrals, visits and conversions, the months whose kept counts
 * ({@code metrics_month_count}) cannot be reused: the run's own months and earlier ones not settled,
 * counted under other settings or changed by a sync since. Then one statement computes every run
 * month from the counts. Running it twice gives the same rows.
 *
 * <p>What it counts, month M, in the clinic's time zone:
 * <ul>
 * <li>Received referrals: {@code is_referral}, not draft, not entered-in-error, not tombstoned, not
 * requested by one of the clinic's own organizations. Each falls in exactly one outcome, the first
 * that fits: converted (an attended visit within the conversion window), cancelled (revoked),
 * visit missed (a visit booked for it was cancelled, or its linked visit's day passed without the
 * patient attending), waiting (window not over yet), no visit.</li>
 * <li>Sent: referrals one of the clinic's own organizations requested, credited to the performer's
 * practice. Each practice row also carries the month before's sent and received, and over the
 * baseline months before that month: a reciprocity flip is raised only where the month before was
 * not one already.</li>
 * <li>Baseline: the trailing baseline-months complete months (months before the source's first
 * referral do not count; months without referrals count as 0), each divided by its calendar
 * month's seasonal factor, the highest and lowest month dropped (trim), averaged; expected =
 * average x this month's seasonal factor. The seasonal factor of a calendar month is its share of
 * the clinic's referrals over the last 24 months times 12, once the clinic has 24 complete months of
 * received referrals after its first (possibly partial) month with one (else 1), bounded to
 * [0.25, 4]; drafts, entered-in-error referrals and those it sent are no history.</li>
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

    /** Offsets 0..24 months: joins on month_index = month_index + k instead of ranges (hash joins). */
    private static final String OFFSETS = "(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), "
            + "(13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23), (24)) AS o (k)";

    private static final String INSERT_TARGET = """
            INSERT INTO metrics_target (job_execution_id, month_start, month_index, season_from, exposure, horizon_days,
                provisional)
            VALUES (:jobExecutionId, :month, :monthIndex, :seasonFrom, :exposure, :horizonDays, :provisional)
            """;

    /** The clinic's received referrals per month over the months the run reads (seasonal factors). */
    private static final String INSERT_CLINIC_MONTHS = """
            INSERT INTO metrics_clinic_month (job_execution_id, month_index, referrals)
            SELECT :jobExecutionId, month_index, SUM(referrals)
            FROM metrics_month_count
            WHERE clinic_id = :clinicId AND practitioner_key = '*'
              AND month_index >= :scanFromIndex AND month_index <= :lastIndex
            GROUP BY month_index
            HAVING SUM(referrals) > 0
            """;

    /**
     * The months whose kept counts a run can use instead of reading their referrals: settled (every
     * referral's window was over when they were counted), counted under the same settings, and not
     * changed by a sync since.
     */
    private static final String REUSABLE_MONTHS = """
            SELECT s.month_index FROM metrics_month_state s
            WHERE s.clinic_id = :clinicId AND s.month_index >= :scanFromIndex AND s.month_index < :firstIndex
              AND s.settled AND s.fingerprint = :fingerprint
              AND NOT EXISTS (SELECT 1 FROM metrics_month_change c
                              WHERE c.clinic_id = s.clinic_id
                                -- the month, every month (0), or a sync under way (-1)
                                AND (c.month_index = s.month_index OR c.month_index <= 0)
                                AND c.id > s.change_mark)
            """;

    private static final String DELETE_COUNTS =
            "DELETE FROM metrics_month_count WHERE clinic_id = :clinicId AND month_index IN (:countIndexes)";

    private static final String DELETE_COUNT_STATES =
            "DELETE FROM metrics_month_state WHERE clinic_id = :clinicId AND month_index IN (:countIndexes)";

    private static final String INSERT_COUNT_STATE = """
            INSERT INTO metrics_month_state (clinic_id, month_index, month_start, settled, fingerprint, counted_at,
                change_mark)
            VALUES (:clinicId, :monthIndex, :monthStart, :settled, :fingerprint, :countedAt, :changeMark)
            """;

    /** The newest change recorded: changes up to it are in the data the run reads next. */
    private static final String CHANGE_MARK = "SELECT COALESCE(MAX(id), 0) FROM metrics_month_change";

    /**
     * The clinic's newest sync that has started writing, and how many of those are still running:
     * counts read while a sync may be writing can hold a state it left again (a referral moved twice),
     * and are not kept as settled. A sync that has not written yet (one waiting for a Bulk export to
     * be prepared, for hours) sets {@code writing_since} before its first write commits, so it shows
     * up here before anything it writes can be read.
     */
    private static final String SYNCS = """
            SELECT COALESCE(MAX(s.id), 0) AS newest,
                   COALESCE(SUM(CASE WHEN s.status IN (:openSyncs) THEN 1 ELSE 0 END), 0) AS open
            FROM sync_run s JOIN emr_endpoint e ON e.id = s.endpoint_id
            WHERE e.clinic_id = :clinicId AND s.writing_since IS NOT NULL
            """;

    private static final List<String> OPEN_SYNCS =
            List.of(org.referralmonitor.ingest.sync.SyncRun.QUEUED, org.referralmonitor.ingest.sync.SyncRun.RUNNING);

    /** Changes the new counts include. */
    private static final String DELETE_COUNTED_CHANGES = """
            DELETE FROM metrics_month_change WHERE clinic_id = :clinicId AND month_index IN (:countIndexes)
              AND id <= :changeMark
            """;

    /** The clinic's endpoints, for a statement's condition on an endpoint id. */
    static final String CLINIC_ENDPOINTS = "SELECT id FROM emr_endpoint WHERE clinic_id = :clinicId";

    /**
     * The received referrals' conversions and visits, for a small run (an incremental month, a
     * monthly close): each referral's conversion and visit looked up by key. The filter
     * {@code outbound = 0} is one the planner cannot estimate (it takes it for one row in 200), which
     * keeps it on these look-ups.
     */
    private static final String LOOK_UP_CONVERSIONS = """
            LEFT JOIN referral_conversion rc ON rc.endpoint_id = s.endpoint_id AND rc.referral_id = s.resource_id
                LEFT JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                                 AND v.deleted_at IS NULL
                WHERE s.outbound = 0""";

    /**
     * The same for a large run (a recompute), which reads most of the clinic's referrals: the
     * clinic's conversions and visits each read once and joined by hashing, instead of millions of
     * look-ups. The filter {@code outbound <> 1} keeps the same rows, estimated right, which is what
     * makes the planner hash.
     */
    private static final String HASH_CONVERSIONS = """
            LEFT JOIN (SELECT c.endpoint_id, c.referral_id, c.visit_id, c.days_to_visit FROM referral_conversion c
                           WHERE c.endpoint_id IN (%1$s)) rc
                       ON rc.endpoint_id = s.endpoint_id AND rc.referral_id = s.resource_id
                LEFT JOIN (SELECT w.endpoint_id, w.resource_id, w.status, w.start_date FROM visit w
                           WHERE w.endpoint_id IN (%1$s)
                             AND w.deleted_at IS NULL) v
                       ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                WHERE s.outbound <> 1""".formatted(CLINIC_ENDPOINTS);

    /**
     * Runs counting more months than this are large: they join the conversions by hashing
     * (HASH_CONVERSIONS) and keep the server's JIT setting; smaller runs look the conversions up and,
     * on PostgreSQL, run without JIT (SqlDialect.smallRun).
     */
    static final int LARGE_RUN_MONTHS = 12;

    /**
     * Counts the referrals of the months that cannot be reused (the run's own, and earlier ones not
     * kept, not settled or changed since), per practice and per provider: what the baselines, the
     * seasonal factors and the recent months read, and each month's own figures (outcomes, patients,
     * days to the visit, providers). Referrals the clinic sent go to the performing practice's row.
     */
    private static final String INSERT_COUNTS = """
            INSERT INTO metrics_month_count (clinic_id, month_index, org_key, practitioner_key, referrals, converted,
                decided, decided_converted, converted_0, converted_7, converted_14, converted_30, converted_60,
                converted_90, converted_180, last_date, sent, patients, cancelled, visit_missed, waiting, no_visit,
                median_days, p90_days, active_providers)
            WITH scoped AS%5$s (
                SELECT r.endpoint_id, r.resource_id, r.authored_month,
                       CAST(EXTRACT(YEAR FROM r.authored_month) * 12 + EXTRACT(MONTH FROM r.authored_month) AS INTEGER)
                           AS idx,
                       r.authored_date, r.patient_hash%3$s AS patient_hash, r.status,
                       COALESCE(r.source_org_key, 'unknown')%3$s AS org_key, r.source_practitioner_key%3$s
                           AS source_practitioner_key,
                       r.performer_type, r.performer_id,
                       CASE WHEN r.source_org_key IN (:ownKeys) THEN 1 ELSE 0 END AS outbound
                FROM referral r
                JOIN emr_endpoint e ON e.id = r.endpoint_id
                WHERE e.clinic_id = :clinicId AND r.is_referral AND r.status NOT IN ('draft', 'entered-in-error')
                  AND r.deleted_at IS NULL
                  AND r.authored_month >= CAST(:countFrom AS DATE) AND r.authored_month <= CAST(:countTo AS DATE)
                  -- a filter the planner estimates well: all the months but the few reused in between
                  AND r.authored_month NOT IN (:reusedMonths)
            ), received AS (
                SELECT s.idx, s.authored_date, s.org_key, s.patient_hash,
                       -- the provider's group key: '' for referrals without a provider, which have no provider row
                       COALESCE(s.source_practitioner_key, '') AS pk, 1 AS received,
                       CASE WHEN s.status IN (:cancelledStatuses) THEN 1 ELSE 0 END AS cancelled,
                       -- days to an attended visit (-1: attended, delay unknown), NULL: none attended
                       CASE WHEN v.status IN (:attended) THEN COALESCE(rc.days_to_visit, -1) END AS attended_days,
                       CASE WHEN v.status IN (:attended)
                                 AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:windowDays AS INTEGER))
                            THEN 1 ELSE 0 END AS converted,
                       CASE WHEN v.status IN (:attended) AND rc.days_to_visit <= CAST(:windowDays AS INTEGER)
                            THEN rc.days_to_visit END AS days_to_visit,
                       -- only where it counts: a run month's referral neither converted nor cancelled
                       CASE WHEN s.authored_month < CAST(:firstMonth AS DATE) THEN 0
                            WHEN v.status IN (:attended)
                                 AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:windowDays AS INTEGER))
                            THEN 0
                            WHEN s.status IN (:cancelledStatuses) THEN 0
                            WHEN (v.resource_id IS NOT NULL AND v.status NOT IN (:attended)
                                  AND v.start_date < CAST(:asOf AS DATE))
                                 OR EXISTS (SELECT 1 FROM visit_based_on vb
                                            JOIN visit bv ON bv.endpoint_id = vb.endpoint_id
                                                         AND bv.resource_id = vb.visit_id
                                            WHERE vb.endpoint_id = s.endpoint_id AND vb.referral_id = s.resource_id
                                              -- said again for the probe planned as one hash of every
                                              -- missed visit: only the clinic's, not every clinic's
                                              AND vb.endpoint_id IN (%6$s)
                                              AND bv.status IN (:missedVisit) AND bv.deleted_at IS NULL)
                            THEN 1 ELSE 0 END AS visit_missed,
                       CASE WHEN s.authored_date >= CAST(:decidedBefore AS DATE) THEN 1 ELSE 0 END AS window_open
                FROM scoped s
                %4$s
                -- not merged into the query that reads it: its missed-visit probe runs once per referral,
                -- not once per sum it feeds
                OFFSET 0
            ), inbound AS (
                -- the received referrals and, in the same groups, those the clinic sent (received = 0),
                -- each under the performing practice, at its practice level only (no provider: pk '')
                SELECT idx, authored_date, org_key, patient_hash, pk, received, cancelled, attended_days, converted,
                       days_to_visit, visit_missed, window_open
                FROM received
                UNION ALL
                SELECT ob.idx, CAST(NULL AS DATE), ob.org_key, CAST(NULL AS VARCHAR(64)), '', 0, 0,
                       CAST(NULL AS INTEGER), 0, CAST(NULL AS INTEGER), 0, 0
                FROM (SELECT COALESCE(po.source_key, pro.source_key,
                                 CASE WHEN s.performer_type = 'Organization' AND s.performer_id IS NOT NULL
                                      THEN s.endpoint_id || '/Organization/' || s.performer_id
                                      WHEN pr.organization_id IS NOT NULL
                                      THEN s.endpoint_id || '/Organization/' || pr.organization_id END) AS org_key,
                             s.idx
                      FROM scoped s
                      LEFT JOIN organization po ON s.performer_type = 'Organization' AND po.endpoint_id = s.endpoint_id
                                               AND po.resource_id = s.performer_id
                      LEFT JOIN practitioner_role pr ON s.performer_type = 'PractitionerRole'
                                                    AND pr.endpoint_id = s.endpoint_id
                                                    AND pr.resource_id = s.performer_id
                      LEFT JOIN organization pro ON pro.endpoint_id = pr.endpoint_id
                                                AND pro.resource_id = pr.organization_id
                      WHERE s.outbound = 1) ob
                WHERE ob.org_key IS NOT NULL AND ob.org_key NOT IN (:ownKeys)
            )
            SELECT :clinicId, idx, org_key, %1$s AS practitioner_key, SUM(received) AS referrals,
                   SUM(converted) AS converted, SUM(received * (1 - window_open)) AS decided,
                   SUM((1 - window_open) * converted) AS decided_converted,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 0 THEN 1 ELSE 0 END) AS converted_0,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 7 THEN 1 ELSE 0 END) AS converted_7,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 14 THEN 1 ELSE 0 END) AS converted_14,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 30 THEN 1 ELSE 0 END) AS converted_30,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 60 THEN 1 ELSE 0 END) AS converted_60,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 90 THEN 1 ELSE 0 END) AS converted_90,
                   SUM(CASE WHEN converted = 1 AND attended_days <= 180 THEN 1 ELSE 0 END) AS converted_180,
                   MAX(authored_date) AS last_date, SUM(1 - received) AS sent,
                   COUNT(DISTINCT patient_hash) AS patients,
                   SUM((1 - converted) * cancelled) AS cancelled,
                   SUM((1 - converted) * (1 - cancelled) * visit_missed) AS visit_missed,
                   SUM(received * (1 - converted) * (1 - cancelled) * (1 - visit_missed) * window_open) AS waiting,
                   SUM(received * (1 - converted) * (1 - cancelled) * (1 - visit_missed) * (1 - window_open))
                       AS no_visit,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days_to_visit) AS median_days,
                   PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY days_to_visit) AS p90_days,
                   COUNT(DISTINCT NULLIF(pk, '')) AS active_providers
            %2$s
            """;

    /**
     * Each run month with the months before it and their seasonal factors (a calendar month's share of
     * the clinic's referrals over the 24 months before the run month, times 12, bounded to [0.25, 4],
     * once the clinic's first month with a received referral, possibly partial, is before those 24
     * months, so that all 24 are complete months of its history; else 1), and what its rows carry.
     */
    private static final String INSERT_TARGET_MONTHS = """
            INSERT INTO metrics_target_month (job_execution_id, month_index, target_index, k, in_base, factor,
                month_start, exposure, horizon_days, provisional, month_factor, recent_factor_sum)
            WITH target AS (
                SELECT month_start, month_index AS idx, season_from, exposure, horizon_days AS horizon, provisional
                FROM metrics_target WHERE job_execution_id = :jobExecutionId
            ), clinic_month AS (
                SELECT month_index AS idx, referrals FROM metrics_clinic_month WHERE job_execution_id = :jobExecutionId
            ), season AS (
                SELECT t.idx AS target_idx,
                       -- on once the 24 months read are all complete months after the clinic's first
                       -- month with a received referral (which may have begun mid-month): that month
                       -- strictly before them
                       CASE WHEN CAST(:seasonal AS BOOLEAN) AND COALESCE(SUM(cm.referrals), 0) > 0
                                 AND CAST(:clinicFirstMonth AS DATE) < t.season_from
                            THEN 1 ELSE 0 END AS seasonal_on,
                       CAST(COALESCE(SUM(cm.referrals), 0) AS DOUBLE PRECISION) AS total
                FROM target t
                LEFT JOIN clinic_month cm ON cm.idx >= t.idx - 24 AND cm.idx < t.idx
                GROUP BY t.idx, t.season_from
            ), factor AS (
                SELECT s.target_idx, c.cal,
                       CAST(CASE WHEN s.seasonal_on = 1
                                 THEN LEAST(4.0, GREATEST(0.25, 12 * COALESCE(SUM(cm.referrals), 0) / s.total))
                                 ELSE 1.0 END AS DOUBLE PRECISION) AS factor
                FROM season s
                CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) AS c (cal)
                LEFT JOIN clinic_month cm ON cm.idx >= s.target_idx - 24 AND cm.idx < s.target_idx
                                         AND MOD(cm.idx - 1, 12) + 1 = c.cal
                GROUP BY s.target_idx, c.cal, s.seasonal_on, s.total
            ), this_month AS (
                SELECT f.target_idx, f.factor FROM factor f WHERE f.cal = MOD(f.target_idx - 1, 12) + 1
            ), recent_factor AS (
                -- the recent-months - 1 calendar months before each run month
                SELECT f.target_idx, SUM(f.factor) AS factor_sum FROM factor f
                WHERE MOD(MOD(f.target_idx - 1, 12) + 1 - f.cal + 12, 12) BETWEEN 1 AND CAST(:recentMonths AS INTEGER) - 1
                GROUP BY f.target_idx
            ), target_info AS (
                -- what each run month's rows carry besides their counts
                SELECT t.idx, t.month_start, t.exposure, t.horizon,
                       CASE WHEN t.provisional THEN 1 ELSE 0 END AS provisional, tm.factor AS month_factor,
                       COALESCE(rf.factor_sum, 0) AS recent_factor_sum
                FROM target t
                JOIN this_month tm ON tm.target_idx = t.idx
                LEFT JOIN recent_factor rf ON rf.target_idx = t.idx
            )
            SELECT :jobExecutionId, t.idx - o.k, t.idx, o.k,
                   CASE WHEN o.k > 0 AND o.k <= CAST(:baselineMonths AS INTEGER) THEN 1 ELSE 0 END,
                   f.factor, t.month_start, t.exposure, t.horizon, t.provisional, t.month_factor, t.recent_factor_sum
            FROM target_info t
            JOIN %1$s ON o.k <= GREATEST(CAST(:baselineMonths AS INTEGER), CAST(:recentMonths AS INTEGER) - 1)
            JOIN factor f ON f.target_idx = t.idx AND f.cal = MOD(t.idx - o.k - 1, 12) + 1
            """.formatted(OFFSETS);

    private static final String DELETE_TARGET_MONTHS =
            "DELETE FROM metrics_target_month WHERE job_execution_id = :jobExecutionId";

    private static final String DELETE_CLINIC_MONTHS =
            "DELETE FROM metrics_clinic_month WHERE job_execution_id = :jobExecutionId";

    private static final String DELETE_TARGETS = "DELETE FROM metrics_target WHERE job_execution_id = :jobExecutionId";

    private static final String DELETE = """
            DELETE FROM source_month WHERE clinic_id = :clinicId
              AND month_start IN (SELECT month_start FROM metrics_target WHERE job_execution_id = :jobExecutionId)
            """;

    private static final String DELETE_REASONS = """
            DELETE FROM source_month_reason WHERE clinic_id = :clinicId
              AND month_start IN (SELECT month_start FROM metrics_target WHERE job_execution_id = :jobExecutionId)
            """;

    /*
     * Every month of the run (metrics_target) at once. Month arithmetic on month indexes (year x 12 +
     * month); a month's window is joined through OFFSETS. No referral is read here: per source and
     * month with referrals, the kept counts (monthly), with the previous such month (sequenced); per
     * run month: seasonal factors, baseline over the window, the recent months, the month itself
     * (current_month), sent.
     */
    static final String INSERT = """
            INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                history_months, baseline, status, p_value, computed_at, job_execution_id,
                cancelled, patients, visit_missed, waiting, no_visit, median_days, p90_days, active_providers,
                sent, sent_before, received_before, baseline_average, baseline_variance, seasonal_factor, exposure,
                last_referral_date, recent_months_below, recent_referrals, recent_expected, horizon_days,
                converted_horizon, baseline_referrals, baseline_converted_horizon, baseline_conversion, provisional,
                previous_sent, previous_received, previous_sent_before, previous_received_before)
            WITH monthly AS (
                SELECT org_key, practitioner_key, month_index AS idx, referrals, converted, decided, decided_converted,
                       last_date
                FROM metrics_month_count
                WHERE clinic_id = :clinicId AND month_index >= :scanFromIndex AND month_index <= :lastIndex
                  AND referrals > 0
            ), sequenced AS (
                SELECT m.*, LAG(m.idx) OVER (PARTITION BY m.org_key, m.practitioner_key ORDER BY m.idx) AS prev_idx
                FROM monthly m
            ), ranged AS (
                -- per run month and source with referrals in its window, in one pass (GROUP BY): the
                -- baseline months deseasonalized (referrals / factor), and the recent months one by one
                -- (r0..r5 with their expected shares f0..f5; sustained-months is at most 6)
                SELECT f.target_index AS target_idx, m.org_key, m.practitioner_key,
                       MIN(f.month_start) AS month_start, MIN(f.exposure) AS exposure, MIN(f.horizon_days) AS horizon,
                       MIN(f.provisional) AS provisional, MIN(f.month_factor) AS month_factor,
                       MIN(f.recent_factor_sum) AS recent_factor_sum,
                       -- the newest month with referrals before the baseline months
                       MAX(CASE WHEN f.k > CAST(:baselineMonths AS INTEGER) THEN m.idx
                                WHEN m.prev_idx < f.target_index - CAST(:baselineMonths AS INTEGER) THEN m.prev_idx END)
                           AS before_idx,
                       MIN(CASE WHEN f.in_base = 1 THEN m.idx END) AS first_idx,
                       SUM(f.in_base) AS present,
                       COALESCE(SUM(CASE WHEN f.in_base = 1 THEN m.referrals / f.factor END), 0) AS sum_d,
                       MAX(CASE WHEN f.in_base = 1 THEN m.referrals / f.factor END) AS max_d,
                       MIN(CASE WHEN f.in_base = 1 THEN m.referrals / f.factor END) AS min_d,
                       SUM(CASE WHEN f.in_base = 1 THEN (m.referrals / f.factor) * (m.referrals / f.factor) ELSE 0 END)
                           AS sumsq_d,
                       MAX(m.last_date) AS last_date,
                       SUM(CASE WHEN f.k = 0 THEN m.referrals ELSE 0 END) AS referrals,
                       SUM(CASE WHEN f.k = 0 OR f.in_base = 1 THEN m.referrals ELSE 0 END) AS window_referrals,
                       SUM(f.in_base * m.referrals) AS baseline_referrals,
                       SUM(f.in_base * m.converted) AS baseline_converted,
                       SUM(f.in_base * m.decided) AS decided,
                       SUM(f.in_base * m.decided_converted) AS decided_converted,
                       SUM(CASE WHEN f.k < CAST(:recentMonths AS INTEGER) THEN 1 ELSE 0 END) AS recent_present,
                       SUM(CASE WHEN f.k < CAST(:recentMonths AS INTEGER) THEN m.referrals ELSE 0 END) AS recent_referrals,
                       MAX(CASE WHEN f.k = 0 THEN m.referrals END) AS r0, MAX(CASE WHEN f.k = 0 THEN f.factor * f.exposure END) AS f0,
                       MAX(CASE WHEN f.k = 1 THEN m.referrals END) AS r1, MAX(CASE WHEN f.k = 1 THEN f.factor END) AS f1,
                       MAX(CASE WHEN f.k = 2 THEN m.referrals END) AS r2, MAX(CASE WHEN f.k = 2 THEN f.factor END) AS f2,
                       MAX(CASE WHEN f.k = 3 THEN m.referrals END) AS r3, MAX(CASE WHEN f.k = 3 THEN f.factor END) AS f3,
                       MAX(CASE WHEN f.k = 4 THEN m.referrals END) AS r4, MAX(CASE WHEN f.k = 4 THEN f.factor END) AS f4,
                       MAX(CASE WHEN f.k = 5 THEN m.referrals END) AS r5, MAX(CASE WHEN f.k = 5 THEN f.factor END) AS f5
                FROM sequenced m
                %1$s
                GROUP BY m.org_key, m.practitioner_key, f.target_index
            ), aged AS (
                -- complete months of history: all of the window when the source sent referrals before it
                -- (within the 24 months read), else since its first month in it; 0 without an earlier month
                SELECT r.*, CAST(CASE WHEN r.before_idx >= r.target_idx - CAST(:scanMonths AS INTEGER)
                                      THEN CAST(:baselineMonths AS INTEGER)
                                      WHEN r.first_idx IS NULL THEN 0
                                      ELSE r.target_idx - r.first_idx END AS INTEGER) AS n
                FROM ranged r
            ), spread AS (
                SELECT a.*, COALESCE(a.max_d, 0) AS hi,
                       CASE WHEN a.present < a.n THEN 0 ELSE COALESCE(a.min_d, 0) END AS lo,
                       CASE WHEN CAST(:trim AS BOOLEAN) AND a.n >= 4 THEN 1 ELSE 0 END AS trim_on
                FROM aged a
            ), base AS (
                SELECT s.*,
                       CASE WHEN s.n < CAST(:minHistoryMonths AS INTEGER) THEN NULL
                            WHEN s.trim_on = 1 THEN (s.sum_d - s.hi - s.lo) / (s.n - 2)
                            ELSE s.sum_d / s.n END AS average
                FROM spread s
            ), history AS (
                -- the recent months well below expected (sustained decline): those with referrals counted here
                SELECT b.target_idx, b.org_key, b.practitioner_key, b.month_start, b.exposure, b.horizon,
                       b.provisional, b.month_factor, b.recent_factor_sum, b.n, b.average, b.trim_on, b.sum_d, b.hi,
                       b.lo, b.sumsq_d, b.last_date, b.referrals, b.window_referrals, b.baseline_referrals,
                       b.baseline_converted, b.decided, b.decided_converted, b.recent_present, b.recent_referrals,
                       CASE WHEN b.average IS NULL THEN 0
                            ELSE CASE WHEN CAST(:recentMonths AS INTEGER) > 0 AND b.r0 <= b.low * b.f0 THEN 1 ELSE 0 END
                              + CASE WHEN CAST(:recentMonths AS INTEGER) > 1 AND b.r1 <= b.low * b.f1 THEN 1 ELSE 0 END
                              + CASE WHEN CAST(:recentMonths AS INTEGER) > 2 AND b.r2 <= b.low * b.f2 THEN 1 ELSE 0 END
                              + CASE WHEN CAST(:recentMonths AS INTEGER) > 3 AND b.r3 <= b.low * b.f3 THEN 1 ELSE 0 END
                              + CASE WHEN CAST(:recentMonths AS INTEGER) > 4 AND b.r4 <= b.low * b.f4 THEN 1 ELSE 0 END
                              + CASE WHEN CAST(:recentMonths AS INTEGER) > 5 AND b.r5 <= b.low * b.f5 THEN 1 ELSE 0 END
                       END AS recent_below
                FROM (SELECT base.*, (1 - CAST(:sustainedDrop AS DOUBLE PRECISION)) * base.average AS low FROM base) b
            ), late AS (
                -- conversions of baseline months after a run month's horizon (months not yet past the window)
                SELECT t.month_index AS target_idx, c.org_key, c.practitioner_key,
                       SUM(c.converted - CASE t.horizon_days WHEN 0 THEN c.converted_0 WHEN 7 THEN c.converted_7
                                              WHEN 14 THEN c.converted_14 WHEN 30 THEN c.converted_30
                                              WHEN 60 THEN c.converted_60 WHEN 90 THEN c.converted_90
                                              WHEN 180 THEN c.converted_180 ELSE c.converted END) AS late
                FROM metrics_target t
                JOIN metrics_month_count c ON c.clinic_id = :clinicId
                                          AND c.month_index >= t.month_index - CAST(:baselineMonths AS INTEGER)
                                          AND c.month_index < t.month_index AND c.referrals > 0
                WHERE t.job_execution_id = :jobExecutionId AND t.horizon_days < CAST(:windowDays AS INTEGER)
                GROUP BY t.month_index, c.org_key, c.practitioner_key
            ), current_month AS (
                -- the run months' own figures, counted with their referrals; conversions within the month's
                -- horizon, picked by the run months of each horizon step (no join: the planner, which
                -- cannot know how many kept-count rows a run just wrote, joined the run months to each row)
                SELECT c.month_index AS target_idx, c.org_key, c.practitioner_key, c.patients, c.converted,
                       CASE WHEN c.month_index IN (:horizon0) THEN c.converted_0
                            WHEN c.month_index IN (:horizon7) THEN c.converted_7
                            WHEN c.month_index IN (:horizon14) THEN c.converted_14
                            WHEN c.month_index IN (:horizon30) THEN c.converted_30
                            WHEN c.month_index IN (:horizon60) THEN c.converted_60
                            WHEN c.month_index IN (:horizon90) THEN c.converted_90
                            WHEN c.month_index IN (:horizon180) THEN c.converted_180
                            ELSE c.converted END AS converted_horizon,
                       c.cancelled, c.visit_missed, c.waiting, c.no_visit, c.median_days, c.p90_days,
                       c.active_providers
                FROM metrics_month_count c
                WHERE c.clinic_id = :clinicId AND c.month_index >= :firstIndex AND c.month_index <= :lastIndex
                  AND c.referrals > 0
            ), outbound AS (
                -- referrals the clinic sent, per performing practice and month
                SELECT org_key, month_index AS idx, sent FROM metrics_month_count
                WHERE clinic_id = :clinicId AND practitioner_key = '*' AND sent > 0
                  AND month_index >= :baselineFromIndex AND month_index <= :lastIndex
            ), sent AS (
                SELECT f.target_index AS target_idx, m.org_key, MIN(f.month_start) AS month_start,
                       MIN(f.exposure) AS exposure, MIN(f.horizon_days) AS horizon, MIN(f.provisional) AS provisional,
                       MIN(f.month_factor) AS month_factor, MIN(f.recent_factor_sum) AS recent_factor_sum,
                       SUM(CASE WHEN f.k = 0 THEN m.sent ELSE 0 END) AS sent,
                       SUM(f.in_base * m.sent) AS sent_before
                FROM outbound m
                %1$s
                GROUP BY f.target_index, m.org_key
            ), previous_sent AS (
                -- the practices the clinic sent referrals in the month before each run month: that month's
                -- reciprocity, judged again, so that a flip is told in the month it happens only
                SELECT t.month_index AS target_idx, c.org_key, c.sent, c.referrals
                FROM metrics_target t
                JOIN metrics_month_count c ON c.clinic_id = :clinicId AND c.practitioner_key = '*'
                                          AND c.month_index = t.month_index - 1 AND c.sent > 0
                WHERE t.job_execution_id = :jobExecutionId
            ), previous_balance AS (
                -- with what they sent and received over the baseline months before that month
                SELECT p.target_idx, p.org_key, MIN(p.sent) AS sent, MIN(p.referrals) AS received,
                       COALESCE(SUM(b.sent), 0) AS sent_before, COALESCE(SUM(b.referrals), 0) AS received_before
                FROM previous_sent p
                LEFT JOIN metrics_month_count b ON b.clinic_id = :clinicId AND b.practitioner_key = '*'
                                               AND b.org_key = p.org_key
                                               AND b.month_index >= p.target_idx - 1 - CAST(:baselineMonths AS INTEGER)
                                               AND b.month_index < p.target_idx - 1
                GROUP BY p.target_idx, p.org_key
            ), facts AS (
                -- one row per run month and source: the parts side by side (no join between large results)
                SELECT target_idx, org_key, practitioner_key, 1 AS in_window, month_start, exposure, horizon,
                       provisional, month_factor, recent_factor_sum, n, average, trim_on, sum_d, hi, lo, sumsq_d, last_date, referrals, baseline_referrals,
                       baseline_converted, decided, decided_converted, recent_present, recent_referrals, recent_below,
                       CAST(NULL AS BIGINT) AS late, CAST(NULL AS BIGINT) AS patients, CAST(NULL AS BIGINT) AS converted,
                       CAST(NULL AS BIGINT) AS converted_horizon, CAST(NULL AS BIGINT) AS cancelled,
                       CAST(NULL AS BIGINT) AS visit_missed, CAST(NULL AS BIGINT) AS waiting,
                       CAST(NULL AS BIGINT) AS no_visit, CAST(NULL AS DOUBLE PRECISION) AS median_days,
                       CAST(NULL AS DOUBLE PRECISION) AS p90_days, CAST(NULL AS BIGINT) AS active_providers,
                       CAST(NULL AS BIGINT) AS sent, CAST(NULL AS BIGINT) AS sent_before,
                       CAST(NULL AS BIGINT) AS previous_sent, CAST(NULL AS BIGINT) AS previous_received,
                       CAST(NULL AS BIGINT) AS previous_sent_before, CAST(NULL AS BIGINT) AS previous_received_before
                FROM history WHERE window_referrals > 0
                UNION ALL
                SELECT target_idx, org_key, practitioner_key, 0, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, late, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
                FROM late
                UNION ALL
                SELECT target_idx, org_key, practitioner_key, 0, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       patients, converted, converted_horizon,
                       cancelled, visit_missed, waiting, no_visit, median_days, p90_days, active_providers, NULL, NULL,
                       NULL, NULL, NULL, NULL
                FROM current_month
                UNION ALL
                SELECT target_idx, org_key, '*', 0, month_start, exposure, horizon, provisional, month_factor,
                       recent_factor_sum, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, sent,
                       sent_before, NULL, NULL, NULL, NULL
                FROM sent
                UNION ALL
                SELECT target_idx, org_key, '*', 0, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       sent, received, sent_before, received_before
                FROM previous_balance
            ), source AS (
                SELECT target_idx, org_key, practitioner_key, MAX(in_window) AS in_window,
                       MAX(month_start) AS month_start, MAX(exposure) AS exposure, MAX(horizon) AS horizon,
                       MAX(provisional) AS provisional, MAX(month_factor) AS month_factor,
                       MAX(recent_factor_sum) AS recent_factor_sum, MAX(n) AS n, MAX(average) AS average, MAX(trim_on) AS trim_on, MAX(sum_d) AS sum_d,
                       MAX(hi) AS hi, MAX(lo) AS lo, MAX(sumsq_d) AS sumsq_d, MAX(last_date) AS last_date,
                       MAX(referrals) AS referrals, MAX(baseline_referrals) AS baseline_referrals,
                       MAX(baseline_converted) AS baseline_converted, MAX(decided) AS decided,
                       MAX(decided_converted) AS decided_converted, MAX(recent_present) AS recent_present,
                       MAX(recent_referrals) AS recent_referrals, MAX(recent_below) AS recent_below, MAX(late) AS late,
                       MAX(patients) AS patients, MAX(converted) AS converted,
                       MAX(converted_horizon) AS converted_horizon, MAX(cancelled) AS cancelled,
                       MAX(visit_missed) AS visit_missed, MAX(waiting) AS waiting, MAX(no_visit) AS no_visit,
                       MAX(median_days) AS median_days, MAX(p90_days) AS p90_days,
                       MAX(active_providers) AS active_providers, MAX(sent) AS sent, MAX(sent_before) AS sent_before,
                       MAX(previous_sent) AS previous_sent, MAX(previous_received) AS previous_received,
                       MAX(previous_sent_before) AS previous_sent_before,
                       MAX(previous_received_before) AS previous_received_before
                FROM facts
                GROUP BY target_idx, org_key, practitioner_key
            ), keyed AS (
                SELECT s.*,
                       CASE WHEN s.average IS NULL THEN NULL
                            WHEN s.trim_on = 1 AND s.n >= 5 THEN GREATEST(0.0, (s.sumsq_d - s.hi * s.hi - s.lo * s.lo
                                 - (s.n - 2) * s.average * s.average) / (s.n - 3))
                            WHEN s.n >= 2 THEN GREATEST(0.0, (s.sumsq_d - s.sum_d * s.sum_d / s.n) / (s.n - 1))
                            END AS variance
                FROM source s
                WHERE s.in_window = 1 OR (s.practitioner_key = '*' AND s.sent > 0)
            )
            SELECT :clinicId, k.month_start, k.org_key, k.practitioner_key,
                   COALESCE(k.referrals, 0), COALESCE(k.converted, 0), COALESCE(k.n, 0),
                   k.average * k.month_factor, NULL, NULL, CAST(:computedAt AS TIMESTAMP WITH TIME ZONE), :jobExecutionId,
                   COALESCE(k.cancelled, 0), COALESCE(k.patients, 0), COALESCE(k.visit_missed, 0),
                   COALESCE(k.waiting, 0), COALESCE(k.no_visit, 0), k.median_days, k.p90_days,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.active_providers, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.sent, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.sent_before, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.baseline_referrals, 0) ELSE 0 END,
                   k.average, k.variance, k.month_factor, k.exposure, k.last_date,
                   CASE WHEN k.average IS NULL THEN 0
                        ELSE k.recent_below + CAST(:recentMonths AS INTEGER) - k.recent_present END,
                   CASE WHEN k.average IS NULL THEN 0 ELSE k.recent_referrals END,
                   k.average * (k.recent_factor_sum + k.month_factor * k.exposure),
                   k.horizon, COALESCE(k.converted_horizon, 0), COALESCE(k.baseline_referrals, 0),
                   COALESCE(k.baseline_converted, 0) - COALESCE(k.late, 0),
                   CASE WHEN k.decided > 0 THEN CAST(k.decided_converted AS DOUBLE PRECISION) / k.decided END,
                   k.provisional = 1,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.previous_sent, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.previous_received, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.previous_sent_before, 0) ELSE 0 END,
                   CASE WHEN k.practitioner_key = '*' THEN COALESCE(k.previous_received_before, 0) ELSE 0 END
            FROM keyed k
            """;

    /** Cancelled referrals of each run month that did not convert, per practice, by the reason the EMR gave. */
    static final String INSERT_REASONS = """
            INSERT INTO source_month_reason (clinic_id, month_start, org_key, reason, referrals)
            SELECT :clinicId, r.authored_month, COALESCE(r.source_org_key, 'unknown'),
                   COALESCE(r.status_reason, 'not given'), COUNT(*)
            FROM referral r
            JOIN emr_endpoint e ON e.id = r.endpoint_id
            WHERE e.clinic_id = :clinicId AND r.is_referral AND r.deleted_at IS NULL
              -- CANCELLED_STATUSES, written out: the condition of PostgreSQL's partial index of them
              AND r.status IN ('revoked', 'cancelled')
              AND r.authored_month >= CAST(:firstMonth AS DATE) AND r.authored_month <= CAST(:lastMonth AS DATE)
              AND r.authored_month IN (SELECT month_start FROM metrics_target WHERE job_execution_id = :jobExecutionId)
              AND (r.source_org_key IS NULL OR r.source_org_key NOT IN (:ownKeys))
              AND NOT EXISTS (SELECT 1 FROM referral_conversion rc
                              JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                                          AND v.deleted_at IS NULL
                              WHERE rc.endpoint_id = r.endpoint_id AND rc.referral_id = r.resource_id
                                AND v.status IN (:attended)
                                AND (rc.days_to_visit IS NULL OR rc.days_to_visit <= CAST(:windowDays AS INTEGER)))
            GROUP BY r.authored_month, COALESCE(r.source_org_key, 'unknown'), COALESCE(r.status_reason, 'not given')
            """;

    /**
     * The clinic's first month with a referral received as the counts count them (not draft, not
     * entered-in-error, not requested by one of its own organizations): per endpoint, the first entry
     * of the (endpoint, month) index that qualifies, not a scan of all of them. A stray draft or a
     * referral the clinic sent, years older than the rest, does not make the clinic's history longer.
     */
    private static final String FIRST_MONTH = """
            SELECT MIN(x.first_month) FROM (
                SELECT (SELECT MIN(r.authored_month) FROM referral r
                        WHERE r.endpoint_id = e.id AND r.is_referral AND r.deleted_at IS NULL
                          AND r.status NOT IN ('draft', 'entered-in-error')
                          AND (r.source_org_key IS NULL OR r.source_org_key NOT IN (:ownKeys))) AS first_month
                FROM emr_endpoint e WHERE e.clinic_id = :clinicId) x
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final MetricsProperties properties;
    private final OwnOrganizations own;
    private final EndpointDirectory directory;
    /** The counting statement in the database's dialect, for small runs. */
    private final String insertCounts;
    /** The same, for large runs (more than LARGE_RUN_MONTHS months counted). */
    private final String insertManyCounts;
    /** What the dialect sets before a small run's statements, or null. */
    private final String smallRun;
    /** The facts statement in the database's dialect. */
    private final String insert;
    /** What the dialect sets before the facts statement, or null. */
    private final String beforeFacts;

    MonthlyAggregation(NamedParameterJdbcTemplate jdbc, MetricsProperties properties, OwnOrganizations own,
            EndpointDirectory directory) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.own = own;
        this.directory = directory;
        SqlDialect dialect = SqlDialect.of(jdbc.getJdbcTemplate().getDataSource());
        this.insertCounts = countingStatement(dialect, false);
        this.insertManyCounts = countingStatement(dialect, true);
        this.insert = INSERT.formatted(dialect.windowMonths);
        this.beforeFacts = dialect.beforeFacts;
        this.smallRun = dialect.smallRun;
    }

    /** The counting statement in a dialect, for a large run (conversions hashed) or a small one (looked up). */
    static String countingStatement(SqlDialect dialect, boolean large) {
        return INSERT_COUNTS.formatted(dialect.levelKey, dialect.levels, dialect.keyCollation,
                large && dialect.hashJoins ? HASH_CONVERSIONS : LOOK_UP_CONVERSIONS, dialect.inlineScoped,
                CLINIC_ENDPOINTS);
    }

    /** year x 12 + month, as the statements compute it from a month's first day. */
    static int index(YearMonth month) {
        return month.getYear() * 12 + month.getMonthValue();
    }

    /**
     * What a month's counts depend on besides the data: the conversion window, the clinic's own
     * organizations, its time zone, and each of its endpoints' referral rule. Counts kept under
     * another fingerprint are counted again.
     */
    String fingerprint(String clinicId, int windowDays, List<String> ownKeys) {
        StringBuilder text = new StringBuilder("window=").append(windowDays).append(";own=")
                .append(ownKeys.stream().sorted().toList());
        directory.clinic(clinicId).ifPresent(c -> text.append(";zone=").append(c.timeZone().getId()));
        directory.endpoints().stream().filter(e -> e.clinicId().equals(clinicId))
                .sorted(java.util.Comparator.comparing(EmrEndpoint::id))
                .forEach(e -> text.append(';').append(e.id()).append("=").append(e.connection().referralRule().label()));
        if (text.length() <= 200) {
            return text.toString();
        }
        try {
            return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MonthlyAggregation.class);

    /** Runs one statement, logging its time at debug level (where a run's time goes). */
    private static int timed(String what, java.util.function.IntSupplier statement) {
        long start = System.nanoTime();
        int rows = statement.getAsInt();
        log.debug("{}: {} rows in {} ms", what, rows, (System.nanoTime() - start) / 1_000_000);
        return rows;
    }

    /** Months of the last run whose referrals were counted (the others' kept counts were read). */
    private volatile int counted;

    int lastCounted() {
        return counted;
    }

    /**
     * Brings the kept counts of every month the run reads up to date: those of its own months and of
     * earlier months whose kept counts cannot be reused are counted from their referrals again.
     *
     * @return how many months were counted
     */
    private int countMonths(List<MonthContext> months, YearMonth scanFrom, MapSqlParameterSource params,
            OffsetDateTime countedAt) {
        MonthContext first = months.get(0);
        String fingerprint = fingerprint(first.clinicId(), first.windowDays(), own.keys(first.clinicId()));
        // read before the referrals: a sync that commits after this mark records its change with a later id
        long changeMark = jdbc.queryForObject(CHANGE_MARK, params, Long.class);
        params.addValue("openSyncs", OPEN_SYNCS);
        long[] syncsBefore = syncs(params);
        params.addValue("fingerprint", fingerprint).addValue("countedAt", countedAt).addValue("changeMark", changeMark);
        java.util.Set<Integer> reusable = new java.util.HashSet<>(jdbc.queryForList(REUSABLE_MONTHS, params,
                Integer.class));
        List<YearMonth> count = new java.util.ArrayList<>();
        List<java.time.LocalDate> reused = new java.util.ArrayList<>();
        for (YearMonth m = scanFrom; !m.isAfter(months.get(months.size() - 1).month()); m = m.plusMonths(1)) {
            if (reusable.contains(index(m))) {
                reused.add(m.atDay(1));
            } else {
                count.add(m);
            }
        }
        params.addValue("countFrom", count.get(0).atDay(1))
                .addValue("countTo", count.get(count.size() - 1).atDay(1))
                // never a month's first day: stands in for an empty list
                .addValue("reusedMonths", reused.isEmpty() ? List.of(java.time.LocalDate.of(1, 1, 2)) : reused)
                .addValue("countIndexes", count.stream().map(MonthlyAggregation::index).toList());
        timed("delete counts", () -> jdbc.update(DELETE_COUNTS, params));
        boolean large = count.size() > LARGE_RUN_MONTHS;
        if (!large && smallRun != null) {
            // for the rest of the step's transaction: the counting and the facts statements
            jdbc.getJdbcTemplate().execute(smallRun);
        }
        timed("count " + count.size() + " months", () -> jdbc.update(large ? insertManyCounts : insertCounts, params));
        long[] syncsAfter = syncs(params);
        // no sync could write while the referrals were read: none open before or after, none new
        boolean quiet = syncsBefore[1] == 0 && syncsAfter[1] == 0 && syncsAfter[0] == syncsBefore[0];
        jdbc.update(DELETE_COUNT_STATES, params);
        jdbc.batchUpdate(INSERT_COUNT_STATE, count.stream().map(m -> new MapSqlParameterSource()
                .addValue("clinicId", first.clinicId())
                .addValue("monthIndex", index(m))
                .addValue("monthStart", m.atDay(1))
                // every referral's window over: its counts no longer change unless its data does
                .addValue("settled", quiet && m.atEndOfMonth().isBefore(first.decidedBefore()))
                .addValue("fingerprint", fingerprint)
                .addValue("countedAt", countedAt)
                .addValue("changeMark", changeMark))
                .toArray(MapSqlParameterSource[]::new));
        jdbc.update(DELETE_COUNTED_CHANGES, params);
        return count.size();
    }

    /** The clinic's newest sync id and how many of its syncs are open. */
    private long[] syncs(MapSqlParameterSource params) {
        return jdbc.queryForObject(SYNCS, params, (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)});
    }

    /**
     * Replaces the rows of consecutive months of one clinic, all computed as of the same day, in one
     * pass over their referrals (a full recompute reads each referral once).
     *
     * @return how many practice and provider rows the months now have
     */
    int replaceMonths(List<MonthContext> months, long jobExecutionId, OffsetDateTime computedAt) {
        MonthContext first = months.get(0);
        MonthContext last = months.get(months.size() - 1);
        for (int i = 1; i < months.size(); i++) {
            MonthContext m = months.get(i);
            if (!m.month().equals(months.get(i - 1).month().plusMonths(1)) || !m.clinicId().equals(first.clinicId())
                    || !m.asOf().equals(first.asOf())) {
                throw new IllegalArgumentException("Months of one run must be consecutive, of one clinic and as of one "
                        + "day; got " + months.get(i - 1).month() + " then " + m.month());
            }
        }
        int baselineMonths = first.settings().baselineMonths();
        int scanMonths = Math.max(baselineMonths, SEASON_MONTHS);
        // the month before's reciprocity reads the baseline months before it: one more with a 24-month baseline
        YearMonth scanFrom = first.month().minusMonths(Math.max(scanMonths, baselineMonths + 1));
        MapSqlParameterSource params = new MapSqlParameterSource()
                .addValue("clinicId", first.clinicId())
                .addValue("firstMonth", first.month().atDay(1))
                .addValue("lastMonth", last.month().atDay(1))
                .addValue("scanFrom", scanFrom.atDay(1))
                .addValue("scanMonths", scanMonths)
                .addValue("baselineFrom", first.month().minusMonths(baselineMonths).atDay(1))
                .addValue("recentMonths", properties.sustainedMonths())
                .addValue("sustainedDrop", properties.sustainedDrop())
                .addValue("baselineMonths", baselineMonths)
                .addValue("minHistoryMonths", properties.minHistoryMonths())
                .addValue("trim", first.settings().trimBaseline())
                .addValue("seasonal", first.settings().seasonal())
                .addValue("ownKeys", own.keys(first.clinicId()))
                .addValue("windowDays", first.windowDays())
                .addValue("asOf", first.asOf())
                .addValue("decidedBefore", first.decidedBefore())
                .addValue("computedAt", computedAt)
                .addValue("jobExecutionId", jobExecutionId)
                // ValueSet rm-attended-visit-status of the monitor's FHIR package
                .addValue("attended", List.copyOf(ReferralCodes.ATTENDED_VISIT_STATUSES))
                .addValue("missedVisit", MISSED_VISIT_STATUSES)
                .addValue("cancelledStatuses", CANCELLED_STATUSES);
        params.addValue("clinicFirstMonth", jdbc.queryForObject(FIRST_MONTH, params, java.time.LocalDate.class));
        params.addValue("firstIndex", index(first.month()))
                .addValue("lastIndex", index(last.month()))
                .addValue("scanFromIndex", index(scanFrom))
                .addValue("baselineFromIndex", index(first.month().minusMonths(baselineMonths)))
                .addValue("runFrom", first.month().atDay(1))
                .addValue("runTo", last.month().atDay(1));
        for (int step : MonthContext.HORIZON_STEPS) {
            List<Integer> indexes = months.stream().filter(m -> m.horizonDays() == step).map(m -> index(m.month()))
                    .toList();
            // never a month index: stands in for an empty list
            params.addValue("horizon" + step, indexes.isEmpty() ? List.of(-1) : indexes);
        }
        counted = countMonths(months, scanFrom, params, computedAt);
        jdbc.update(DELETE_TARGET_MONTHS, params);
        jdbc.update(DELETE_CLINIC_MONTHS, params);
        jdbc.update(DELETE_TARGETS, params);
        jdbc.batchUpdate(INSERT_TARGET, months.stream().map(m -> new MapSqlParameterSource()
                .addValue("jobExecutionId", jobExecutionId)
                .addValue("month", m.month().atDay(1))
                .addValue("monthIndex", index(m.month()))
                .addValue("seasonFrom", m.month().minusMonths(SEASON_MONTHS).atDay(1))
                .addValue("exposure", m.exposure())
                .addValue("horizonDays", m.horizonDays())
                .addValue("provisional", m.provisional()))
                .toArray(MapSqlParameterSource[]::new));
        timed("clinic months", () -> jdbc.update(INSERT_CLINIC_MONTHS, params));
        timed("target months", () -> jdbc.update(INSERT_TARGET_MONTHS, params));
        timed("delete reasons", () -> jdbc.update(DELETE_REASONS, params));
        timed("delete rows", () -> jdbc.update(DELETE, params));
        timed("reasons", () -> jdbc.update(INSERT_REASONS, params));
        if (beforeFacts != null) {
            jdbc.getJdbcTemplate().execute(beforeFacts);
        }
        int rows = timed("facts", () -> jdbc.update(insert, params));
        jdbc.update(DELETE_TARGET_MONTHS, params);
        jdbc.update(DELETE_CLINIC_MONTHS, params);
        jdbc.update(DELETE_TARGETS, params);
        return rows;
    }
}
