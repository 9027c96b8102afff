package org.referralmonitor.metrics.report;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Reads a clinic's computed months for people: the sources table of the dashboard and the API. */
@Service
public class SourceReport {

    private static final int TREND_MONTHS = 13;

    private final JdbcClient jdbc;

    SourceReport(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The referring practices of a clinic in a month: slowdowns first, then by baseline volume. */
    public List<SourceSummary> sources(String clinicId, YearMonth month) {
        return sources(clinicId, month, trends(clinicId, month), cancelReasons(clinicId, month));
    }

    /**
     * The same without the 13-month trends and the cancel reasons (empty), which cost a scan of the
     * referrals each: for exports over many months.
     */
    public List<SourceSummary> figures(String clinicId, YearMonth month) {
        return sources(clinicId, month, Map.of(), Map.of());
    }

    private List<SourceSummary> sources(String clinicId, YearMonth month, Map<String, List<Integer>> trends,
            Map<String, Map<String, Integer>> reasons) {
        return jdbc.sql("""
                SELECT sm.*, n.name, n.npi, fb.average * sm.seasonal_factor AS fixed_expected
                FROM source_month sm
                LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM organization GROUP BY source_key) n
                       ON n.source_key = sm.org_key
                LEFT JOIN fixed_baseline_source fb ON fb.clinic_id = sm.clinic_id AND fb.org_key = sm.org_key
                       AND fb.practitioner_key = sm.practitioner_key
                WHERE sm.clinic_id = :clinic AND sm.month_start = :month AND sm.practitioner_key = '*'
                ORDER BY CASE WHEN sm.status = 'SLOWDOWN' THEN 0 ELSE 1 END, sm.baseline DESC NULLS LAST,
                         sm.referrals DESC, sm.org_key
                """)
                .param("clinic", clinicId)
                .param("month", month.atDay(1))
                .query((rs, n) -> {
                    int referrals = rs.getInt("referrals");
                    int converted = rs.getInt("converted");
                    int sent = rs.getInt("sent");
                    String orgKey = rs.getString("org_key");
                    String flags = rs.getString("flags");
                    return new SourceSummary(orgKey, rs.getString("name"), rs.getString("npi"), referrals, converted,
                            referrals == 0 ? null : converted / (double) referrals, nullable(rs, "baseline"),
                            rs.getInt("history_months"), rs.getString("status"), nullable(rs, "p_value"),
                            rs.getInt("active_providers"), trends.getOrDefault(orgKey, List.of()),
                            rs.getBoolean("provisional"), rs.getInt("patients"), nullable(rs, "median_days"),
                            nullable(rs, "p90_days"),
                            new SourceSummary.NotConverted(rs.getInt("cancelled"),
                                    reasons.getOrDefault(orgKey, Map.of()), rs.getInt("visit_missed"),
                                    rs.getInt("waiting"), rs.getInt("no_visit")),
                            sent, referrals == 0 ? null : sent / (double) referrals, nullable(rs, "baseline_average"),
                            rs.getDouble("seasonal_factor"), nullable(rs, "baseline_conversion"),
                            nullable(rs, "fixed_expected"), flags == null ? List.of() : List.of(flags.split(",")),
                            nullable(rs, "revenue_at_risk"));
                })
                .list();
    }

    /** The referring providers of a practice (or of every practice, orgKey null) in a month, busiest first. */
    public List<ProviderSummary> providers(String clinicId, YearMonth month, String orgKey) {
        return jdbc.sql("""
                SELECT sm.*, p.name, p.npi FROM source_month sm
                LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM practitioner GROUP BY source_key) p
                       ON p.source_key = sm.practitioner_key
                WHERE sm.clinic_id = :clinic AND sm.month_start = :month AND sm.practitioner_key <> '*'
                  AND (CAST(:org AS VARCHAR(200)) IS NULL OR sm.org_key = CAST(:org AS VARCHAR(200)))
                ORDER BY sm.org_key, sm.referrals DESC, sm.practitioner_key
                """)
                .param("clinic", clinicId)
                .param("month", month.atDay(1))
                .param("org", orgKey)
                .query((rs, n) -> provider(rs))
                .list();
    }

    /** A referring provider's month for an export, with its practice as the dashboard names it. */
    public record ProviderRow(ProviderSummary provider, String practiceName, boolean provisional) {
    }

    /**
     * Each referring provider's month, as {@link #providers} reads them, handed over one at a time as
     * the database returns them (names looked up per row through the directory's source-key indexes).
     */
    public void eachProvider(String clinicId, YearMonth month, Consumer<ProviderRow> row) {
        jdbc.sql("""
                SELECT sm.*,
                       (SELECT MAX(p.name) FROM practitioner p WHERE p.source_key = sm.practitioner_key) AS name,
                       (SELECT MAX(p.npi) FROM practitioner p WHERE p.source_key = sm.practitioner_key) AS npi,
                       (SELECT MAX(o.name) FROM organization o WHERE o.source_key = sm.org_key) AS practice_name
                FROM source_month sm
                WHERE sm.clinic_id = :clinic AND sm.month_start = :month AND sm.practitioner_key <> '*'
                ORDER BY sm.org_key, sm.referrals DESC, sm.practitioner_key
                """)
                .param("clinic", clinicId)
                .param("month", month.atDay(1))
                .query((RowCallbackHandler) rs -> row.accept(new ProviderRow(
                        provider(rs), SourceSummary.displayName(rs.getString("org_key"), rs.getString("practice_name")),
                        rs.getBoolean("provisional"))));
    }

    /** Whether any of the months has a referring provider's row. */
    public boolean hasProviders(String clinicId, List<YearMonth> months) {
        return !jdbc.sql("""
                SELECT 1 FROM source_month
                WHERE clinic_id = :clinic AND month_start IN (:months) AND practitioner_key <> '*'
                FETCH FIRST 1 ROWS ONLY
                """).param("clinic", clinicId).param("months", months.stream().map(m -> m.atDay(1)).toList())
                .query(Integer.class).list().isEmpty();
    }

    private static ProviderSummary provider(ResultSet rs) throws SQLException {
        int referrals = rs.getInt("referrals");
        int converted = rs.getInt("converted");
        return new ProviderSummary(rs.getString("org_key"), rs.getString("practitioner_key"), rs.getString("name"),
                rs.getString("npi"), referrals, rs.getInt("cancelled"), rs.getInt("patients"), converted,
                referrals == 0 ? null : converted / (double) referrals, nullable(rs, "median_days"),
                nullable(rs, "baseline"), rs.getInt("history_months"));
    }

    private Map<String, Map<String, Integer>> cancelReasons(String clinicId, YearMonth month) {
        Map<String, Map<String, Integer>> reasons = new HashMap<>();
        jdbc.sql("""
                SELECT org_key, reason, referrals FROM source_month_reason
                WHERE clinic_id = :clinic AND month_start = :month ORDER BY org_key, referrals DESC, reason
                """)
                .param("clinic", clinicId)
                .param("month", month.atDay(1))
                .query(rs -> {
                    reasons.computeIfAbsent(rs.getString(1), k -> new java.util.LinkedHashMap<>())
                            .put(rs.getString(2), rs.getInt(3));
                });
        return reasons;
    }

    private static Double nullable(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column) == null ? null : rs.getDouble(column);
    }

    /** Months that have been computed for the clinic, newest first. */
    public List<YearMonth> computedMonths(String clinicId) {
        return jdbc.sql("SELECT DISTINCT month_start FROM source_month WHERE clinic_id = :clinic ORDER BY month_start DESC")
                .param("clinic", clinicId)
                .query((rs, n) -> YearMonth.from(rs.getObject(1, LocalDate.class)))
                .list();
    }

    private Map<String, List<Integer>> trends(String clinicId, YearMonth month) {
        YearMonth from = month.minusMonths(TREND_MONTHS - 1L);
        Map<String, int[]> counts = new HashMap<>();
        jdbc.sql("""
                SELECT r.source_org_key, r.authored_month, COUNT(*) FROM referral r
                JOIN emr_endpoint e ON e.id = r.endpoint_id
                WHERE e.clinic_id = :clinic AND r.is_referral AND r.status NOT IN ('draft', 'entered-in-error')
                  AND r.deleted_at IS NULL AND r.authored_month BETWEEN :from AND :to
                GROUP BY r.source_org_key, r.authored_month
                """)
                .param("clinic", clinicId)
                .param("from", from.atDay(1))
                .param("to", month.atDay(1))
                .query(rs -> {
                    YearMonth m = YearMonth.from(rs.getObject(2, LocalDate.class));
                    int index = (int) (from.until(m, java.time.temporal.ChronoUnit.MONTHS));
                    counts.computeIfAbsent(rs.getString(1), k -> new int[TREND_MONTHS])[index] = rs.getInt(3);
                });
        Map<String, List<Integer>> trends = new HashMap<>();
        counts.forEach((org, values) -> {
            List<Integer> list = new ArrayList<>(TREND_MONTHS);
            for (int v : values) {
                list.add(v);
            }
            trends.put(org, list);
        });
        return trends;
    }
}
