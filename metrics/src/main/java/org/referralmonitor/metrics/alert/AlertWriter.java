package org.referralmonitor.metrics.alert;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * Keeps alerts in step with what the monthly job concludes: one alert per clinic, kind, source and
 * month, opened (or refreshed, or reopened: {@code opened_at} set anew) when raised, resolved with a reason when a recompute no
 * longer raises it. Idempotent: raising the same alert twice leaves one unchanged row, and an
 * acknowledged alert stays acknowledged while its numbers do not change.
 */
@Repository
public class AlertWriter {

    /**
     * An alert to open or refresh. {@code orgKey} is the practice (the EMR endpoint for a FEED alert), or
     * {@value #CLINIC} for a clinic-wide alert; {@code months} the months observed and expected span, ending with {@code month}.
     */
    public record Raise(String clinicId, String kind, String orgKey, YearMonth month, int observed, double expected,
            Double pValue, String explanation, Double revenueAtRisk, int months) {

        /** An alert about the month alone. */
        public Raise(String clinicId, String kind, String orgKey, YearMonth month, int observed, double expected,
                Double pValue, String explanation, Double revenueAtRisk) {
            this(clinicId, kind, orgKey, month, observed, expected, pValue, explanation, revenueAtRisk, 1);
        }
    }

    /** An alert to resolve if open, and why. */
    public record Resolve(String clinicId, String kind, String orgKey, YearMonth month, String reason) {
    }

    /** An alert that is open or acknowledged (not resolved): what a recompute may have to resolve. */
    public record Unresolved(String kind, String orgKey, YearMonth month) {
    }

    /** The org key of alerts about a whole clinic (its feed, when no single endpoint's feed shows the problem). */
    public static final String CLINIC = "*";

    private static final String RAISE = """
            MERGE INTO alert t
            USING (VALUES (CAST(:clinicId AS VARCHAR(64)), CAST(:kind AS VARCHAR(32)), CAST(:orgKey AS VARCHAR(200)),
                           CAST(:month AS DATE), CAST(:observed AS INTEGER), CAST(:expected AS NUMERIC(12, 4)),
                           CAST(:pValue AS DOUBLE PRECISION), CAST(:explanation AS VARCHAR(1000)),
                           CAST(:revenue AS NUMERIC(14, 2)), CAST(:now AS TIMESTAMP WITH TIME ZONE),
                           CAST(:months AS INTEGER)))
                AS s (clinic_id, kind, org_key, month_start, observed, expected, p_value, explanation, revenue, now_at,
                      months)
            ON t.clinic_id = s.clinic_id AND t.kind = s.kind AND t.org_key = s.org_key AND t.month_start = s.month_start
            WHEN MATCHED AND (t.observed <> s.observed OR t.expected <> s.expected OR t.status = 'RESOLVED'
                              OR t.explanation <> s.explanation OR t.months <> s.months) THEN UPDATE SET
                observed = s.observed, expected = s.expected, p_value = s.p_value, explanation = s.explanation,
                revenue_at_risk = s.revenue, months = s.months,
                status = CASE WHEN t.status = 'RESOLVED' THEN 'OPEN' ELSE t.status END,
                resolved_reason = CASE WHEN t.status = 'RESOLVED' THEN NULL ELSE t.resolved_reason END,
                opened_at = CASE WHEN t.status = 'RESOLVED' THEN s.now_at ELSE t.opened_at END,
                acknowledged_by = CASE WHEN t.status = 'RESOLVED' THEN NULL ELSE t.acknowledged_by END,
                acknowledged_at = CASE WHEN t.status = 'RESOLVED' THEN NULL ELSE t.acknowledged_at END,
                updated_at = s.now_at
            WHEN NOT MATCHED THEN INSERT (clinic_id, kind, org_key, month_start, observed, expected, p_value, explanation,
                                          revenue_at_risk, status, created_at, updated_at, opened_at, months)
                VALUES (s.clinic_id, s.kind, s.org_key, s.month_start, s.observed, s.expected, s.p_value, s.explanation,
                        s.revenue, 'OPEN', s.now_at, s.now_at, s.now_at, s.months)
            """;

    private static final String RESOLVE = """
            UPDATE alert SET status = 'RESOLVED', resolved_reason = :reason, updated_at = :now
            WHERE clinic_id = :clinicId AND kind = :kind AND org_key = :orgKey AND month_start = :month
              AND status <> 'RESOLVED'
            """;

    private static final String UNRESOLVED = """
            SELECT kind, org_key, month_start FROM alert
            WHERE clinic_id = :clinicId AND month_start IN (:months) AND status <> 'RESOLVED'
            """;

    private static final String REPLACED = """
            SELECT status, acknowledged_by, acknowledged_at FROM alert
            WHERE clinic_id = :clinicId AND kind = :kind AND month_start = :month AND org_key IN (:from)
              AND status <> 'RESOLVED'
            ORDER BY acknowledged_at DESC
            """;

    private static final String ACKNOWLEDGE_AS = """
            UPDATE alert SET status = 'ACKNOWLEDGED', acknowledged_by = :by, acknowledged_at = :at, updated_at = :now
            WHERE clinic_id = :clinicId AND kind = :kind AND month_start = :month AND org_key IN (:to)
              AND status = 'OPEN'
            """;

    private final NamedParameterJdbcTemplate jdbc;

    AlertWriter(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void raise(List<Raise> alerts, OffsetDateTime now) {
        if (alerts.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(RAISE, alerts.stream().map(a -> (SqlParameterSource) new MapSqlParameterSource()
                .addValue("clinicId", a.clinicId())
                .addValue("kind", a.kind())
                .addValue("orgKey", a.orgKey())
                .addValue("month", a.month().atDay(1))
                .addValue("observed", a.observed())
                .addValue("expected", round(a.expected(), 4))
                .addValue("pValue", a.pValue())
                .addValue("explanation", shorten(a.explanation()))
                .addValue("revenue", a.revenueAtRisk() == null ? null : round(a.revenueAtRisk(), 2))
                .addValue("now", now)
                .addValue("months", a.months())).toArray(SqlParameterSource[]::new));
    }

    /**
     * The clinic's alerts of these months that are not resolved: one look-up, so that a caller with
     * many sources (most of which have no alert) only builds what there is to resolve.
     */
    public Set<Unresolved> unresolved(String clinicId, Collection<YearMonth> months) {
        Set<Unresolved> unresolved = new HashSet<>();
        if (months.isEmpty()) {
            return unresolved;
        }
        jdbc.query(UNRESOLVED, new MapSqlParameterSource().addValue("clinicId", clinicId)
                .addValue("months", months.stream().map(m -> m.atDay(1)).distinct().toList()), rs -> {
                    unresolved.add(new Unresolved(rs.getString(1), rs.getString(2),
                            YearMonth.from(rs.getObject(3, LocalDate.class))));
                });
        return unresolved;
    }

    /**
     * Resolves those of the alerts that are not resolved yet. Most sources have none: only the alerts
     * that exist are updated (one look-up per clinic, instead of one update per source, kind and month).
     */
    public void resolve(List<Resolve> alerts, OffsetDateTime now) {
        if (alerts.isEmpty()) {
            return;
        }
        Map<String, Set<Unresolved>> unresolved = new HashMap<>();
        alerts.stream().collect(Collectors.groupingBy(Resolve::clinicId,
                        Collectors.mapping(Resolve::month, Collectors.toSet())))
                .forEach((clinicId, months) -> unresolved.put(clinicId, unresolved(clinicId, months)));
        resolveUnresolved(alerts.stream().filter(a -> unresolved.get(a.clinicId())
                .contains(new Unresolved(a.kind(), a.orgKey(), a.month()))).toList(), now);
    }

    /**
     * Resolves alerts the caller already found unresolved ({@link #unresolved}), without looking them
     * up again; one already resolved since is left as it is.
     */
    public void resolveUnresolved(List<Resolve> alerts, OffsetDateTime now) {
        if (alerts.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(RESOLVE, alerts.stream().map(a -> (SqlParameterSource) new MapSqlParameterSource()
                .addValue("clinicId", a.clinicId())
                .addValue("kind", a.kind())
                .addValue("orgKey", a.orgKey())
                .addValue("month", a.month().atDay(1))
                .addValue("reason", shorten(a.reason()))
                .addValue("now", now)).toArray(SqlParameterSource[]::new));
    }

    /**
     * Alerts just raised in place of others of the same clinic, kind and month ({@code to} instead of
     * {@code from}: a FEED alert for a drop across sources moving from the clinic as a whole to the
     * endpoint it is now told by, or back) are acknowledged as those were, by the user who acknowledged
     * the latest: one problem told by another key is not put before the coordinator again as new (nor
     * notified). Only when every one of them was acknowledged: one still open was never seen. Call
     * before resolving the {@code from} alerts; alerts of {@code to} already acknowledged or resolved
     * are left as they are.
     */
    public void carryAcknowledgement(String clinicId, String kind, YearMonth month, Collection<String> from,
            Collection<String> to, OffsetDateTime now) {
        if (from.isEmpty() || to.isEmpty()) {
            return;
        }
        MapSqlParameterSource params = new MapSqlParameterSource("clinicId", clinicId).addValue("kind", kind)
                .addValue("month", month.atDay(1)).addValue("from", from).addValue("to", to).addValue("now", now);
        List<Map<String, Object>> replaced = jdbc.queryForList(REPLACED, params);
        if (replaced.isEmpty() || replaced.stream().anyMatch(r -> !"ACKNOWLEDGED".equals(r.get("status")))) {
            return;
        }
        Map<String, Object> latest = replaced.get(0);
        jdbc.update(ACKNOWLEDGE_AS, params.addValue("by", latest.get("acknowledged_by"))
                .addValue("at", latest.get("acknowledged_at")));
    }

    /** Rounded as the column keeps it, so an unchanged figure compares equal on the next run. */
    private static java.math.BigDecimal round(double value, int scale) {
        return java.math.BigDecimal.valueOf(value).setScale(scale, java.math.RoundingMode.HALF_UP);
    }

    private static String shorten(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 999) + "…";
    }
}
