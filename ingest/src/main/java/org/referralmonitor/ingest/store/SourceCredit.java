package org.referralmonitor.ingest.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Credits a page of referrals as it is written, from the practices, providers, roles and visits
 * already stored: the same decision, path by path, as {@link SourceResolver}'s statements would take
 * after the sync, made while the row is inserted instead of by rewriting every row afterwards (which
 * cost a first sync more than writing the referrals, each rewrite adding entries to every index of
 * the referral table). The directory comes from a copy the sync reads once ({@link ResourceWriter.Crediting}),
 * or per page when too large to copy (the same roles read through {@link Directory#addRole} either way);
 * per page only the visits of requests by a provider are read
 * (per-page look-ups of the whole directory cost 46 ms a page in the ingest benchmark).
 *
 * <p>Only correct when every change of the directory and of visits' practices written after the
 * referral is recorded ({@link ChangeScope}), so that finishing credits again what such a change
 * touches; {@code SourceCreditIT} checks that a sync crediting at insert stores the same credit
 * as the statements crediting every referral after it.
 */
class SourceCredit {

    /** What {@link SourceResolver} would write into the three source columns. */
    record Credit(String orgKey, String practitionerKey, String resolution) {
    }

    private static final String VISIT_PRACTICES = """
            SELECT v.resource_id, v.service_provider_id, o.source_key
            FROM visit v
            LEFT JOIN organization o ON o.endpoint_id = v.endpoint_id AND o.resource_id = v.service_provider_id
            WHERE v.endpoint_id = :endpointId AND v.resource_id IN (:ids) AND v.service_provider_id IS NOT NULL
            """;

    /** Above this many practices, providers and roles, a sync reads per page what it needs instead of a copy. */
    static final int WHOLE_DIRECTORY_ROWS = 200_000;

    private static final String DIRECTORY_ROWS = """
            SELECT (SELECT COUNT(*) FROM practitioner_role WHERE endpoint_id = :endpointId)
                 + (SELECT COUNT(*) FROM practitioner WHERE endpoint_id = :endpointId)
                 + (SELECT COUNT(*) FROM organization WHERE endpoint_id = :endpointId)
            """;

    private static final String ALL_ROLES = """
            SELECT pr.resource_id, pr.practitioner_id, pr.organization_id, p.source_key, o.source_key, pr.active
            FROM practitioner_role pr
            LEFT JOIN practitioner p ON p.endpoint_id = pr.endpoint_id AND p.resource_id = pr.practitioner_id
            LEFT JOIN organization o ON o.endpoint_id = pr.endpoint_id AND o.resource_id = pr.organization_id
            WHERE pr.endpoint_id = :endpointId
            """;

    private static final String ALL_PRACTITIONER_KEYS =
            "SELECT resource_id, source_key FROM practitioner WHERE endpoint_id = :endpointId";

    private static final String ALL_ORGANIZATION_KEYS =
            "SELECT resource_id, source_key FROM organization WHERE endpoint_id = :endpointId";

    /** Of one page: the roles it names, and every role of the providers it names (for their active practices). */
    private static final String PAGE_ROLES = ALL_ROLES
            + "  AND (pr.resource_id IN (:roleIds) OR pr.practitioner_id IN (:practitionerIds))";

    private static final String PAGE_PRACTITIONER_KEYS = ALL_PRACTITIONER_KEYS + " AND resource_id IN (:ids)";

    private static final String PAGE_ORGANIZATION_KEYS = ALL_ORGANIZATION_KEYS + " AND resource_id IN (:ids)";

    record Role(String practitionerId, String organizationId, String practitionerKey, String organizationKey) {
    }

    private record Practice(String id, String key) {
    }

    private final NamedParameterJdbcTemplate jdbc;

    SourceCredit(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * What credits are read from: roles with their provider's and practice's keys, the practices of
     * each provider's active roles, providers' and practices' keys; of the whole endpoint, or of one page.
     */
    record Directory(Map<String, Role> roles, Map<String, Set<String>> activePractices,
            Map<String, String> practiceKeys, Map<String, String> practitionerKeys,
            Map<String, String> organizationKeys) {

        static Directory empty() {
            return new Directory(new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
        }

        void addRole(String endpointId, String roleId, Role role, Boolean active) {
            roles.put(roleId, role);
            if (role.organizationId() != null && role.practitionerId() != null && !Boolean.FALSE.equals(active)) {
                activePractices.computeIfAbsent(role.practitionerId(), k -> new HashSet<>()).add(role.organizationId());
                practiceKeys.put(role.organizationId(),
                        orFallback(role.organizationKey(), endpointId, "Organization", role.organizationId()));
            }
        }
    }

    /** The credit of each referral of one endpoint's page, in the order given, read per page. */
    List<Credit> credit(String endpointId, List<ReferralRow> referrals) {
        return credit(endpointId, referrals, null);
    }

    /**
     * The credit of each referral of one endpoint's page, in the order given, from the sync's copy of
     * the endpoint's directory ({@code crediting}, loaded at its first page of requests and again after
     * the directory changed): per page, only the visits of requests by a provider are read.
     */
    List<Credit> credit(String endpointId, List<ReferralRow> referrals, ResourceWriter.Crediting crediting) {
        Set<String> roleIds = new LinkedHashSet<>();
        Set<String> practitionerIds = new LinkedHashSet<>();
        Set<String> encounterIds = new LinkedHashSet<>();
        Set<String> organizationIds = new LinkedHashSet<>();
        for (ReferralRow r : referrals) {
            String id = requesterId(r);
            if (id == null) {
                continue;
            }
            switch (Objects.toString(r.requester().type(), "")) {
                case "PractitionerRole" -> roleIds.add(id);
                case "Practitioner" -> {
                    practitionerIds.add(id);
                    if (r.encounterId() != null) {
                        encounterIds.add(r.encounterId());
                    }
                }
                case "Organization" -> organizationIds.add(id);
                default -> { }
            }
        }
        Directory directory = crediting == null ? null : crediting.directory;
        if (directory == null && crediting != null && !crediting.perPage) {
            directory = whole(endpointId);
            crediting.directory = directory;
            crediting.perPage = directory == null;
        }
        if (directory == null) {
            directory = page(endpointId, roleIds, practitionerIds, organizationIds);
        }
        Map<String, Role> roles = directory.roles();
        Map<String, Set<String>> activePractices = directory.activePractices();
        Map<String, String> practiceKeys = directory.practiceKeys();
        Map<String, String> practitionerKeys = directory.practitionerKeys();
        Map<String, String> organizationKeys = directory.organizationKeys();
        Map<String, Practice> visitPractices = new HashMap<>();
        query(VISIT_PRACTICES, endpointId, encounterIds,
                rs -> visitPractices.put(rs.getString(1), new Practice(rs.getString(2), rs.getString(3))));

        List<Credit> credits = new ArrayList<>(referrals.size());
        for (ReferralRow r : referrals) {
            String type = r.requester().type();
            String id = requesterId(r);
            Credit credit = null;
            if (id != null && "PractitionerRole".equals(type) && roles.containsKey(id)) {
                Role role = roles.get(id);
                credit = new Credit(
                        role.organizationId() == null ? SourceResolver.UNKNOWN
                                : orFallback(role.organizationKey(), endpointId, "Organization", role.organizationId()),
                        role.practitionerId() == null ? null
                                : orFallback(role.practitionerKey(), endpointId, "Practitioner", role.practitionerId()),
                        "ROLE");
            } else if (id != null && "Practitioner".equals(type)) {
                String practitioner = orFallback(practitionerKeys.get(id), endpointId, "Practitioner", id);
                Practice visit = r.encounterId() == null ? null : visitPractices.get(r.encounterId());
                Set<String> practices = activePractices.getOrDefault(id, Set.of());
                if (visit != null) {
                    credit = new Credit(orFallback(visit.key(), endpointId, "Organization", visit.id()), practitioner,
                            "PRACTITIONER_ENCOUNTER");
                } else if (practices.size() == 1) {
                    credit = new Credit(practiceKeys.get(practices.iterator().next()), practitioner,
                            "PRACTITIONER_SINGLE_ROLE");
                } else {
                    credit = new Credit(SourceResolver.UNKNOWN, practitioner, "PRACTITIONER_ONLY");
                }
            } else if (id != null && "Organization".equals(type)) {
                credit = new Credit(orFallback(organizationKeys.get(id), endpointId, "Organization", id), null,
                        "ORGANIZATION");
            } else if (r.requester().npi() != null) {
                boolean organization = "Organization".equals(type);
                String npiKey = "npi:" + r.requester().npi();
                credit = new Credit(organization ? npiKey : SourceResolver.UNKNOWN, organization ? null : npiKey,
                        r.requester().form().name());
            }
            credits.add(credit != null ? credit : new Credit(SourceResolver.UNKNOWN, null, "UNRESOLVED"));
        }
        return credits;
    }

    /** The endpoint's whole directory, or null when it is larger than {@value #WHOLE_DIRECTORY_ROWS} rows. */
    private Directory whole(String endpointId) {
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId);
        Integer rows = jdbc.queryForObject(DIRECTORY_ROWS, params, Integer.class);
        if (rows == null || rows > WHOLE_DIRECTORY_ROWS) {
            return null;
        }
        Directory directory = Directory.empty();
        jdbc.query(ALL_ROLES, params, roles(endpointId, directory));
        jdbc.query(ALL_PRACTITIONER_KEYS, params, rs -> {
            directory.practitionerKeys().put(rs.getString(1), rs.getString(2));
        });
        jdbc.query(ALL_ORGANIZATION_KEYS, params, rs -> {
            directory.organizationKeys().put(rs.getString(1), rs.getString(2));
        });
        return directory;
    }

    /** Adds each role row ({@link #ALL_ROLES}' columns) to {@code directory}. */
    private static org.springframework.jdbc.core.RowCallbackHandler roles(String endpointId, Directory directory) {
        return rs -> directory.addRole(endpointId, rs.getString(1), new Role(rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5)), (Boolean) rs.getObject(6));
    }

    /** What one page's requesters need of the directory. */
    private Directory page(String endpointId, Set<String> roleIds, Set<String> practitionerIds,
            Set<String> organizationIds) {
        Directory directory = Directory.empty();
        if (!roleIds.isEmpty() || !practitionerIds.isEmpty()) {
            // an empty list is not valid SQL: no id is the empty string
            jdbc.query(PAGE_ROLES, new MapSqlParameterSource("endpointId", endpointId)
                    .addValue("roleIds", roleIds.isEmpty() ? List.of("") : List.copyOf(roleIds))
                    .addValue("practitionerIds", practitionerIds.isEmpty() ? List.of("") : List.copyOf(practitionerIds)),
                    roles(endpointId, directory));
        }
        query(PAGE_PRACTITIONER_KEYS, endpointId, practitionerIds,
                rs -> directory.practitionerKeys().put(rs.getString(1), rs.getString(2)));
        query(PAGE_ORGANIZATION_KEYS, endpointId, organizationIds,
                rs -> directory.organizationKeys().put(rs.getString(1), rs.getString(2)));
        return directory;
    }

    /** The requester's id as the referral row stores it: only a reference resolvable on this server has one. */
    private static String requesterId(ReferralRow r) {
        return r.requester().isLocal() ? r.requester().id() : null;
    }

    /** A stored source key, else the key by (endpoint, id), as the statements' COALESCE. */
    private static String orFallback(String key, String endpointId, String type, String id) {
        return key != null ? key : endpointId + "/" + type + "/" + id;
    }

    private void query(String sql, String endpointId, Set<String> ids,
            org.springframework.jdbc.core.RowCallbackHandler handler) {
        if (!ids.isEmpty()) {
            jdbc.query(sql, new MapSqlParameterSource("endpointId", endpointId).addValue("ids", List.copyOf(ids)),
                    handler);
        }
    }
}
