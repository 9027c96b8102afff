package org.referralmonitor.ingest.endpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
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
                           CAST(:validationLevel AS VARCHAR(16)), CAST(:strategy AS VARCHAR(16)),
                           CAST(:authKind AS VARCHAR(32)), CAST(:authSettings AS VARCHAR(4000)),
                           CAST(:roster AS VARCHAR(20000)), CAST(:ownOrganizations AS VARCHAR(4000)),
                           CAST(:concurrency AS INTEGER), CAST(:overlap AS INTEGER), CAST(:lag AS INTEGER),
                           CAST(:reconcileSchedule AS VARCHAR(100)), CAST(:bulk AS VARCHAR(4000)),
                           CAST(:referralRule AS VARCHAR(4000))))
                AS s (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, validation_level, strategy,
                      auth_kind, auth_settings, roster, own_organizations, concurrency, window_overlap_seconds,
                      window_lag_seconds, reconcile_schedule, bulk_settings, referral_rule)
            ON t.id = s.id
            WHEN MATCHED
                THEN UPDATE SET clinic_id = s.clinic_id, name = s.name, base_url = s.base_url, page_size = s.page_size,
                                schedule = s.schedule, enabled = s.enabled, origin = s.origin,
                                validation_level = s.validation_level, strategy = s.strategy,
                                auth_kind = s.auth_kind, auth_settings = s.auth_settings, roster = s.roster,
                                own_organizations = s.own_organizations, concurrency = s.concurrency,
                                window_overlap_seconds = s.window_overlap_seconds,
                                window_lag_seconds = s.window_lag_seconds, reconcile_schedule = s.reconcile_schedule,
                                bulk_settings = s.bulk_settings, referral_rule = s.referral_rule, updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE)
            WHEN NOT MATCHED
                THEN INSERT (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, validation_level,
                             strategy, auth_kind, auth_settings, roster, own_organizations, concurrency,
                             window_overlap_seconds, window_lag_seconds, reconcile_schedule, bulk_settings, referral_rule,
                             updated_at)
                     VALUES (s.id, s.clinic_id, s.name, s.base_url, s.page_size, s.schedule, s.enabled, s.origin,
                             s.validation_level, s.strategy, s.auth_kind, s.auth_settings, s.roster,
                             s.own_organizations, s.concurrency, s.window_overlap_seconds, s.window_lag_seconds,
                             s.reconcile_schedule, s.bulk_settings, s.referral_rule,
                             CAST(:now AS TIMESTAMP WITH TIME ZONE))
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

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
        Connection c = endpoint.connection();
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
                .param("strategy", c.strategy().name())
                .param("authKind", c.auth().kind().name())
                .param("authSettings", json(c.auth()))
                .param("roster", json(c.roster()))
                .param("ownOrganizations", json(c.ownOrganizations()))
                .param("concurrency", c.concurrency())
                .param("overlap", (int) c.overlap().toSeconds())
                .param("lag", (int) c.lag().toSeconds())
                .param("reconcileSchedule", c.reconcileSchedule())
                .param("bulk", json(c.bulk()))
                .param("referralRule", json(c.referralRule()))
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

    /** The keys of {@link Connection.Auth} that name where a secret is. */
    private static final List<String> SECRET_KEYS = List.of("passwordRef", "tokenRef", "clientSecretRef",
            "privateKeyRef");

    /**
     * Removes secrets stored where only their references belong (by a version that did not refuse
     * them): each such value is cleared and its endpoint disabled until an administrator enters a
     * reference. Returns the endpoint id and key of each value removed, never the value.
     */
    List<String> clearStoredSecrets(OffsetDateTime now) {
        List<String> cleared = new java.util.ArrayList<>();
        for (var row : jdbc.sql("SELECT id, auth_settings FROM emr_endpoint WHERE auth_settings IS NOT NULL ORDER BY id")
                .query().listOfRows()) {
            if (!(tree((String) row.get("auth_settings")) instanceof com.fasterxml.jackson.databind.node.ObjectNode auth)) {
                continue;
            }
            List<String> keys = SECRET_KEYS.stream().filter(k -> auth.hasNonNull(k)
                    && looksLikeSecret(auth.get(k).asText())).toList();
            if (keys.isEmpty()) {
                continue;
            }
            keys.forEach(auth::putNull);
            jdbc.sql("UPDATE emr_endpoint SET auth_settings = :auth, enabled = FALSE, updated_at = :now WHERE id = :id")
                    .param("auth", json(auth)).param("now", now).param("id", row.get("id")).update();
            keys.forEach(k -> cleared.add(row.get("id") + " (auth." + k + ")"));
        }
        return cleared;
    }

    /**
     * Neither a reference nor something meant as one (a malformed reference such as {@code ENV:X} or a
     * relative {@code file:} path is refused where it is used, and holds no secret), nor empty.
     */
    private static boolean looksLikeSecret(String value) {
        String meant = value.strip().toLowerCase(java.util.Locale.ROOT);
        return !meant.isEmpty() && !SecretRefs.isReference(value) && !meant.startsWith("env:")
                && !meant.startsWith("file:");
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
        Connection connection = new Connection(PullStrategy.valueOf(rs.getString("strategy")),
                rs.getInt("concurrency"), Duration.ofSeconds(rs.getInt("window_overlap_seconds")),
                Duration.ofSeconds(rs.getInt("window_lag_seconds")), rs.getString("reconcile_schedule"),
                read(rs.getString("own_organizations"), STRINGS),
                read(rs.getString("auth_settings"), Connection.Auth.class),
                read(rs.getString("roster"), Connection.Roster.class),
                read(rs.getString("bulk_settings"), Connection.Bulk.class),
                read(rs.getString("referral_rule"), Connection.ReferralRule.class));
        return new EmrEndpoint(rs.getString("id"), rs.getString("clinic_id"), rs.getString("name"),
                URI.create(rs.getString("base_url")), rs.getInt("page_size"), rs.getString("schedule"),
                rs.getBoolean("enabled"), rs.getString("origin"), ValidationLevel.valueOf(rs.getString("validation_level")),
                connection);
    }

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable endpoint settings: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> T read(String text, Class<T> type) {
        return text == null ? null : convert(tree(text), type);
    }

    private static <T> T read(String text, TypeReference<T> type) {
        try {
            return text == null ? null : JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable endpoint settings: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> T convert(JsonNode node, Class<T> type) {
        return node == null || node.isNull() ? null : JSON.convertValue(node, type);
    }
}
