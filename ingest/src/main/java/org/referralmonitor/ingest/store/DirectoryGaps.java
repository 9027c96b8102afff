package org.referralmonitor.ingest.store;

import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/** Which directory resources referrals and visits point at but we do not hold yet. */
@Repository
public class DirectoryGaps {

    private static final String MISSING_ROLES = """
            SELECT DISTINCT r.requester_id FROM referral r
            WHERE r.endpoint_id = :endpointId AND r.requester_type = 'PractitionerRole' AND r.requester_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM practitioner_role pr
                              WHERE pr.endpoint_id = r.endpoint_id AND pr.resource_id = r.requester_id)
            ORDER BY 1
            """;

    private static final String MISSING_PRACTITIONERS = """
            SELECT DISTINCT x.id FROM (
                SELECT r.requester_id AS id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Practitioner'
                UNION
                SELECT pr.practitioner_id FROM practitioner_role pr WHERE pr.endpoint_id = :endpointId
            ) x
            WHERE x.id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM practitioner p WHERE p.endpoint_id = :endpointId AND p.resource_id = x.id)
            ORDER BY 1
            """;

    private static final String MISSING_ORGANIZATIONS = """
            SELECT DISTINCT x.id FROM (
                SELECT r.requester_id AS id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Organization'
                UNION
                SELECT r.performer_id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.performer_type = 'Organization'
                UNION
                SELECT pr.organization_id FROM practitioner_role pr WHERE pr.endpoint_id = :endpointId
                UNION
                SELECT v.service_provider_id FROM visit v WHERE v.endpoint_id = :endpointId
            ) x
            WHERE x.id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM organization o WHERE o.endpoint_id = :endpointId AND o.resource_id = x.id)
            ORDER BY 1
            """;

    /** Practitioners who refer directly (not through a role) and of whom we know no role yet. */
    private static final String PRACTITIONERS_WITHOUT_ROLES = """
            SELECT DISTINCT r.requester_id FROM referral r
            WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Practitioner' AND r.requester_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM practitioner_role pr
                              WHERE pr.endpoint_id = r.endpoint_id AND pr.practitioner_id = r.requester_id)
            ORDER BY 1
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public DirectoryGaps(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<String> missingRoles(String endpointId) {
        return ids(MISSING_ROLES, endpointId);
    }

    public List<String> missingPractitioners(String endpointId) {
        return ids(MISSING_PRACTITIONERS, endpointId);
    }

    public List<String> missingOrganizations(String endpointId) {
        return ids(MISSING_ORGANIZATIONS, endpointId);
    }

    public List<String> practitionersWithoutRoles(String endpointId) {
        return ids(PRACTITIONERS_WITHOUT_ROLES, endpointId);
    }

    private List<String> ids(String sql, String endpointId) {
        return jdbc.queryForList(sql, new MapSqlParameterSource("endpointId", endpointId), String.class);
    }
}
