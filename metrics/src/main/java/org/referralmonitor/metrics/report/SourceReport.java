package org.referralmonitor.metrics.report;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        Map<String, List<Integer>> trends = trends(clinicId, month);
        return jdbc.sql("""
                SELECT sm.org_key, n.name, n.npi, sm.referrals, sm.converted, sm.baseline, sm.history_months,
                       sm.status, sm.p_value,
                       (SELECT COUNT(*) FROM source_month p
                        WHERE p.clinic_id = sm.clinic_id AND p.month_start = sm.month_start AND p.org_key = sm.org_key
                          AND p.practitioner_key <> '*' AND p.referrals > 0) AS providers
                FROM source_month sm
                LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM organization GROUP BY source_key) n
                       ON n.source_key = sm.org_key
                WHERE sm.clinic_id = :clinic AND sm.month_start = :month AND sm.practitioner_key = '*'
                ORDER BY CASE WHEN sm.status = 'SLOWDOWN' THEN 0 ELSE 1 END, sm.baseline DESC NULLS LAST,
                         sm.referrals DESC, sm.org_key
                """)
                .param("clinic", clinicId)
                .param("month", month.atDay(1))
                .query((rs, n) -> {
                    int referrals = rs.getInt("referrals");
                    int converted = rs.getInt("converted");
                    Object baseline = rs.getObject("baseline");
                    Object p = rs.getObject("p_value");
                    String orgKey = rs.getString("org_key");
                    return new SourceSummary(orgKey, rs.getString("name"), rs.getString("npi"), referrals, converted,
                            referrals == 0 ? null : converted / (double) referrals,
                            baseline == null ? null : rs.getDouble("baseline"), rs.getInt("history_months"),
                            rs.getString("status"), p == null ? null : rs.getDouble("p_value"), rs.getInt("providers"),
                            trends.getOrDefault(orgKey, List.of()));
                })
                .list();
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
