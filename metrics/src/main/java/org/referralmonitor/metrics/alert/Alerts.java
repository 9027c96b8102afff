package org.referralmonitor.metrics.alert;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Reading and acknowledging alerts. */
@Service
public class Alerts {

    public static final Set<String> STATUSES = Set.of("OPEN", "ACKNOWLEDGED", "RESOLVED");

    /** Alert kinds: about a practice's month, and FEED about a clinic's feed (one EMR endpoint's, or the whole clinic's). */
    public static final Set<String> KINDS = Set.of("SLOWDOWN", "GONE_DARK", "SUSTAINED_DECLINE", "CONVERSION_COLLAPSE",
            "RECIPROCITY_FLIP", "FEED");

    // a FEED alert's key is an EMR endpoint's (or the clinic's, '*'), never a practice's
    private static final String SELECT = """
            SELECT a.*, n.name AS source_name, n.npi AS source_npi, e.name AS endpoint_name FROM alert a
            LEFT JOIN (SELECT source_key, MAX(name) AS name, MAX(npi) AS npi FROM organization GROUP BY source_key) n
                   ON n.source_key = a.org_key AND a.kind <> 'FEED'
            LEFT JOIN emr_endpoint e ON a.kind = 'FEED' AND e.id = a.org_key AND e.clinic_id = a.clinic_id
            """;

    private final JdbcClient jdbc;

    Alerts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Alerts, newest month first; each filter applies when not null. */
    public List<Alert> find(String clinicId, String status) {
        return find(clinicId, status, null, null);
    }

    /** Alerts, newest month first, largest shortfall first; each filter applies when not null. */
    public List<Alert> find(String clinicId, String status, YearMonth month, String kind) {
        return jdbc.sql(SELECT + """
                WHERE (CAST(:clinic AS VARCHAR(64)) IS NULL OR a.clinic_id = CAST(:clinic AS VARCHAR(64)))
                  AND (CAST(:status AS VARCHAR(16)) IS NULL OR a.status = CAST(:status AS VARCHAR(16)))
                  AND (CAST(:month AS DATE) IS NULL OR a.month_start = CAST(:month AS DATE))
                  AND (CAST(:kind AS VARCHAR(32)) IS NULL OR a.kind = CAST(:kind AS VARCHAR(32)))
                ORDER BY a.month_start DESC, a.expected - a.observed DESC, a.id
                """)
                .param("clinic", clinicId)
                .param("status", status)
                .param("month", month == null ? null : month.atDay(1))
                .param("kind", kind)
                .query(Alerts::alert)
                .list();
    }

    /** The clinic's alerts not resolved (open or acknowledged), in the order of {@link #find}. */
    public List<Alert> unresolved(String clinicId) {
        return jdbc.sql(SELECT + """
                WHERE a.clinic_id = :clinic AND a.status IN ('OPEN', 'ACKNOWLEDGED')
                ORDER BY a.month_start DESC, a.expected - a.observed DESC, a.id
                """)
                .param("clinic", clinicId)
                .query(Alerts::alert)
                .list();
    }

    public Optional<Alert> find(long id) {
        return jdbc.sql(SELECT + " WHERE a.id = :id").param("id", id).query(Alerts::alert).optional();
    }

    /** The alerts of these ids that exist, by id, in one look-up. */
    public Map<Long, Alert> find(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return jdbc.sql(SELECT + " WHERE a.id IN (:ids)").param("ids", List.copyOf(ids)).query(Alerts::alert).list().stream()
                .collect(Collectors.toMap(Alert::id, a -> a));
    }

    /**
     * A coordinator has seen it: it stays visible but no longer counts as open. Records who and when;
     * an alert acknowledged or resolved already is left as it is.
     *
     * @param user the signed-in user's name
     */
    public Optional<Alert> acknowledge(long id, OffsetDateTime at, String user) {
        jdbc.sql("""
                UPDATE alert SET status = 'ACKNOWLEDGED', updated_at = :at, acknowledged_at = :at, acknowledged_by = :user
                WHERE id = :id AND status = 'OPEN'
                """).param("id", id).param("at", at).param("user", user).update();
        return find(id);
    }

    private static Alert alert(ResultSet rs, int row) throws SQLException {
        Object p = rs.getObject("p_value");
        return new Alert(rs.getLong("id"), rs.getString("clinic_id"), rs.getString("kind"), rs.getString("org_key"),
                rs.getString("source_name"), rs.getString("source_npi"),
                YearMonth.from(rs.getObject("month_start", LocalDate.class)), rs.getInt("observed"),
                rs.getDouble("expected"), p == null ? null : rs.getDouble("p_value"), rs.getString("explanation"),
                rs.getString("status"), rs.getString("resolved_reason"),
                rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class),
                rs.getObject("revenue_at_risk") == null ? null : rs.getDouble("revenue_at_risk"), rs.getInt("months"),
                rs.getString("acknowledged_by"), rs.getObject("acknowledged_at", OffsetDateTime.class),
                rs.getString("endpoint_name"));
    }
}
