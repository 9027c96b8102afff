package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Up to where each resource type of an endpoint is known complete. A watermark moves only forward,
 * and only when every page of the window that reached it is committed.
 */
@Repository
class Watermarks {

    private final JdbcClient jdbc;

    Watermarks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<OffsetDateTime> find(String endpointId, String resourceType) {
        return jdbc.sql("SELECT watermark FROM sync_watermark WHERE endpoint_id = :endpointId AND resource_type = :type")
                .param("endpointId", endpointId).param("type", resourceType)
                .query(OffsetDateTime.class).optional();
    }

    Map<String, OffsetDateTime> all(String endpointId) {
        return jdbc.sql("SELECT resource_type, watermark FROM sync_watermark WHERE endpoint_id = :endpointId")
                .param("endpointId", endpointId)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getObject(2, OffsetDateTime.class))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Moves the watermark to {@code to}, unless it is already there or beyond. */
    void advance(String endpointId, String resourceType, OffsetDateTime to, long runId, OffsetDateTime now) {
        int moved = jdbc.sql("""
                UPDATE sync_watermark SET watermark = :to, sync_run_id = :runId, updated_at = :now
                WHERE endpoint_id = :endpointId AND resource_type = :type AND watermark < :to
                """)
                .param("endpointId", endpointId).param("type", resourceType).param("to", to).param("runId", runId)
                .param("now", now).update();
        if (moved == 0 && find(endpointId, resourceType).isEmpty()) {
            jdbc.sql("""
                    INSERT INTO sync_watermark (endpoint_id, resource_type, watermark, sync_run_id, updated_at)
                    VALUES (:endpointId, :type, :to, :runId, :now)
                    """)
                    .param("endpointId", endpointId).param("type", resourceType).param("to", to).param("runId", runId)
                    .param("now", now).update();
        }
    }
}
