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
 * ({@link #countBeforeMarks}).
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

    /**
     * Versions a sync brought to these patients last updated before the patient's roster mark (how far
     * the crawls before had read that patient); a patient without a mark counts nothing.
     */
    private static final Map<String, String> BEFORE_MARKS = Map.of(
            "ServiceRequest", """
                    SELECT count(*) FROM referral r
                    JOIN roster_patient m ON m.endpoint_id = r.endpoint_id AND m.resource_type = 'ServiceRequest'
                                         AND m.patient_hash = r.patient_hash
                    WHERE r.endpoint_id = :endpointId AND r.version_run_id = :runId AND r.patient_hash IN (:hashes)
                      AND r.last_updated < m.crawled_to
                    """,
            "Encounter", """
                    SELECT count(*) FROM visit v
                    JOIN roster_patient m ON m.endpoint_id = v.endpoint_id AND m.resource_type = 'Encounter'
                                         AND m.patient_hash = v.patient_hash
                    WHERE v.endpoint_id = :endpointId AND v.version_run_id = :runId AND v.patient_hash IN (:hashes)
                      AND v.last_updated < m.crawled_to
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
     * The same for a roster crawl, patient by patient: versions the sync brought last updated before the
     * patient's mark. Called before the sync moves those patients' marks.
     */
    int countBeforeMarks(String endpointId, String resourceType, long runId, List<String> patientHashes) {
        String sql = BEFORE_MARKS.get(resourceType);
        if (sql == null || patientHashes.isEmpty()) {
            return 0;
        }
        return jdbc.sql(sql).param("endpointId", endpointId).param("runId", runId).param("hashes", patientHashes)
                .query(Integer.class).single();
    }
}
