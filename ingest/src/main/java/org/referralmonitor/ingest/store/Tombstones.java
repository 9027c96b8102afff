package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Referrals and visits that are gone: deleted on the server (a Bulk Data {@code deleted} file, or
 * missing from a complete reconciliation window and confirmed gone by a read) or entered in error. They stay for audit and are
 * excluded from every count.
 */
@Repository
public class Tombstones {

    public static final String DELETED = "DELETED";
    public static final String ENTERED_IN_ERROR = "ENTERED_IN_ERROR";

    private final NamedParameterJdbcTemplate jdbc;
    private final ChangeScope scope;

    public Tombstones(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.scope = new ChangeScope(jdbc);
    }

    /** Marks entered-in-error referrals and visits; returns how many were newly marked. */
    public int markEnteredInError(String endpointId, OffsetDateTime at) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId).addValue("at", at);
        int n = 0;
        for (String table : List.of("referral", "visit")) {
            n += jdbc.update(TABLE_SQL.get(table).enteredInError(), params);
        }
        return n;
    }

    /**
     * Marks resources the server deleted, and records the referrals whose visit that can change for
     * the next conversion linking.
     */
    public int markDeleted(String endpointId, String resourceType, Collection<String> ids, OffsetDateTime at) {
        String table = table(resourceType);
        Sql sql = TABLE_SQL.get(table);
        if (sql == null || ids.isEmpty()) {
            return 0;
        }
        if ("referral".equals(table)) {
            scope.referralsDeleted(endpointId, ids);
        } else {
            scope.visitsDeleted(endpointId, ids);
        }
        return jdbc.update(sql.deleted(), new MapSqlParameterSource("endpointId", endpointId)
                .addValue("ids", List.copyOf(ids)).addValue("at", at));
    }

    /**
     * Ids of the referrals (or visits) we hold, not tombstoned, last updated inside a window: what the
     * server should list for it.
     */
    public List<String> heldInWindow(String endpointId, String resourceType, OffsetDateTime from, OffsetDateTime to) {
        Sql sql = TABLE_SQL.get(table(resourceType));
        if (sql == null) {
            return List.of();
        }
        return jdbc.queryForList(sql.held(), new MapSqlParameterSource("endpointId", endpointId)
                .addValue("from", from).addValue("to", to), String.class);
    }

    private record Sql(String enteredInError, String deleted, String held) {
    }

    private static final java.util.Map<String, Sql> TABLE_SQL = java.util.Map.of(
            "referral", new Sql("""
                    UPDATE referral SET tombstone_reason = 'ENTERED_IN_ERROR', deleted_at = COALESCE(deleted_at, :at)
                    WHERE endpoint_id = :endpointId AND status = 'entered-in-error' AND tombstone_reason IS NULL
                    """, """
                    UPDATE referral SET tombstone_reason = 'DELETED', deleted_at = :at
                    WHERE endpoint_id = :endpointId AND resource_id IN (:ids) AND deleted_at IS NULL
                    """, """
                    SELECT resource_id FROM referral
                    WHERE endpoint_id = :endpointId AND deleted_at IS NULL
                      AND last_updated >= :from AND last_updated <= :to
                    """),
            "visit", new Sql("""
                    UPDATE visit SET tombstone_reason = 'ENTERED_IN_ERROR', deleted_at = COALESCE(deleted_at, :at)
                    WHERE endpoint_id = :endpointId AND status = 'entered-in-error' AND tombstone_reason IS NULL
                    """, """
                    UPDATE visit SET tombstone_reason = 'DELETED', deleted_at = :at
                    WHERE endpoint_id = :endpointId AND resource_id IN (:ids) AND deleted_at IS NULL
                    """, """
                    SELECT resource_id FROM visit
                    WHERE endpoint_id = :endpointId AND deleted_at IS NULL
                      AND last_updated >= :from AND last_updated <= :to
                    """));

    private static String table(String resourceType) {
        return switch (resourceType) {
            case "ServiceRequest" -> "referral";
            case "Encounter" -> "visit";
            default -> "";
        };
    }
}
