package org.referralmonitor.ingest.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.referralmonitor.ingest.fhir.ResourceSanitizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;

/**
 * Sanitizes the stored JSON of every referral and visit again once the sanitizer removes more than
 * when they were stored ({@link #STEP}: contained people, references to patients and relatives,
 * displays, member and order numbers): rows outside the reconciliation's reach are never fetched
 * again, so what an earlier version kept would stay for good. Once, at start, in pages of
 * {@link #PAGE} rows; a row a sync rewrote meanwhile (its content hash changed) is left to that
 * sync's version. Recorded in {@code maintenance_done} when every row has been seen; a stop before
 * that runs it again at the next start (sanitizing twice gives the same).
 */
@Component
public class StoredJsonCleanup {

    static final String STEP = "sanitize-people-2026-12-08";
    static final int PAGE = 500;

    private static final Logger log = LoggerFactory.getLogger(StoredJsonCleanup.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A page of a table's rows (referral or visit) after the last one seen, in key order. */
    private static final String PAGE_OF = """
            SELECT endpoint_id, resource_id, patient_hash, content_hash,
                   CAST(resource_json AS VARCHAR(1000000)) AS json
            FROM %s
            WHERE resource_json IS NOT NULL
              AND (endpoint_id > :endpointId OR (endpoint_id = :endpointId AND resource_id > :resourceId))
            ORDER BY endpoint_id, resource_id
            FETCH FIRST %d ROWS ONLY
            """;

    private static final String UPDATE = """
            UPDATE %s SET resource_json = %s
            WHERE endpoint_id = :endpointId AND resource_id = :resourceId AND content_hash = :contentHash
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final ResourceSanitizer sanitizer;

    public StoredJsonCleanup(NamedParameterJdbcTemplate jdbc, ResourceSanitizer sanitizer) {
        this.jdbc = jdbc;
        this.sanitizer = sanitizer;
    }

    @EventListener(ApplicationReadyEvent.class)
    void atStart() {
        run();
    }

    /** Runs the pass unless it ran to its end before; returns the rows it changed. */
    public int run() {
        Integer done = jdbc.queryForObject("SELECT COUNT(*) FROM maintenance_done WHERE step = :step",
                new MapSqlParameterSource("step", STEP), Integer.class);
        if (done != null && done > 0) {
            return 0;
        }
        String jsonParameter = Upserts.forDatabase(jdbc.getJdbcTemplate().getDataSource()).jsonParameter();
        int changed = 0;
        for (String table : List.of("referral", "visit")) {
            changed += table(PAGE_OF.formatted(table, PAGE), UPDATE.formatted(table, jsonParameter));
        }
        jdbc.update("INSERT INTO maintenance_done (step, done_at) VALUES (:step, :at)",
                new MapSqlParameterSource("step", STEP).addValue("at", OffsetDateTime.now()));
        if (changed > 0) {
            log.info("Stored JSON of {} referrals and visits sanitized again: contained people, references to "
                    + "patients and relatives, displays and identifiers removed", changed);
        }
        return changed;
    }

    private int table(String page, String update) {
        String endpointId = "";
        String resourceId = "";
        int changed = 0;
        while (true) {
            List<Map<String, Object>> rows = jdbc.queryForList(page,
                    new MapSqlParameterSource("endpointId", endpointId).addValue("resourceId", resourceId));
            List<SqlParameterSource> updates = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                String stored = (String) row.get("json");
                String again = sanitized(stored, (String) row.get("patient_hash"));
                if (again != null && !again.equals(canonical(stored))) {
                    updates.add(new MapSqlParameterSource("endpointId", row.get("endpoint_id"))
                            .addValue("resourceId", row.get("resource_id"))
                            .addValue("contentHash", row.get("content_hash"))
                            .addValue("json", again));
                }
            }
            if (!updates.isEmpty()) {
                for (int n : jdbc.batchUpdate(update, updates.toArray(SqlParameterSource[]::new))) {
                    changed += Math.max(n, 0);
                }
            }
            if (rows.size() < PAGE) {
                return changed;
            }
            Map<String, Object> last = rows.get(rows.size() - 1);
            endpointId = (String) last.get("endpoint_id");
            resourceId = (String) last.get("resource_id");
        }
    }

    /** The stored JSON sanitized again, or null when it is not a JSON object (left as it is). */
    private String sanitized(String stored, String patientHash) {
        try {
            JsonNode node = JSON.readTree(stored);
            return node instanceof ObjectNode object ? sanitizer.sanitize(object, patientHash) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The stored JSON as the sanitizer writes it (the database may order or space it otherwise). */
    private static String canonical(String stored) {
        try {
            return JSON.readTree(stored).toString();
        } catch (java.io.IOException e) {
            return stored;
        }
    }
}
