package org.referralmonitor.ingest.sync;

import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * How far the roster crawl has read each patient's resources of a type ({@code roster_patient}), by
 * the patient's keyed hash: where the next crawl of that patient starts.
 */
@Repository
class RosterMarks {

    private static final String FIND = """
            SELECT patient_hash, resource_type, crawled_to FROM roster_patient
            WHERE endpoint_id = :endpointId AND patient_hash IN (:hashes)
            """;

    /** Moves a patient's mark forward, never back (an older sync's crawl finishing late). */
    private static final String ADVANCE = """
            MERGE INTO roster_patient t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceType AS VARCHAR(64)),
                           CAST(:patientHash AS VARCHAR(64)), CAST(:crawledTo AS TIMESTAMP WITH TIME ZONE),
                           CAST(:syncRunId AS BIGINT)))
                AS s (endpoint_id, resource_type, patient_hash, crawled_to, sync_run_id)
            ON t.endpoint_id = s.endpoint_id AND t.resource_type = s.resource_type AND t.patient_hash = s.patient_hash
            WHEN MATCHED AND t.crawled_to < s.crawled_to THEN UPDATE SET crawled_to = s.crawled_to,
                sync_run_id = s.sync_run_id
            WHEN NOT MATCHED THEN INSERT (endpoint_id, resource_type, patient_hash, crawled_to, sync_run_id)
                VALUES (s.endpoint_id, s.resource_type, s.patient_hash, s.crawled_to, s.sync_run_id)
            """;

    /** One patient's resources of one type, read completely up to {@code crawledTo}. */
    record Mark(String patientHash, String resourceType) {
    }

    private final NamedParameterJdbcTemplate jdbc;

    RosterMarks(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The marks of these patients: patient hash to resource type to how far it was read. */
    Map<String, Map<String, OffsetDateTime>> find(String endpointId, Collection<String> hashes) {
        Map<String, Map<String, OffsetDateTime>> marks = new HashMap<>();
        if (hashes.isEmpty()) {
            return marks;
        }
        jdbc.query(FIND, new MapSqlParameterSource("endpointId", endpointId).addValue("hashes", hashes), rs -> {
            marks.computeIfAbsent(rs.getString(1), h -> new HashMap<>())
                    .put(rs.getString(2), rs.getObject(3, OffsetDateTime.class));
        });
        return marks;
    }

    void advance(String endpointId, long runId, OffsetDateTime crawledTo, List<Mark> marks) {
        if (marks.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(ADVANCE, marks.stream().map(m -> (SqlParameterSource) new MapSqlParameterSource()
                .addValue("endpointId", endpointId, Types.VARCHAR)
                .addValue("resourceType", m.resourceType(), Types.VARCHAR)
                .addValue("patientHash", m.patientHash(), Types.VARCHAR)
                .addValue("crawledTo", crawledTo, Types.TIMESTAMP_WITH_TIMEZONE)
                .addValue("syncRunId", runId, Types.BIGINT)).toArray(SqlParameterSource[]::new));
    }
}
