package org.referralmonitor.ingest.sync;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What a reconciliation found that incremental syncs had missed: rows to which it brought a version
 * we did not have (inserted, a new version id or lastUpdated, back after a tombstone) whose last
 * update lies before the watermark, that is, inside windows incremental syncs had called complete.
 * A version we held, stored again because our sanitizing or classification changed, is no miss. A
 * roster crawl's reconciliation compares each patient's versions with that patient's own mark instead
 * ({@link #countBefore}).
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

    /** Versions a sync brought, by patient: to compare with each patient's roster mark. */
    private static final Map<String, String> WRITTEN_FOR_PATIENTS = Map.of(
            "ServiceRequest", """
                    SELECT patient_hash, last_updated FROM referral
                    WHERE endpoint_id = :endpointId AND version_run_id = :runId AND patient_hash IN (:hashes)
                    """,
            "Encounter", """
                    SELECT patient_hash, last_updated FROM visit
                    WHERE endpoint_id = :endpointId AND version_run_id = :runId AND patient_hash IN (:hashes)
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

    /**
     * The same for a roster crawl, patient by patient: versions the sync brought last updated before
     * the patient's mark (how far the crawls before had read that patient), by patient hash.
     */
    int countBefore(String endpointId, String resourceType, long runId, Map<String, OffsetDateTime> marks) {
        String sql = WRITTEN_FOR_PATIENTS.get(resourceType);
        if (sql == null || marks.isEmpty()) {
            return 0;
        }
        return (int) jdbc.sql(sql).param("endpointId", endpointId).param("runId", runId)
                .param("hashes", List.copyOf(marks.keySet()))
                .query((rs, n) -> rs.getObject(2, OffsetDateTime.class) != null
                        && rs.getObject(2, OffsetDateTime.class).isBefore(marks.get(rs.getString(1))))
                .list().stream().filter(Boolean::booleanValue).count();
    }
}
