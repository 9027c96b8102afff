package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What a reconciliation found that incremental syncs had missed: rows to which it brought a version
 * we did not have (inserted, a new version id or lastUpdated, back after a tombstone) whose last
 * update lies before the watermark, that is, inside windows incremental syncs had called complete.
 * A version we held, stored again because our sanitizing or classification changed, is no miss.
 */
@Repository
class MissedChanges {

    private static final Map<String, String> COUNT = Map.of(
            "ServiceRequest", """
                    SELECT count(*) FROM referral
                    WHERE endpoint_id = :endpointId AND version_run_id = :runId AND last_updated < :watermark
                    """,
            "Encounter", """
                    SELECT count(*) FROM visit
                    WHERE endpoint_id = :endpointId AND version_run_id = :runId AND last_updated < :watermark
                    """);

    private final JdbcClient jdbc;

    MissedChanges(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    int count(String endpointId, String resourceType, long runId, OffsetDateTime watermark) {
        String sql = COUNT.get(resourceType);
        if (sql == null || watermark == null) {
            return 0;
        }
        return jdbc.sql(sql).param("endpointId", endpointId).param("runId", runId).param("watermark", watermark)
                .query(Integer.class).single();
    }
}
