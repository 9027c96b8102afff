package org.referralmonitor.ingest.endpoint;

import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class EndpointRepository {

    private static final String UPSERT_CLINIC = """
            MERGE INTO clinic t
            USING (VALUES (CAST(:id AS VARCHAR(64)), CAST(:name AS VARCHAR(200)), CAST(:timeZone AS VARCHAR(64))))
                AS s (id, name, time_zone)
            ON t.id = s.id
            WHEN MATCHED AND (t.name <> s.name OR t.time_zone <> s.time_zone)
                THEN UPDATE SET name = s.name, time_zone = s.time_zone, updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE)
            WHEN NOT MATCHED
                THEN INSERT (id, name, time_zone, updated_at)
                     VALUES (s.id, s.name, s.time_zone, CAST(:now AS TIMESTAMP WITH TIME ZONE))
            """;

    private static final String UPSERT_ENDPOINT = """
            MERGE INTO emr_endpoint t
            USING (VALUES (CAST(:id AS VARCHAR(64)), CAST(:clinicId AS VARCHAR(64)), CAST(:name AS VARCHAR(200)),
                           CAST(:baseUrl AS VARCHAR(2000)), CAST(:pageSize AS INTEGER), CAST(:schedule AS VARCHAR(100)),
                           CAST(:enabled AS BOOLEAN), CAST(:origin AS VARCHAR(16)),
                           CAST(:validationLevel AS VARCHAR(16))))
                AS s (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, validation_level)
            ON t.id = s.id
            WHEN MATCHED
                THEN UPDATE SET clinic_id = s.clinic_id, name = s.name, base_url = s.base_url, page_size = s.page_size,
                                schedule = s.schedule, enabled = s.enabled, origin = s.origin,
                                validation_level = s.validation_level, updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE)
            WHEN NOT MATCHED
                THEN INSERT (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, validation_level,
                             updated_at)
                     VALUES (s.id, s.clinic_id, s.name, s.base_url, s.page_size, s.schedule, s.enabled, s.origin,
                             s.validation_level, CAST(:now AS TIMESTAMP WITH TIME ZONE))
            """;

    private final JdbcClient jdbc;

    EndpointRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void upsert(Clinic clinic, OffsetDateTime now) {
        jdbc.sql(UPSERT_CLINIC)
                .param("id", clinic.id())
                .param("name", clinic.name())
                .param("timeZone", clinic.timeZone().getId())
                .param("now", now)
                .update();
    }

    void upsert(EmrEndpoint endpoint, OffsetDateTime now) {
        jdbc.sql(UPSERT_ENDPOINT)
                .param("id", endpoint.id())
                .param("clinicId", endpoint.clinicId())
                .param("name", endpoint.name())
                .param("baseUrl", endpoint.baseUrl().toString())
                .param("pageSize", endpoint.pageSize())
                .param("schedule", endpoint.schedule())
                .param("enabled", endpoint.enabled())
                .param("origin", endpoint.origin())
                .param("validationLevel", endpoint.validationLevel().name())
                .param("now", now)
                .update();
    }

    /** Endpoints that came from configuration or the sandbox but are no longer defined there stop syncing. */
    int disableOthers(String origin, List<String> keepIds, OffsetDateTime now) {
        return jdbc.sql("""
                UPDATE emr_endpoint SET enabled = FALSE, updated_at = :now
                WHERE origin = :origin AND enabled AND id NOT IN (:keep)
                """)
                .param("origin", origin)
                .param("keep", keepIds.isEmpty() ? List.of("") : keepIds)
                .param("now", now)
                .update();
    }

    List<EmrEndpoint> findAll() {
        return jdbc.sql("SELECT * FROM emr_endpoint ORDER BY clinic_id, id").query(EndpointRepository::endpoint).list();
    }

    Optional<EmrEndpoint> find(String id) {
        return jdbc.sql("SELECT * FROM emr_endpoint WHERE id = :id").param("id", id)
                .query(EndpointRepository::endpoint).optional();
    }

    List<Clinic> findClinics() {
        return jdbc.sql("SELECT * FROM clinic ORDER BY name")
                .query((rs, n) -> new Clinic(rs.getString("id"), rs.getString("name"), ZoneId.of(rs.getString("time_zone"))))
                .list();
    }

    private static EmrEndpoint endpoint(ResultSet rs, int row) throws SQLException {
        return new EmrEndpoint(rs.getString("id"), rs.getString("clinic_id"), rs.getString("name"),
                URI.create(rs.getString("base_url")), rs.getInt("page_size"), rs.getString("schedule"),
                rs.getBoolean("enabled"), rs.getString("origin"), ValidationLevel.valueOf(rs.getString("validation_level")));
    }
}
