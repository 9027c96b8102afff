package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
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
 * The one idempotent writer every pull strategy ends in. Upserts by (endpoint, id) with a single
 * MERGE per resource type and batch: a row changes only when its content hash differs and the
 * incoming version is not older than the stored one; duplicates within a batch collapse to the
 * newest. The same data written twice changes nothing.
 */
@Repository
public class ResourceWriter {

    private static final String NEWER = """
            t.content_hash <> s.content_hash
                AND (t.last_updated IS NULL OR s.last_updated IS NULL OR s.last_updated >= t.last_updated)""";

    private static final String MERGE_REFERRAL = """
            MERGE INTO referral t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceId AS VARCHAR(64)),
                           CAST(:versionId AS VARCHAR(64)), CAST(:lastUpdated AS TIMESTAMP WITH TIME ZONE),
                           CAST(:status AS VARCHAR(32)), CAST(:intent AS VARCHAR(32)),
                           CAST(:authoredOn AS TIMESTAMP WITH TIME ZONE), CAST(:authoredDate AS DATE),
                           CAST(:authoredMonth AS DATE), CAST(:patientHash AS VARCHAR(64)),
                           CAST(:requesterType AS VARCHAR(32)), CAST(:requesterId AS VARCHAR(64)),
                           CAST(:requesterNpi AS VARCHAR(10)), CAST(:requesterForm AS VARCHAR(16)),
                           CAST(:performerType AS VARCHAR(32)), CAST(:performerId AS VARCHAR(64)),
                           CAST(:encounterId AS VARCHAR(64)), CAST(:isReferral AS BOOLEAN),
                           CAST(:classifiedBy AS VARCHAR(64)), CAST(:contentHash AS VARCHAR(64)),
                           CAST(:syncRunId AS BIGINT), CAST(:seenAt AS TIMESTAMP WITH TIME ZONE)))
                AS s (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on, authored_date,
                      authored_month, patient_hash, requester_type, requester_id, requester_npi, requester_form,
                      performer_type, performer_id, encounter_id, is_referral, classified_by, content_hash,
                      sync_run_id, seen_at)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, status = s.status, intent = s.intent,
                authored_on = s.authored_on, authored_date = s.authored_date, authored_month = s.authored_month,
                patient_hash = s.patient_hash, requester_type = s.requester_type, requester_id = s.requester_id,
                requester_npi = s.requester_npi, requester_form = s.requester_form,
                performer_type = s.performer_type, performer_id = s.performer_id, encounter_id = s.encounter_id,
                is_referral = s.is_referral, classified_by = s.classified_by, content_hash = s.content_hash,
                sync_run_id = s.sync_run_id, updated_at = s.seen_at,
                source_org_key = NULL, source_practitioner_key = NULL, source_resolution = NULL
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on, authored_date,
                 authored_month, patient_hash, requester_type, requester_id, requester_npi, requester_form,
                 performer_type, performer_id, encounter_id, is_referral, classified_by, content_hash, sync_run_id,
                 first_seen_at, updated_at)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.status, s.intent, s.authored_on,
                 s.authored_date, s.authored_month, s.patient_hash, s.requester_type, s.requester_id, s.requester_npi,
                 s.requester_form, s.performer_type, s.performer_id, s.encounter_id, s.is_referral, s.classified_by,
                 s.content_hash, s.sync_run_id, s.seen_at, s.seen_at)
            """.formatted(NEWER);

    private static final String MERGE_VISIT = """
            MERGE INTO visit t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceId AS VARCHAR(64)),
                           CAST(:versionId AS VARCHAR(64)), CAST(:lastUpdated AS TIMESTAMP WITH TIME ZONE),
                           CAST(:status AS VARCHAR(32)), CAST(:classCode AS VARCHAR(64)),
                           CAST(:patientHash AS VARCHAR(64)), CAST(:periodStart AS TIMESTAMP WITH TIME ZONE),
                           CAST(:startDate AS DATE), CAST(:serviceProviderId AS VARCHAR(64)),
                           CAST(:contentHash AS VARCHAR(64)), CAST(:syncRunId AS BIGINT),
                           CAST(:seenAt AS TIMESTAMP WITH TIME ZONE)))
                AS s (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash,
                      period_start, start_date, service_provider_id, content_hash, sync_run_id, seen_at)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, status = s.status, class_code = s.class_code,
                patient_hash = s.patient_hash, period_start = s.period_start, start_date = s.start_date,
                service_provider_id = s.service_provider_id, content_hash = s.content_hash,
                sync_run_id = s.sync_run_id, updated_at = s.seen_at
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash, period_start,
                 start_date, service_provider_id, content_hash, sync_run_id, first_seen_at, updated_at)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.status, s.class_code,
                 s.patient_hash, s.period_start, s.start_date, s.service_provider_id, s.content_hash, s.sync_run_id,
                 s.seen_at, s.seen_at)
            """.formatted(NEWER);

    private static final String DELETE_BASED_ON =
            "DELETE FROM visit_based_on WHERE endpoint_id = :endpointId AND visit_id = :visitId";

    private static final String INSERT_BASED_ON = """
            INSERT INTO visit_based_on (endpoint_id, visit_id, referral_id) VALUES (:endpointId, :visitId, :referralId)
            """;

    private static final String DIRECTORY_MERGE = """
            MERGE INTO %s t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceId AS VARCHAR(64)),
                           CAST(:versionId AS VARCHAR(64)), CAST(:lastUpdated AS TIMESTAMP WITH TIME ZONE),
                           CAST(:name AS VARCHAR(300)), CAST(:npi AS VARCHAR(10)), CAST(:active AS BOOLEAN),
                           CAST(:sourceKey AS VARCHAR(200)), CAST(:contentHash AS VARCHAR(64)),
                           CAST(:seenAt AS TIMESTAMP WITH TIME ZONE)))
                AS s (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key, content_hash,
                      seen_at)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, name = s.name, npi = s.npi,
                active = s.active, source_key = s.source_key, content_hash = s.content_hash, updated_at = s.seen_at
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key, content_hash,
                 updated_at)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.name, s.npi, s.active,
                 s.source_key, s.content_hash, s.seen_at)
            """;

    private static final String MERGE_ORGANIZATION = DIRECTORY_MERGE.formatted("organization", NEWER);
    private static final String MERGE_PRACTITIONER = DIRECTORY_MERGE.formatted("practitioner", NEWER);

    private static final String MERGE_ROLE = """
            MERGE INTO practitioner_role t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceId AS VARCHAR(64)),
                           CAST(:versionId AS VARCHAR(64)), CAST(:lastUpdated AS TIMESTAMP WITH TIME ZONE),
                           CAST(:practitionerId AS VARCHAR(64)), CAST(:organizationId AS VARCHAR(64)),
                           CAST(:active AS BOOLEAN), CAST(:contentHash AS VARCHAR(64)),
                           CAST(:seenAt AS TIMESTAMP WITH TIME ZONE)))
                AS s (endpoint_id, resource_id, version_id, last_updated, practitioner_id, organization_id, active,
                      content_hash, seen_at)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, practitioner_id = s.practitioner_id,
                organization_id = s.organization_id, active = s.active, content_hash = s.content_hash,
                updated_at = s.seen_at
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, practitioner_id, organization_id, active,
                 content_hash, updated_at)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.practitioner_id,
                 s.organization_id, s.active, s.content_hash, s.seen_at)
            """.formatted(NEWER);

    private final NamedParameterJdbcTemplate jdbc;

    public ResourceWriter(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Writes one batch (typically one page). Call inside a transaction. */
    public WriteResult write(List<MappedResource> resources, long syncRunId, OffsetDateTime seenAt) {
        Map<String, List<MappedResource>> byType = new LinkedHashMap<>();
        for (MappedResource r : newestPerId(resources)) {
            byType.computeIfAbsent(r.resourceType(), k -> new ArrayList<>()).add(r);
        }
        WriteResult result = WriteResult.NONE;
        for (Map.Entry<String, List<MappedResource>> batch : byType.entrySet()) {
            List<MappedResource> rows = batch.getValue();
            result = result.plus(switch (batch.getKey()) {
                case "ServiceRequest" -> merge(MERGE_REFERRAL, rows, r -> referral((ReferralRow) r, syncRunId, seenAt), false);
                case "Encounter" -> {
                    int[] counts = jdbc.batchUpdate(MERGE_VISIT, params(rows, r -> visit((VisitRow) r, syncRunId, seenAt)));
                    writeBasedOn(rows, counts);
                    yield tally(counts, false);
                }
                case "Organization" -> merge(MERGE_ORGANIZATION, rows, r -> directory((DirectoryRow) r, seenAt), true);
                case "Practitioner" -> merge(MERGE_PRACTITIONER, rows, r -> directory((DirectoryRow) r, seenAt), true);
                case "PractitionerRole" -> merge(MERGE_ROLE, rows, r -> role((RoleRow) r, seenAt), true);
                default -> throw new IllegalArgumentException("No table for " + batch.getKey());
            });
        }
        return result;
    }

    private WriteResult merge(String sql, List<MappedResource> rows, Function<MappedResource, SqlParameterSource> params,
            boolean directory) {
        return tally(jdbc.batchUpdate(sql, params(rows, params)), directory);
    }

    private static WriteResult tally(int[] counts, boolean directory) {
        int written = 0;
        for (int c : counts) {
            written += c > 0 ? 1 : 0;
        }
        return new WriteResult(written, counts.length - written, directory && written > 0);
    }

    private void writeBasedOn(List<MappedResource> visits, int[] counts) {
        List<SqlParameterSource> deletes = new ArrayList<>();
        List<SqlParameterSource> inserts = new ArrayList<>();
        for (int i = 0; i < visits.size(); i++) {
            if (counts[i] <= 0) {
                continue;
            }
            VisitRow v = (VisitRow) visits.get(i);
            deletes.add(new MapSqlParameterSource("endpointId", v.endpointId()).addValue("visitId", v.resourceId()));
            for (String referralId : v.basedOnReferralIds()) {
                inserts.add(new MapSqlParameterSource("endpointId", v.endpointId()).addValue("visitId", v.resourceId())
                        .addValue("referralId", referralId));
            }
        }
        if (!deletes.isEmpty()) {
            jdbc.batchUpdate(DELETE_BASED_ON, deletes.toArray(SqlParameterSource[]::new));
        }
        if (!inserts.isEmpty()) {
            jdbc.batchUpdate(INSERT_BASED_ON, inserts.toArray(SqlParameterSource[]::new));
        }
    }

    /** Within one batch, the same resource twice (a server repeating it across a page) keeps the newest. */
    private static List<MappedResource> newestPerId(List<MappedResource> resources) {
        Map<String, MappedResource> newest = new LinkedHashMap<>();
        Comparator<MappedResource> byLastUpdated = Comparator.comparing(ResourceWriter::lastUpdated,
                Comparator.nullsFirst(Comparator.naturalOrder()));
        for (MappedResource r : resources) {
            newest.merge(r.resourceType() + "/" + r.resourceId(), r,
                    (old, incoming) -> byLastUpdated.compare(incoming, old) >= 0 ? incoming : old);
        }
        return new ArrayList<>(newest.values());
    }

    private static OffsetDateTime lastUpdated(MappedResource r) {
        if (r instanceof ReferralRow x) {
            return x.lastUpdated();
        } else if (r instanceof VisitRow x) {
            return x.lastUpdated();
        } else if (r instanceof DirectoryRow x) {
            return x.lastUpdated();
        } else if (r instanceof RoleRow x) {
            return x.lastUpdated();
        }
        return null;
    }

    private static SqlParameterSource[] params(List<MappedResource> rows, Function<MappedResource, SqlParameterSource> f) {
        return rows.stream().map(f).toArray(SqlParameterSource[]::new);
    }

    private static MapSqlParameterSource referral(ReferralRow r, long syncRunId, OffsetDateTime seenAt) {
        return new MapSqlParameterSource()
                .addValue("endpointId", r.endpointId())
                .addValue("resourceId", r.resourceId())
                .addValue("versionId", r.versionId())
                .addValue("lastUpdated", r.lastUpdated())
                .addValue("status", r.status())
                .addValue("intent", r.intent())
                .addValue("authoredOn", r.authoredOn())
                .addValue("authoredDate", r.authoredDate())
                .addValue("authoredMonth", r.authoredDate().with(TemporalAdjusters.firstDayOfMonth()))
                .addValue("patientHash", r.patientHash())
                .addValue("requesterType", r.requester().type())
                .addValue("requesterId", r.requester().isLocal() ? r.requester().id() : null)
                .addValue("requesterNpi", r.requester().npi())
                .addValue("requesterForm", r.requester().form().name())
                .addValue("performerType", r.performer().type())
                .addValue("performerId", r.performer().isLocal() ? r.performer().id() : null)
                .addValue("encounterId", r.encounterId())
                .addValue("isReferral", r.referral())
                .addValue("classifiedBy", r.classifiedBy())
                .addValue("contentHash", r.contentHash())
                .addValue("syncRunId", syncRunId)
                .addValue("seenAt", seenAt);
    }

    private static MapSqlParameterSource visit(VisitRow v, long syncRunId, OffsetDateTime seenAt) {
        return new MapSqlParameterSource()
                .addValue("endpointId", v.endpointId())
                .addValue("resourceId", v.resourceId())
                .addValue("versionId", v.versionId())
                .addValue("lastUpdated", v.lastUpdated())
                .addValue("status", v.status())
                .addValue("classCode", v.classCode())
                .addValue("patientHash", v.patientHash())
                .addValue("periodStart", v.periodStart())
                .addValue("startDate", v.startDate())
                .addValue("serviceProviderId", v.serviceProviderId())
                .addValue("contentHash", v.contentHash())
                .addValue("syncRunId", syncRunId)
                .addValue("seenAt", seenAt);
    }

    private static MapSqlParameterSource directory(DirectoryRow d, OffsetDateTime seenAt) {
        return new MapSqlParameterSource()
                .addValue("endpointId", d.endpointId())
                .addValue("resourceId", d.resourceId())
                .addValue("versionId", d.versionId())
                .addValue("lastUpdated", d.lastUpdated())
                .addValue("name", d.name())
                .addValue("npi", d.npi())
                .addValue("active", d.active())
                .addValue("sourceKey", d.sourceKey())
                .addValue("contentHash", d.contentHash())
                .addValue("seenAt", seenAt);
    }

    private static MapSqlParameterSource role(RoleRow r, OffsetDateTime seenAt) {
        return new MapSqlParameterSource()
                .addValue("endpointId", r.endpointId())
                .addValue("resourceId", r.resourceId())
                .addValue("versionId", r.versionId())
                .addValue("lastUpdated", r.lastUpdated())
                .addValue("practitionerId", r.practitionerId())
                .addValue("organizationId", r.organizationId())
                .addValue("active", r.active())
                .addValue("contentHash", r.contentHash())
                .addValue("seenAt", seenAt);
    }
}
