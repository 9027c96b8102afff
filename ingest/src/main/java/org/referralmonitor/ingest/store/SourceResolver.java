package org.referralmonitor.ingest.store;

import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Credits each referral to a referring practice (organization) and provider (practitioner), in
 * set-based statements run after a sync, because the directory resources a referral points at
 * may arrive after it. Only referrals not yet resolved are touched, unless the directory changed.
 *
 * <p>The paths, in order, each recorded in {@code source_resolution}:
 * <ol>
 * <li>ROLE: requester is a PractitionerRole: its practitioner and organization;</li>
 * <li>PRACTITIONER_ENCOUNTER: requester is a Practitioner: the organization is the
 * serviceProvider of the referral's encounter;</li>
 * <li>PRACTITIONER_SINGLE_ROLE: else the organization of the practitioner's one active role;</li>
 * <li>PRACTITIONER_ONLY: else the provider is known, the practice not;</li>
 * <li>ORGANIZATION: requester is an Organization: practice known, provider not;</li>
 * <li>IDENTIFIER or CONTAINED: the requester carries an NPI but no resolvable id;</li>
 * <li>UNRESOLVED: nothing usable (display-only, foreign server, missing role).</li>
 * </ol>
 * A practice or provider is keyed by NPI when valid ({@code npi:...}), otherwise by
 * {@code <endpoint>/<Type>/<id>}; referrals with no practice go to the key {@value #UNKNOWN}.
 */
@Repository
public class SourceResolver {

    public static final String UNKNOWN = "unknown";

    private static final String INVALIDATE_ALL = """
            UPDATE referral SET source_resolution = NULL
            WHERE endpoint_id = :endpointId AND source_resolution IS NOT NULL
            """;

    private static final String BY_ROLE = """
            UPDATE referral r SET
                source_practitioner_key = (
                    SELECT COALESCE(p.source_key, pr.endpoint_id || '/Practitioner/' || pr.practitioner_id)
                    FROM practitioner_role pr
                    LEFT JOIN practitioner p ON p.endpoint_id = pr.endpoint_id AND p.resource_id = pr.practitioner_id
                    WHERE pr.endpoint_id = r.endpoint_id AND pr.resource_id = r.requester_id),
                source_org_key = COALESCE((
                    SELECT COALESCE(o.source_key, pr.endpoint_id || '/Organization/' || pr.organization_id)
                    FROM practitioner_role pr
                    LEFT JOIN organization o ON o.endpoint_id = pr.endpoint_id AND o.resource_id = pr.organization_id
                    WHERE pr.endpoint_id = r.endpoint_id AND pr.resource_id = r.requester_id), 'unknown'),
                source_resolution = 'ROLE'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
              AND r.requester_type = 'PractitionerRole' AND r.requester_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM practitioner_role pr
                          WHERE pr.endpoint_id = r.endpoint_id AND pr.resource_id = r.requester_id)
            """;

    private static final String PRACTITIONER_KEY = """
            COALESCE((SELECT p.source_key FROM practitioner p
                      WHERE p.endpoint_id = r.endpoint_id AND p.resource_id = r.requester_id),
                     r.endpoint_id || '/Practitioner/' || r.requester_id)""";

    private static final String BY_ENCOUNTER = """
            UPDATE referral r SET
                source_practitioner_key = %s,
                source_org_key = (
                    SELECT COALESCE(o.source_key, v.endpoint_id || '/Organization/' || v.service_provider_id)
                    FROM visit v
                    LEFT JOIN organization o ON o.endpoint_id = v.endpoint_id AND o.resource_id = v.service_provider_id
                    WHERE v.endpoint_id = r.endpoint_id AND v.resource_id = r.encounter_id),
                source_resolution = 'PRACTITIONER_ENCOUNTER'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
              AND r.requester_type = 'Practitioner' AND r.requester_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM visit v WHERE v.endpoint_id = r.endpoint_id AND v.resource_id = r.encounter_id
                          AND v.service_provider_id IS NOT NULL)
            """.formatted(PRACTITIONER_KEY);

    private static final String ACTIVE_ROLES_OF_REQUESTER = """
            FROM practitioner_role pr
            WHERE pr.endpoint_id = r.endpoint_id AND pr.practitioner_id = r.requester_id
              AND COALESCE(pr.active, TRUE) AND pr.organization_id IS NOT NULL""";

    private static final String BY_SINGLE_ROLE = """
            UPDATE referral r SET
                source_practitioner_key = %s,
                source_org_key = (
                    SELECT MAX(COALESCE(o.source_key, pr.endpoint_id || '/Organization/' || pr.organization_id))
                    FROM practitioner_role pr
                    LEFT JOIN organization o ON o.endpoint_id = pr.endpoint_id AND o.resource_id = pr.organization_id
                    WHERE pr.endpoint_id = r.endpoint_id AND pr.practitioner_id = r.requester_id
                      AND COALESCE(pr.active, TRUE) AND pr.organization_id IS NOT NULL),
                source_resolution = 'PRACTITIONER_SINGLE_ROLE'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
              AND r.requester_type = 'Practitioner' AND r.requester_id IS NOT NULL
              AND (SELECT COUNT(DISTINCT pr.organization_id) %s) = 1
            """.formatted(PRACTITIONER_KEY, ACTIVE_ROLES_OF_REQUESTER);

    private static final String PRACTITIONER_ONLY = """
            UPDATE referral r SET
                source_practitioner_key = %s,
                source_org_key = 'unknown',
                source_resolution = 'PRACTITIONER_ONLY'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
              AND r.requester_type = 'Practitioner' AND r.requester_id IS NOT NULL
            """.formatted(PRACTITIONER_KEY);

    private static final String BY_ORGANIZATION = """
            UPDATE referral r SET
                source_practitioner_key = NULL,
                source_org_key = COALESCE((SELECT o.source_key FROM organization o
                                           WHERE o.endpoint_id = r.endpoint_id AND o.resource_id = r.requester_id),
                                          r.endpoint_id || '/Organization/' || r.requester_id),
                source_resolution = 'ORGANIZATION'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
              AND r.requester_type = 'Organization' AND r.requester_id IS NOT NULL
            """;

    private static final String BY_NPI = """
            UPDATE referral r SET
                source_practitioner_key = CASE WHEN r.requester_type = 'Organization' THEN NULL
                                               ELSE 'npi:' || r.requester_npi END,
                source_org_key = CASE WHEN r.requester_type = 'Organization' THEN 'npi:' || r.requester_npi
                                      ELSE 'unknown' END,
                source_resolution = r.requester_form
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL AND r.requester_npi IS NOT NULL
            """;

    private static final String UNRESOLVED = """
            UPDATE referral r SET source_practitioner_key = NULL, source_org_key = 'unknown',
                source_resolution = 'UNRESOLVED'
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NULL
            """;

    private static final List<String> PATHS =
            List.of(BY_ROLE, BY_ENCOUNTER, BY_SINGLE_ROLE, PRACTITIONER_ONLY, BY_ORGANIZATION, BY_NPI, UNRESOLVED);

    private final NamedParameterJdbcTemplate jdbc;

    public SourceResolver(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param directoryChanged re-credit every referral of the endpoint, because a practice, provider
     *     or role changed
     * @return how many referrals were (re)credited
     */
    public int resolve(String endpointId, boolean directoryChanged) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId);
        if (directoryChanged) {
            jdbc.update(INVALIDATE_ALL, params);
        }
        int resolved = 0;
        for (String path : PATHS) {
            resolved += jdbc.update(path, params);
        }
        return resolved;
    }
}
