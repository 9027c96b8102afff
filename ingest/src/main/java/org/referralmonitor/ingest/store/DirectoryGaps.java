package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Which directory resources referrals, visits and roles point at but we do not hold yet: among all
 * of an endpoint's rows (its first sync, a reconciliation), or only among the rows its syncs changed
 * since it last finished one ({@link ChangeScope}), so that an incremental sync looks in proportion
 * to what it wrote instead of reading every referral. A gap only appears when a row pointing at
 * something is written, and each written referral, new or re-homed visit and changed role is in the
 * scope; gaps a sync could not fill (the EMR lacked the resource then) are asked for again by the
 * next look among all rows, which a sync takes once the endpoint's last one is older than
 * {@code directory-recheck} ({@code directory_scan_state}), not by every sync.
 */
@Repository
public class DirectoryGaps {

    /** Placeholders: %1$s the referrals looked at, %2$s the roles, %3$s the visits. */
    private static final String MISSING_ROLES = """
            SELECT DISTINCT r.requester_id FROM referral r
            WHERE r.endpoint_id = :endpointId AND r.requester_type = 'PractitionerRole' AND r.requester_id IS NOT NULL
              AND %1$s
              AND NOT EXISTS (SELECT 1 FROM practitioner_role pr
                              WHERE pr.endpoint_id = r.endpoint_id AND pr.resource_id = r.requester_id)
            ORDER BY 1
            """;

    private static final String MISSING_PRACTITIONERS = """
            SELECT DISTINCT x.id FROM (
                SELECT r.requester_id AS id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Practitioner' AND %1$s
                UNION
                SELECT pr.practitioner_id FROM practitioner_role pr WHERE pr.endpoint_id = :endpointId AND %2$s
            ) x
            WHERE x.id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM practitioner p WHERE p.endpoint_id = :endpointId AND p.resource_id = x.id)
            ORDER BY 1
            """;

    private static final String MISSING_ORGANIZATIONS = """
            SELECT DISTINCT x.id FROM (
                SELECT r.requester_id AS id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Organization' AND %1$s
                UNION
                SELECT r.performer_id FROM referral r
                WHERE r.endpoint_id = :endpointId AND r.performer_type = 'Organization' AND %1$s
                UNION
                SELECT pr.organization_id FROM practitioner_role pr WHERE pr.endpoint_id = :endpointId AND %2$s
                UNION
                SELECT v.service_provider_id FROM visit v WHERE v.endpoint_id = :endpointId AND %3$s
            ) x
            WHERE x.id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM organization o WHERE o.endpoint_id = :endpointId AND o.resource_id = x.id)
            ORDER BY 1
            """;

    /** Practitioners who refer directly (not through a role) and of whom we know no role yet. */
    private static final String PRACTITIONERS_WITHOUT_ROLES = """
            SELECT DISTINCT r.requester_id FROM referral r
            WHERE r.endpoint_id = :endpointId AND r.requester_type = 'Practitioner' AND r.requester_id IS NOT NULL
              AND %1$s
              AND NOT EXISTS (SELECT 1 FROM practitioner_role pr
                              WHERE pr.endpoint_id = r.endpoint_id AND pr.practitioner_id = r.requester_id)
            ORDER BY 1
            """;

    /** Every row of the endpoint. */
    private static final String[] ALL = {"TRUE", "TRUE", "TRUE"};

    /** The rows in the endpoint's change scope. */
    private static final String[] SCOPED = {
        scope("r", ChangeScope.REFERRAL), scope("pr", ChangeScope.ROLE), scope("v", ChangeScope.ENCOUNTER)};

    private static final Queries FULL = new Queries(ALL);
    private static final Queries CHANGED = new Queries(SCOPED);

    private record Queries(String roles, String practitioners, String organizations, String withoutRoles) {
        Queries(String[] filters) {
            this(MISSING_ROLES.formatted((Object[]) filters), MISSING_PRACTITIONERS.formatted((Object[]) filters),
                    MISSING_ORGANIZATIONS.formatted((Object[]) filters),
                    PRACTITIONERS_WITHOUT_ROLES.formatted((Object[]) filters));
        }
    }

    private static String scope(String alias, String kind) {
        return alias + ".resource_id IN (SELECT s.item FROM change_scope s WHERE s.endpoint_id = :endpointId "
                + "AND s.kind = '" + kind + "')";
    }

    private static final String LAST_FULL_SCAN =
            "SELECT scanned_at FROM directory_scan_state WHERE endpoint_id = :endpointId";

    private static final String FORGET_FULL_SCAN = "DELETE FROM directory_scan_state WHERE endpoint_id = :endpointId";

    private static final String RECORD_FULL_SCAN =
            "INSERT INTO directory_scan_state (endpoint_id, scanned_at) VALUES (:endpointId, :at)";

    private final NamedParameterJdbcTemplate jdbc;

    public DirectoryGaps(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether the endpoint's last look among all its rows is older than {@code since}, or there was none. */
    public boolean fullScanDue(String endpointId, OffsetDateTime since) {
        List<OffsetDateTime> last = jdbc.queryForList(LAST_FULL_SCAN,
                new MapSqlParameterSource("endpointId", endpointId), OffsetDateTime.class);
        return last.isEmpty() || last.get(0).isBefore(since);
    }

    /** Records a look among all the endpoint's rows, in the transaction of the sync that finished it. */
    public void recordFullScan(String endpointId, OffsetDateTime at) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId).addValue("at", at);
        jdbc.update(FORGET_FULL_SCAN, params);
        jdbc.update(RECORD_FULL_SCAN, params);
    }

    /**
     * @param changedOnly look only among the rows changed since the endpoint's last finished sync (its
     *     syncs record a change scope once it has finished one)
     */
    public List<String> missingRoles(String endpointId, boolean changedOnly) {
        return ids(queries(changedOnly).roles(), endpointId);
    }

    public List<String> missingPractitioners(String endpointId, boolean changedOnly) {
        return ids(queries(changedOnly).practitioners(), endpointId);
    }

    public List<String> missingOrganizations(String endpointId, boolean changedOnly) {
        return ids(queries(changedOnly).organizations(), endpointId);
    }

    public List<String> practitionersWithoutRoles(String endpointId, boolean changedOnly) {
        return ids(queries(changedOnly).withoutRoles(), endpointId);
    }

    private static Queries queries(boolean changedOnly) {
        return changedOnly ? CHANGED : FULL;
    }

    private List<String> ids(String sql, String endpointId) {
        return jdbc.queryForList(sql, new MapSqlParameterSource("endpointId", endpointId), String.class);
    }
}
