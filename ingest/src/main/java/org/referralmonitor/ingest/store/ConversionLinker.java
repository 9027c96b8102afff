package org.referralmonitor.ingest.store;

import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Which visit each referral turned into, in one set-based statement per endpoint: the earliest visit
 * whose {@code Encounter.basedOn} names the referral (BASED_ON, confidence 1.0); else the earliest
 * visit of the same patient (same keyed hash) with the clinic within the window after the referral
 * that no referral claims through basedOn (PATIENT_WINDOW, confidence 0.7). Cancelled, entered-in-error
 * and deleted visits never convert. A visit is "with the clinic" when its service provider is one of
 * the clinic's own organizations, or any visit of the endpoint when none is configured.
 */
@Repository
public class ConversionLinker {

    /** Encounter statuses that never convert a referral: the visit did not happen, or was a mistake. */
    private static final List<String> NOT_A_VISIT = List.of("cancelled", "entered-in-error");

    private static final String DELETE = "DELETE FROM referral_conversion WHERE endpoint_id = :endpointId";

    private static final String INSERT = """
            INSERT INTO referral_conversion (endpoint_id, referral_id, visit_id, method, confidence, days_to_visit)
            SELECT endpoint_id, referral_id, visit_id, method, confidence, days_to_visit FROM (
                SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.referral_id ORDER BY c.preference, c.visit_start,
                                                                           c.visit_id) AS choice
                FROM (
                    SELECT r.endpoint_id, r.resource_id AS referral_id, v.resource_id AS visit_id,
                           'BASED_ON' AS method, 1.00 AS confidence, 1 AS preference, v.period_start AS visit_start,
                           CAST(v.start_date - r.authored_date AS INTEGER) AS days_to_visit
                    FROM referral r
                    JOIN visit_based_on vb ON vb.endpoint_id = r.endpoint_id AND vb.referral_id = r.resource_id
                    JOIN visit v ON v.endpoint_id = vb.endpoint_id AND v.resource_id = vb.visit_id
                    WHERE r.endpoint_id = :endpointId AND v.status NOT IN (:notAVisit) AND v.deleted_at IS NULL
                    UNION ALL
                    SELECT r.endpoint_id, r.resource_id, v.resource_id, 'PATIENT_WINDOW', 0.70, 2, v.period_start,
                           CAST(v.start_date - r.authored_date AS INTEGER)
                    FROM referral r
                    JOIN visit v ON v.endpoint_id = r.endpoint_id AND v.patient_hash = r.patient_hash
                    WHERE r.endpoint_id = :endpointId AND r.is_referral AND r.patient_hash IS NOT NULL
                      AND v.status NOT IN (:notAVisit) AND v.deleted_at IS NULL
                      AND v.start_date >= r.authored_date
                      AND v.start_date <= r.authored_date + CAST(:windowDays AS INTEGER)
                      AND (CAST(:anyProvider AS BOOLEAN) OR v.service_provider_id IN (:ownOrganizations))
                      AND NOT EXISTS (SELECT 1 FROM visit_based_on vb
                                      WHERE vb.endpoint_id = v.endpoint_id AND vb.visit_id = v.resource_id)
                ) c
            ) ranked
            WHERE choice = 1
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public ConversionLinker(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Links every referral of the endpoint to the visit it became, replacing the previous links.
     *
     * @param ownOrganizations the clinic's own organizations, as "Organization/id" or "npi:1234567893";
     *     empty: a visit with any provider counts
     * @return how many referrals are linked to a visit
     */
    public int link(String endpointId, int windowDays, List<String> ownOrganizations) {
        List<String> ids = organizationIds(endpointId, ownOrganizations);
        boolean any = ownOrganizations.isEmpty();
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId)
                .addValue("windowDays", windowDays)
                .addValue("notAVisit", NOT_A_VISIT)
                .addValue("anyProvider", any)
                .addValue("ownOrganizations", ids.isEmpty() ? List.of("") : ids);
        jdbc.update(DELETE, params);
        return jdbc.update(INSERT, params);
    }

    /** Organization ids on this endpoint for "Organization/id" and "npi:..." entries. */
    private List<String> organizationIds(String endpointId, List<String> ownOrganizations) {
        List<String> ids = new java.util.ArrayList<>();
        List<String> npis = new java.util.ArrayList<>();
        for (String entry : ownOrganizations) {
            if (entry.startsWith("npi:")) {
                npis.add(entry.substring(4));
            } else {
                ids.add(entry.substring(entry.lastIndexOf('/') + 1));
            }
        }
        if (!npis.isEmpty()) {
            ids.addAll(jdbc.queryForList("SELECT resource_id FROM organization WHERE endpoint_id = :endpointId "
                    + "AND npi IN (:npis)", new MapSqlParameterSource("endpointId", endpointId).addValue("npis", npis),
                    String.class));
        }
        return ids;
    }
}
