package org.referralmonitor.ingest.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.referralmonitor.ingest.fhir.MappedResource.DirectoryRow;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

/**
 * What changed since an endpoint's referrals were last credited and linked, recorded in the
 * transaction of each change ({@code change_scope}), so that finishing a sync costs in proportion
 * to its changes:
 * <ul>
 * <li>{@link ConversionLinker} relinks the changed referrals, the referrals of every patient whose
 * referrals or visits changed, and the referrals a changed or deleted visit names ({@code basedOn})
 * or was linked to. A referral's link depends on nothing else: its own row, the visits naming it,
 * its patient's visits and whether a referral claims them, and the clinic's settings (a change of
 * those relinks everything).</li>
 * <li>{@link SourceResolver} credits again the referrals whose requester is a changed practice,
 * provider or role, whose requesting role belongs to a changed provider or practice, whose
 * requesting provider's roles changed, or whose encounter arrived, moved to another practice or is
 * with a changed practice.</li>
 * </ul>
 */
class ChangeScope {

    static final String PATIENT = "P";
    static final String REFERRAL = "R";
    static final String ENCOUNTER = "E";
    static final String ORGANIZATION = "O";
    static final String PRACTITIONER = "N";
    static final String ROLE = "L";

    private static final String ADD = """
            INSERT INTO change_scope (endpoint_id, kind, item) VALUES (:endpointId, :kind, :item)
            """;

    /** Referrals a visit names now, or is linked to by the last linking (perhaps of another patient). */
    private static final String ADD_REFERRALS_OF_VISITS = """
            INSERT INTO change_scope (endpoint_id, kind, item)
            SELECT DISTINCT :endpointId, 'R', x.referral_id FROM (
                SELECT vb.referral_id FROM visit_based_on vb
                WHERE vb.endpoint_id = :endpointId AND vb.visit_id IN (:ids)
                UNION ALL
                SELECT rc.referral_id FROM referral_conversion rc
                WHERE rc.endpoint_id = :endpointId AND rc.visit_id IN (:ids)) x
            """;

    private static final String ADD_PATIENTS_OF_REFERRALS = """
            INSERT INTO change_scope (endpoint_id, kind, item)
            SELECT DISTINCT endpoint_id, 'P', patient_hash FROM referral
            WHERE endpoint_id = :endpointId AND resource_id IN (:ids) AND patient_hash IS NOT NULL
            """;

    private static final String ADD_PATIENTS_OF_VISITS = """
            INSERT INTO change_scope (endpoint_id, kind, item)
            SELECT DISTINCT endpoint_id, 'P', patient_hash FROM visit
            WHERE endpoint_id = :endpointId AND resource_id IN (:ids) AND patient_hash IS NOT NULL
            """;

    /** The practice of visits before they are written: a referral's encounter can credit it. */
    private static final String VISIT_PROVIDERS_BEFORE = """
            SELECT resource_id, service_provider_id FROM visit WHERE endpoint_id = :endpointId AND resource_id IN (:ids)
            """;

    /** What roles pointed at before they are written: a role moving to another provider changes both. */
    private static final String ROLES_BEFORE = """
            SELECT resource_id, practitioner_id, organization_id FROM practitioner_role
            WHERE endpoint_id = :endpointId AND resource_id IN (:ids)
            """;

    private static final String CLEAR = "DELETE FROM change_scope WHERE endpoint_id = :endpointId";

    private final NamedParameterJdbcTemplate jdbc;

    ChangeScope(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The practice (service provider) of the visits about to be written that we hold, by visit id. */
    Map<String, String> visitProvidersBefore(String endpointId, List<String> visitIds) {
        Map<String, String> before = new HashMap<>();
        if (!visitIds.isEmpty()) {
            jdbc.query(VISIT_PROVIDERS_BEFORE, new MapSqlParameterSource("endpointId", endpointId)
                    .addValue("ids", visitIds), rs -> {
                        before.put(rs.getString(1), rs.getString(2));
                    });
        }
        return before;
    }

    /**
     * Referrals and visits just written (inserted or changed), after their basedOn links; with the
     * practice of each visit before (visits new or with another practice can credit the referrals
     * made during them).
     */
    void written(String endpointId, List<ReferralRow> referrals, List<VisitRow> visits,
            Map<String, String> providersBefore) {
        List<SqlParameterSource> rows = new ArrayList<>();
        for (ReferralRow r : referrals) {
            rows.add(item(endpointId, REFERRAL, r.resourceId()));
            if (r.patientHash() != null) {
                rows.add(item(endpointId, PATIENT, r.patientHash()));
            }
        }
        for (VisitRow v : visits) {
            if (!providersBefore.containsKey(v.resourceId())
                    || !Objects.equals(providersBefore.get(v.resourceId()), v.serviceProviderId())) {
                rows.add(item(endpointId, ENCOUNTER, v.resourceId()));
            }
            if (v.patientHash() != null) {
                rows.add(item(endpointId, PATIENT, v.patientHash()));
            }
        }
        add(rows);
        if (!visits.isEmpty()) {
            jdbc.update(ADD_REFERRALS_OF_VISITS, new MapSqlParameterSource("endpointId", endpointId)
                    .addValue("ids", visits.stream().map(VisitRow::resourceId).toList()));
        }
    }

    /**
     * Of visits just written, only those new or with another practice than before: all that a
     * referral's credit can depend on (for a sync that credits at insert without recording every change).
     */
    void visitPracticesWritten(String endpointId, List<VisitRow> visits, Map<String, String> providersBefore) {
        add(visits.stream().filter(v -> !providersBefore.containsKey(v.resourceId())
                        || !Objects.equals(providersBefore.get(v.resourceId()), v.serviceProviderId()))
                .map(v -> item(endpointId, ENCOUNTER, v.resourceId())).toList());
    }

    /** Organizations or practitioners just written (inserted or changed). */
    void directoryWritten(String endpointId, List<DirectoryRow> rows) {
        add(rows.stream().map(d -> item(endpointId, "Organization".equals(d.resourceType()) ? ORGANIZATION
                : PRACTITIONER, d.resourceId())).toList());
    }

    /** Where the roles about to be written point now, by role id: [practitioner, organization]. */
    Map<String, String[]> rolesBefore(String endpointId, List<String> roleIds) {
        Map<String, String[]> before = new HashMap<>();
        if (!roleIds.isEmpty()) {
            jdbc.query(ROLES_BEFORE, new MapSqlParameterSource("endpointId", endpointId).addValue("ids", roleIds),
                    rs -> {
                        before.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
                    });
        }
        return before;
    }

    /** Roles just written, with the provider and practice each pointed at before (if it existed). */
    void rolesWritten(String endpointId, List<RoleRow> roles, Map<String, String[]> before) {
        List<SqlParameterSource> rows = new ArrayList<>();
        for (RoleRow r : roles) {
            rows.add(item(endpointId, ROLE, r.resourceId()));
            String[] old = before.getOrDefault(r.resourceId(), new String[2]);
            for (String practitioner : new String[] {r.practitionerId(), old[0]}) {
                if (practitioner != null) {
                    rows.add(item(endpointId, PRACTITIONER, practitioner));
                }
            }
            for (String organization : new String[] {r.organizationId(), old[1]}) {
                if (organization != null) {
                    rows.add(item(endpointId, ORGANIZATION, organization));
                }
            }
        }
        add(rows);
    }

    /** Referrals tombstoned because the server deleted them. */
    void referralsDeleted(String endpointId, Collection<String> ids) {
        jdbc.update(ADD_PATIENTS_OF_REFERRALS, new MapSqlParameterSource("endpointId", endpointId)
                .addValue("ids", List.copyOf(ids)));
        add(ids.stream().map(id -> item(endpointId, REFERRAL, id)).toList());
    }

    /** Visits tombstoned because the server deleted them. */
    void visitsDeleted(String endpointId, Collection<String> ids) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId)
                .addValue("ids", List.copyOf(ids));
        jdbc.update(ADD_PATIENTS_OF_VISITS, params);
        jdbc.update(ADD_REFERRALS_OF_VISITS, params);
    }

    void clear(String endpointId) {
        jdbc.update(CLEAR, new MapSqlParameterSource("endpointId", endpointId));
    }

    private void add(List<SqlParameterSource> rows) {
        if (!rows.isEmpty()) {
            jdbc.batchUpdate(ADD, rows.toArray(SqlParameterSource[]::new));
        }
    }

    private static SqlParameterSource item(String endpointId, String kind, String item) {
        return new Params().text("endpointId", endpointId).text("kind", kind).text("item", item).source();
    }
}
