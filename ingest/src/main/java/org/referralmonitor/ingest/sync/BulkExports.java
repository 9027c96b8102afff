package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The Bulk Data export an endpoint has running, kept from kick-off until its job is deleted, so that
 * a restarted application polls it instead of starting a second one.
 */
@Repository
class BulkExports {

    /** A kicked-off export: where to poll, since when, which types. */
    record Running(String statusUrl, OffsetDateTime kickedOffAt, OffsetDateTime since, List<String> types) {
    }

    private final JdbcClient jdbc;

    BulkExports(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<Running> find(String endpointId) {
        return jdbc.sql("SELECT status_url, kicked_off_at, since, types FROM bulk_export WHERE endpoint_id = :id")
                .param("id", endpointId)
                .query((rs, n) -> new Running(rs.getString(1), rs.getObject(2, OffsetDateTime.class),
                        rs.getObject(3, OffsetDateTime.class), Arrays.asList(rs.getString(4).split(","))))
                .optional();
    }

    void save(String endpointId, Running export) {
        forget(endpointId);
        jdbc.sql("""
                INSERT INTO bulk_export (endpoint_id, status_url, kicked_off_at, since, types)
                VALUES (:id, :url, :at, :since, :types)
                """)
                .param("id", endpointId).param("url", export.statusUrl()).param("at", export.kickedOffAt())
                .param("since", export.since()).param("types", String.join(",", export.types()))
                .update();
    }

    void forget(String endpointId) {
        jdbc.sql("DELETE FROM bulk_export WHERE endpoint_id = :id").param("id", endpointId).update();
    }
}
