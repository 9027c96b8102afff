package org.referralmonitor.app.audit;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** The audit trail ({@code audit_event}): written by {@link AuditFilter} and {@link SignInAudit}, read by administrators. */
@Service
public class AuditLog {

    /** Most events one read returns. */
    public static final int MAX_LIMIT = 1000;

    static final int MAX_USERNAME = 100;
    static final int MAX_PATH = 500;
    static final int MAX_PARAMETERS = 1000;

    private final JdbcClient jdbc;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, Optional<Clock> clock) {
        this.jdbc = jdbc;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    void record(String username, String action, String path, String parameters, Integer status, String remoteAddress) {
        jdbc.sql("""
                INSERT INTO audit_event (at, username, action, path, parameters, status, remote_address)
                VALUES (:at, :username, :action, :path, :parameters, :status, :remote)
                """)
                .param("at", OffsetDateTime.now(clock))
                .param("username", cut(printable(username), MAX_USERNAME))
                .param("action", action)
                .param("path", cut(path, MAX_PATH))
                .param("parameters", cut(parameters, MAX_PARAMETERS))
                .param("status", status)
                .param("remote", cut(remoteAddress, 64))
                .update();
    }

    /**
     * Deletes the events older than the retention; how many.
     *
     * @param retention how long events are kept
     */
    public int purge(java.time.Duration retention) {
        return jdbc.sql("DELETE FROM audit_event WHERE at < :before")
                .param("before", OffsetDateTime.now(clock).minus(retention)).update();
    }

    /**
     * Events, newest first.
     *
     * @param username only this user's (in any case, as sign-in takes names), when not null
     * @param since only from then on, when not null
     */
    public List<AuditEvent> find(String username, OffsetDateTime since, int limit) {
        return jdbc.sql("""
                SELECT id, at, username, action, path, parameters, status, remote_address FROM audit_event
                WHERE (CAST(:username AS VARCHAR(100)) IS NULL
                       OR LOWER(username) = LOWER(CAST(:username AS VARCHAR(100))))
                  AND (CAST(:since AS TIMESTAMP WITH TIME ZONE) IS NULL
                       OR at >= CAST(:since AS TIMESTAMP WITH TIME ZONE))
                ORDER BY id DESC
                FETCH FIRST :limit ROWS ONLY
                """)
                .param("username", username).param("since", since).param("limit", Math.min(limit, MAX_LIMIT))
                .query((rs, n) -> new AuditEvent(rs.getLong("id"), rs.getObject("at", OffsetDateTime.class),
                        rs.getString("username"), rs.getString("action"), rs.getString("path"),
                        rs.getString("parameters"), rs.getObject("status") == null ? null : rs.getInt("status"),
                        rs.getString("remote_address")))
                .list();
    }

    /** The name as typed without control characters (a failed sign-in's name is anyone's), or "(none)". */
    static String printable(String username) {
        String name = username == null ? "" : username.replaceAll("\\p{Cntrl}", "?");
        return name.isBlank() ? "(none)" : name;
    }

    private static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max - 1) + "…";
    }
}
