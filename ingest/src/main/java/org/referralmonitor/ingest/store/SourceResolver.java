package org.referralmonitor.ingest.store;

import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Credits each referral to a referring practice (organization) and provider (practitioner), in
 * set-based statements run after a sync, because the directory resources a referral points at
 * may arrive after it. Only referrals not yet resolved are touched, and those whose practice,
 * provider or role changed ({@link ChangeScope}). A first sync that pulls the directory and visits
 * first credits each referral as it writes it instead ({@link SourceCredit}, the same paths in Java):
 * rewriting every referral here cost that sync more than writing them.
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

    private static final String HOLDS_ANY =
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM referral WHERE endpoint_id = :endpointId) THEN TRUE ELSE FALSE END";

    /** Which kinds of change the scope holds: each invalidation below runs only when it has work. */
    private static final String SCOPE_KINDS = "SELECT DISTINCT kind FROM change_scope WHERE endpoint_id = :endpointId";

    /**
     * Referrals requested by a provider during an encounter that arrived or moved to another practice
     * (through the index on the resolution: only provider-credited referrals are read).
     */
    private static final String INVALIDATE_ENCOUNTERS = """
            UPDATE referral r SET source_resolution = NULL
            WHERE r.endpoint_id = :endpointId
              AND r.source_resolution IN ('PRACTITIONER_ENCOUNTER', 'PRACTITIONER_SINGLE_ROLE', 'PRACTITIONER_ONLY')
              AND r.encounter_id IN (SELECT s.item FROM change_scope s WHERE s.endpoint_id = :endpointId AND s.kind = 'E')
            """;

    /** The referrals whose credit a change of practices, providers or roles can change ({@link ChangeScope}). */
    private static final String INVALIDATE_CHANGED = """
            UPDATE referral r SET source_resolution = NULL
            WHERE r.endpoint_id = :endpointId AND r.source_resolution IS NOT NULL
              AND (r.requester_id IN (SELECT s.item FROM change_scope s
                                      WHERE s.endpoint_id = :endpointId AND s.kind IN ('O', 'N', 'L'))
                   OR r.requester_id IN (SELECT pr.resource_id FROM practitioner_role pr
                                         JOIN change_scope s ON s.endpoint_id = pr.endpoint_id
                                              AND ((s.kind = 'N' AND s.item = pr.practitioner_id)
                                                   OR (s.kind = 'O' AND s.item = pr.organization_id))
                                         WHERE pr.endpoint_id = :endpointId)
                   OR r.encounter_id IN (SELECT v.resource_id FROM visit v
                                         JOIN change_scope s ON s.endpoint_id = v.endpoint_id AND s.kind = 'O'
                                              AND s.item = v.service_provider_id
                                         WHERE v.endpoint_id = :endpointId))
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

    /** Whether the endpoint holds any request at all (a sync that starts with none can credit at insert). */
    public boolean holdsReferrals(String endpointId) {
        return Boolean.TRUE.equals(jdbc.queryForObject(HOLDS_ANY, new MapSqlParameterSource("endpointId", endpointId),
                Boolean.class));
    }

    /**
     * Credits the endpoint's referrals not credited yet, and those a change of the directory can
     * credit otherwise. Call inside a transaction, before {@link ConversionLinker#link} uses up the
     * changes.
     *
     * @param everything credit every referral of the endpoint again (the changes were not recorded:
     *     no sync of the endpoint finished yet, or its links were forgotten; false also for a sync that
     *     credited every referral as it wrote it into an endpoint holding none before, recording the
     *     changes after that could change a credit: {@link ResourceWriter.Mode})
     * @return how many referrals were (re)credited
     */
    public int resolve(String endpointId, boolean everything) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId);
        if (everything) {
            jdbc.update(INVALIDATE_ALL, params);
        } else {
            List<String> kinds = jdbc.queryForList(SCOPE_KINDS, params, String.class);
            if (kinds.contains(ChangeScope.ORGANIZATION) || kinds.contains(ChangeScope.PRACTITIONER)
                    || kinds.contains(ChangeScope.ROLE)) {
                jdbc.update(INVALIDATE_CHANGED, params);
            }
            if (kinds.contains(ChangeScope.ENCOUNTER)) {
                jdbc.update(INVALIDATE_ENCOUNTERS, params);
            }
        }
        int resolved = 0;
        for (String path : PATHS) {
            resolved += jdbc.update(path, params);
        }
        return resolved;
    }
}
