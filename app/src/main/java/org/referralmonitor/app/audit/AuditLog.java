package org.referralmonitor.app.audit;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.referralmonitor.app.AppProperties;
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
                INSERT INTO audit_event (at, username, name_key, action, path, parameters, status, remote_address)
                VALUES (:at, :username, :key, :action, :path, :parameters, :status, :remote)
                """)
                .param("at", OffsetDateTime.now(clock))
                .param("username", cut(printable(username), MAX_USERNAME))
                .param("key", key(username))
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
                WHERE (CAST(:key AS VARCHAR(100)) IS NULL OR name_key = CAST(:key AS VARCHAR(100)))
                  AND (CAST(:since AS TIMESTAMP WITH TIME ZONE) IS NULL
                       OR at >= CAST(:since AS TIMESTAMP WITH TIME ZONE))
                ORDER BY id DESC
                FETCH FIRST :limit ROWS ONLY
                """)
                .param("key", username == null ? null : key(username)).param("since", since)
                .param("limit", Math.min(limit, MAX_LIMIT))
                .query((rs, n) -> new AuditEvent(rs.getLong("id"), rs.getObject("at", OffsetDateTime.class),
                        rs.getString("username"), rs.getString("action"), rs.getString("path"),
                        rs.getString("parameters"), rs.getObject("status") == null ? null : rs.getInt("status"),
                        rs.getString("remote_address")))
                .list();
    }

    /**
     * When the failed sign-ins with a name happened, from {@code since} on and after its last sign-in
     * or unlock, newest first, at most {@code max}: what locks a name against guessing.
     */
    public List<OffsetDateTime> failedSignIns(String username, OffsetDateTime since, int max) {
        return jdbc.sql("""
                SELECT f.at FROM audit_event f
                WHERE f.action = 'SIGN_IN_FAILED' AND f.at >= :since AND f.name_key = :key
                  AND NOT EXISTS (SELECT 1 FROM audit_event s
                                  WHERE s.action IN ('SIGN_IN', 'UNLOCKED') AND s.at >= :since AND s.at >= f.at
                                    AND s.name_key = :key)
                ORDER BY f.at DESC
                FETCH FIRST :max ROWS ONLY
                """)
                .param("key", key(username)).param("since", since).param("max", max)
                .query((rs, n) -> rs.getObject("at", OffsetDateTime.class)).list();
    }

    /** Whether a sign-in with the name was refused as locked from {@code since} on. */
    public boolean refusedAsLocked(String username, OffsetDateTime since) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM audit_event
                WHERE action = 'SIGN_IN_LOCKED' AND at >= :since AND name_key = :key
                """).param("key", key(username)).param("since", since).query(Integer.class).single() > 0;
    }

    /**
     * The names locked now: at least max-failures failed sign-ins within the window after their last
     * sign-in or unlock (the lock {@code security.SignInLockout} enforces), the name as typed.
     */
    public List<LockedName> lockedNames(AppProperties.SignInLockout lockout) {
        return jdbc.sql("""
                SELECT f.name_key, MAX(f.username) AS username, COUNT(*) AS failures, MAX(f.at) AS last_failure
                FROM audit_event f
                WHERE f.action = 'SIGN_IN_FAILED' AND f.at >= :since
                  AND NOT EXISTS (SELECT 1 FROM audit_event s
                                  WHERE s.action IN ('SIGN_IN', 'UNLOCKED') AND s.at >= :since AND s.at >= f.at
                                    AND s.name_key = f.name_key)
                GROUP BY f.name_key
                HAVING COUNT(*) >= :max
                ORDER BY MAX(f.at) DESC
                """).param("since", OffsetDateTime.now(clock).minus(lockout.window()))
                .param("max", lockout.maxFailures())
                .query((rs, n) -> new LockedName(rs.getString("name_key"), rs.getString("username"),
                        rs.getInt("failures"), rs.getObject("last_failure", OffsetDateTime.class)))
                .list();
    }

    /**
     * Lifts a name's lock when it is locked: an UNLOCKED event in its name, saying who lifted it.
     *
     * @return false when the name was not locked (nothing recorded)
     */
    public boolean unlock(String username, String by, String remoteAddress, AppProperties.SignInLockout lockout) {
        String key = key(username);
        if (lockedNames(lockout).stream().noneMatch(l -> l.key().equals(key))) {
            return false;
        }
        record(username, "UNLOCKED", null, "by=" + printable(by), null, remoteAddress);
        return true;
    }

    /** The name as sign-in matches it: lower case as {@link Locale#ROOT} has it, without control characters. */
    public static String key(String username) {
        return cut(printable(username).toLowerCase(Locale.ROOT), MAX_USERNAME);
    }

    /** The name as typed without control characters (a failed sign-in's name is anyone's), or "(none)". */
    public static String printable(String username) {
        String name = username == null ? "" : username.replaceAll("\\p{Cntrl}", "?");
        return name.isBlank() ? "(none)" : name;
    }

    private static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max - 1) + "…";
    }
}
