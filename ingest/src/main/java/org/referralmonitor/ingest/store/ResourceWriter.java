package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.DirectoryRow;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * The one idempotent writer every pull strategy ends in. Upserts by (endpoint, id), one batch per
 * resource type and page ({@link Upserts}: ON CONFLICT on PostgreSQL, MERGE on H2): a row changes
 * only when its content hash differs and the incoming version is not older than the stored one;
 * duplicates within a batch collapse to the newest. The same data written twice changes nothing.
 */
@Repository
public class ResourceWriter {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ResourceWriter.class);

    private static final String DELETE_BASED_ON =
            "DELETE FROM visit_based_on WHERE endpoint_id = :endpointId AND visit_id = :visitId";

    private static final String INSERT_BASED_ON = """
            INSERT INTO visit_based_on (endpoint_id, visit_id, referral_id) VALUES (:endpointId, :visitId, :referralId)
            """;

    /**
     * Requests written under another rule than the one recorded as having classified all of the
     * endpoint's requests ({@link Reclassifier}; another process, an older configuration): the record
     * no longer holds, and the next sync under that rule looks for them again.
     */
    private static final String FORGET_OTHER_RULE =
            "DELETE FROM referral_rule_state WHERE endpoint_id = :endpointId AND label NOT IN (:labels)";

    /**
     * How a batch is written.
     *
     * @param recordChangeScope record every change ({@link ChangeScope}), for finishing the sync in
     *     proportion to its changes (needless before the endpoint's first finished sync, which
     *     credits and links every referral)
     * @param crediting when not null, credit referrals to their practice and provider as they are
     *     written ({@link SourceCredit}) from what is stored, instead of leaving them to finishing
     * @param recordDirectoryScope record, even when not every change is recorded, the changes that can
     *     change such a credit: practices, providers, roles, and visits arriving or moving to another
     *     practice (a sync crediting at insert turns it on once it has written referrals)
     */
    public record Mode(boolean recordChangeScope, Crediting crediting, boolean recordDirectoryScope) {

        public static final Mode PLAIN = new Mode(false, null, false);
        public static final Mode SCOPED = new Mode(true, null, false);

        public boolean creditReferrals() {
            return crediting != null;
        }
    }

    /**
     * One sync's crediting at insert: its copy of the endpoint's directory, read at its first page of
     * requests and again after it wrote a change to the directory.
     */
    public static final class Crediting {

        SourceCredit.Directory directory;
        /** The directory is too large to copy: each page reads what it needs. */
        boolean perPage;
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final Upserts upserts;
    private final ChangeScope scope;
    private final SourceCredit credit;

    public ResourceWriter(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.upserts = Upserts.forDatabase(jdbc.getJdbcTemplate().getDataSource());
        this.scope = new ChangeScope(jdbc);
        this.credit = new SourceCredit(jdbc);
    }

    /** Refreshes the database's statistics of the tables that hold these resource types (after a large write). */
    public void refreshStatistics(java.util.Collection<String> resourceTypes) {
        upserts.analyze(resourceTypes).forEach(jdbc.getJdbcTemplate()::execute);
    }

    /** Writes one batch (typically one page), recording no change scope. Call inside a transaction. */
    public WriteResult write(List<MappedResource> resources, long syncRunId, OffsetDateTime seenAt) {
        return write(resources, syncRunId, seenAt, false);
    }

    /**
     * Writes one batch (typically one page), leaving referrals to be credited by finishing. Call
     * inside a transaction.
     *
     * @param recordChangeScope record what changed ({@link ChangeScope}), see {@link Mode}
     */
    public WriteResult write(List<MappedResource> resources, long syncRunId, OffsetDateTime seenAt,
            boolean recordChangeScope) {
        return write(resources, syncRunId, seenAt, recordChangeScope ? Mode.SCOPED : Mode.PLAIN);
    }

    /** Writes one batch (typically one page) as {@code mode} says. Call inside a transaction. */
    public WriteResult write(List<MappedResource> resources, long syncRunId, OffsetDateTime seenAt, Mode mode) {
        boolean recordChangeScope = mode.recordChangeScope();
        boolean directoryScope = recordChangeScope || mode.recordDirectoryScope();
        Map<String, List<MappedResource>> byType = new LinkedHashMap<>();
        for (MappedResource r : newestPerId(resources)) {
            byType.computeIfAbsent(r.resourceType(), k -> new ArrayList<>()).add(r);
        }
        WriteResult result = WriteResult.NONE;
        List<ReferralRow> changedReferrals = new ArrayList<>();
        List<VisitRow> changedVisits = new ArrayList<>();
        List<DirectoryRow> changedDirectory = new ArrayList<>();
        List<RoleRow> changedRoles = new ArrayList<>();
        Map<String, String> providersBefore = Map.of();
        Map<String, String[]> rolesBefore = Map.of();
        for (Map.Entry<String, List<MappedResource>> batch : byType.entrySet()) {
            List<MappedResource> rows = batch.getValue();
            String endpointId = rows.get(0).endpointId();
            List<String> ids = rows.stream().map(MappedResource::resourceId).toList();
            result = result.plus(switch (batch.getKey()) {
                case "ServiceRequest" -> {
                    List<ReferralRow> referrals = rows.stream().map(ReferralRow.class::cast).toList();
                    long creditStart = System.nanoTime();
                    List<SourceCredit.Credit> credits = mode.creditReferrals()
                            ? credit.credit(endpointId, referrals, mode.crediting()) : null;
                    if (credits != null && log.isDebugEnabled()) {
                        log.debug("{} referrals credited as written in {} µs", referrals.size(),
                                (System.nanoTime() - creditStart) / 1_000);
                    }
                    SqlParameterSource[] params = new SqlParameterSource[referrals.size()];
                    for (int i = 0; i < params.length; i++) {
                        params[i] = referral(referrals.get(i), credits == null ? NOT_CREDITED : credits.get(i),
                                syncRunId, seenAt);
                    }
                    int[] counts = jdbc.batchUpdate(upserts.referral(), params);
                    jdbc.update(FORGET_OTHER_RULE, new MapSqlParameterSource("endpointId", endpointId)
                            .addValue("labels", rows.stream().map(r -> ((ReferralRow) r).classifiedBy()).distinct()
                                    .toList()));
                    int changed = collectChanged(rows, counts, ReferralRow.class, changedReferrals);
                    yield new WriteResult(changed, counts.length - changed, credits == null ? 0 : changed);
                }
                case "Encounter" -> {
                    if (directoryScope) {
                        providersBefore = scope.visitProvidersBefore(endpointId, ids);
                    }
                    int[] counts = jdbc.batchUpdate(upserts.visit(), params(rows, r -> visit((VisitRow) r, syncRunId, seenAt)));
                    writeBasedOn(rows, counts);
                    yield tally(collectChanged(rows, counts, VisitRow.class, changedVisits), counts);
                }
                case "Organization", "Practitioner" -> {
                    int[] counts = jdbc.batchUpdate(batch.getKey().equals("Organization") ? upserts.organization()
                            : upserts.practitioner(), params(rows, r -> directory((DirectoryRow) r, seenAt)));
                    yield tally(collectChanged(rows, counts, DirectoryRow.class, changedDirectory), counts);
                }
                case "PractitionerRole" -> {
                    if (directoryScope) {
                        rolesBefore = scope.rolesBefore(endpointId, ids);
                    }
                    int[] counts = jdbc.batchUpdate(upserts.role(), params(rows, r -> role((RoleRow) r, seenAt)));
                    yield tally(collectChanged(rows, counts, RoleRow.class, changedRoles), counts);
                }
                default -> throw new IllegalArgumentException("No table for " + batch.getKey());
            });
        }
        if (mode.creditReferrals() && !(changedDirectory.isEmpty() && changedRoles.isEmpty())) {
            mode.crediting().directory = null; // read again at the next page of requests
        }
        if (directoryScope && !resources.isEmpty()) {
            String endpointId = resources.get(0).endpointId();
            if (recordChangeScope) {
                scope.written(endpointId, changedReferrals, changedVisits, providersBefore);
            } else {
                scope.visitPracticesWritten(endpointId, changedVisits, providersBefore);
            }
            scope.directoryWritten(endpointId, changedDirectory);
            scope.rolesWritten(endpointId, changedRoles, rolesBefore);
        }
        return result;
    }

    /** Adds the rows the batch inserted or changed to {@code changed}; returns how many. */
    private static <T extends MappedResource> int collectChanged(List<MappedResource> rows, int[] counts,
            Class<T> type, List<T> changed) {
        int before = changed.size();
        for (int i = 0; i < rows.size(); i++) {
            if (counts[i] > 0) {
                changed.add(type.cast(rows.get(i)));
            }
        }
        return changed.size() - before;
    }

    private static WriteResult tally(int written, int[] counts) {
        return new WriteResult(written, counts.length - written);
    }

    private void writeBasedOn(List<MappedResource> visits, int[] counts) {
        List<SqlParameterSource> deletes = new ArrayList<>();
        List<SqlParameterSource> inserts = new ArrayList<>();
        for (int i = 0; i < visits.size(); i++) {
            if (counts[i] <= 0) {
                continue;
            }
            VisitRow v = (VisitRow) visits.get(i);
            deletes.add(new Params().text("endpointId", v.endpointId()).text("visitId", v.resourceId()).source());
            for (String referralId : v.basedOnReferralIds()) {
                inserts.add(new Params().text("endpointId", v.endpointId()).text("visitId", v.resourceId())
                        .text("referralId", referralId).source());
            }
        }
        if (!deletes.isEmpty()) {
            jdbc.batchUpdate(DELETE_BASED_ON, deletes.toArray(SqlParameterSource[]::new));
        }
        if (!inserts.isEmpty()) {
            jdbc.batchUpdate(INSERT_BASED_ON, inserts.toArray(SqlParameterSource[]::new));
        }
    }

    /**
     * Within one batch, the same resource twice (a server repeating it across a page) keeps the
     * newest, by the rule the upserts apply ({@link #notOlder}).
     */
    private static List<MappedResource> newestPerId(List<MappedResource> resources) {
        Map<String, MappedResource> newest = new LinkedHashMap<>();
        for (MappedResource r : resources) {
            newest.merge(r.resourceType() + "/" + r.resourceId(), r, (old, incoming) ->
                    notOlder(incoming.lastUpdated(), incoming.versionId(), old.lastUpdated(), old.versionId())
                            ? incoming : old);
        }
        return new ArrayList<>(newest.values());
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[0-9]+");

    /**
     * Whether an incoming version may replace a held one, as {@link Upserts} decides in SQL: a later
     * lastUpdated, or the same one unless both version ids are numbers and the incoming one is lower;
     * an incoming version without lastUpdated only replaces one without it.
     */
    static boolean notOlder(OffsetDateTime incoming, String incomingVersion, OffsetDateTime held, String heldVersion) {
        if (held == null) {
            return true;
        }
        if (incoming == null || incoming.isBefore(held)) {
            return false;
        }
        if (incoming.isAfter(held) || incomingVersion == null || heldVersion == null
                || !NUMBER.matcher(incomingVersion).matches() || !NUMBER.matcher(heldVersion).matches()) {
            return true;
        }
        return incomingVersion.length() > heldVersion.length()
                || incomingVersion.length() == heldVersion.length() && incomingVersion.compareTo(heldVersion) >= 0;
    }

    private static SqlParameterSource[] params(List<MappedResource> rows, Function<MappedResource, SqlParameterSource> f) {
        return rows.stream().map(f).toArray(SqlParameterSource[]::new);
    }

    /** The source columns of a referral left to finishing. */
    private static final SourceCredit.Credit NOT_CREDITED = new SourceCredit.Credit(null, null, null);

    private static MapSqlParameterSource referral(ReferralRow r, SourceCredit.Credit credit, long syncRunId,
            OffsetDateTime seenAt) {
        return new Params()
                .text("endpointId", r.endpointId())
                .text("resourceId", r.resourceId())
                .text("versionId", r.versionId())
                .instant("lastUpdated", r.lastUpdated())
                .text("status", r.status())
                .text("intent", r.intent())
                .instant("authoredOn", r.authoredOn())
                .date("authoredDate", r.authoredDate())
                .date("authoredMonth", r.authoredDate().with(TemporalAdjusters.firstDayOfMonth()))
                .text("patientHash", r.patientHash())
                .text("requesterType", r.requester().type())
                .text("requesterId", r.requester().isLocal() ? r.requester().id() : null)
                .text("requesterNpi", r.requester().npi())
                .text("requesterForm", r.requester().form().name())
                .text("performerType", r.performer().type())
                .text("performerId", r.performer().isLocal() ? r.performer().id() : null)
                .text("encounterId", r.encounterId())
                .bool("isReferral", r.referral())
                .text("classifiedBy", r.classifiedBy())
                .text("contentHash", r.contentHash())
                .bigint("syncRunId", syncRunId)
                .instant("seenAt", seenAt)
                .text("json", r.json())
                .text("statusReason", r.statusReason())
                .text("sourceOrgKey", credit.orgKey())
                .text("sourcePractitionerKey", credit.practitionerKey())
                .text("sourceResolution", credit.resolution())
                .source();
    }

    private static MapSqlParameterSource visit(VisitRow v, long syncRunId, OffsetDateTime seenAt) {
        return new Params()
                .text("endpointId", v.endpointId())
                .text("resourceId", v.resourceId())
                .text("versionId", v.versionId())
                .instant("lastUpdated", v.lastUpdated())
                .text("status", v.status())
                .text("classCode", v.classCode())
                .text("patientHash", v.patientHash())
                .instant("periodStart", v.periodStart())
                .date("startDate", v.startDate())
                .text("serviceProviderId", v.serviceProviderId())
                .text("contentHash", v.contentHash())
                .bigint("syncRunId", syncRunId)
                .instant("seenAt", seenAt)
                .text("json", v.json())
                .source();
    }

    private static MapSqlParameterSource directory(DirectoryRow d, OffsetDateTime seenAt) {
        return new Params()
                .text("endpointId", d.endpointId())
                .text("resourceId", d.resourceId())
                .text("versionId", d.versionId())
                .instant("lastUpdated", d.lastUpdated())
                .text("name", d.name())
                .text("npi", d.npi())
                .bool("active", d.active())
                .text("sourceKey", d.sourceKey())
                .text("contentHash", d.contentHash())
                .instant("seenAt", seenAt)
                .source();
    }

    private static MapSqlParameterSource role(RoleRow r, OffsetDateTime seenAt) {
        return new Params()
                .text("endpointId", r.endpointId())
                .text("resourceId", r.resourceId())
                .text("versionId", r.versionId())
                .instant("lastUpdated", r.lastUpdated())
                .text("practitionerId", r.practitionerId())
                .text("organizationId", r.organizationId())
                .bool("active", r.active())
                .text("contentHash", r.contentHash())
                .instant("seenAt", seenAt)
                .source();
    }
}
