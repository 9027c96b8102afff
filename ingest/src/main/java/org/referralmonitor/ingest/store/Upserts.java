package org.referralmonitor.ingest.store;

import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The one place where PostgreSQL and H2 differ in how we write: the upserts (and how statistics are refreshed).
 *
 * <p>PostgreSQL uses {@code INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE newer}: the row is found
 * through the unique index whatever the table's statistics say, and concurrent writers cannot
 * collide. (A MERGE prepared while a table was still empty was planned through a secondary index
 * and scanned every row of the endpoint for each write: a first sync slowed down as it went.)
 * H2, the embedded demo database, has no ON CONFLICT ... DO UPDATE and uses the standard MERGE.
 * Both return 1 for a row inserted or changed and 0 for a row left as it was.
 */
record Upserts(String referral, String visit, String organization, String practitioner, String role) {

    /**
     * A row changes only when its content changed and the incoming version is not older: a later
     * {@code meta.lastUpdated}, or the same one (a re-pull, or versions within one millisecond, or one
     * second on servers that keep whole seconds) unless both version ids are numbers and the incoming
     * one is lower. An incoming version without lastUpdated never replaces one that has it (it cannot
     * be placed: an older version, a deleted resource's last one, would come back); a row without
     * lastUpdated takes whatever comes.
     */
    private static String newer(String s) {
        return """
                t.content_hash <> %1$s.content_hash
                    AND (t.last_updated IS NULL
                         OR %1$s.last_updated > t.last_updated
                         OR (%1$s.last_updated = t.last_updated AND NOT (%2$s)))""".formatted(s, lowerVersion(s));
    }

    /**
     * Whether the incoming version id is a lower number than the row's: both digits only, compared by
     * length, then as text (no cast, which could fail on a non-numeric id: SQL does not promise to
     * stop at the first false condition). Digits only: every digit translated to 0 gives as many
     * zeros (H2's TRANSLATE does not delete characters, so it cannot be compared with '').
     */
    private static String lowerVersion(String s) {
        return """
                COALESCE(%1$s.version_id, '') <> '' AND COALESCE(t.version_id, '') <> ''
                         AND TRANSLATE(%1$s.version_id, '0123456789', '0000000000') = REPEAT('0', LENGTH(%1$s.version_id))
                         AND TRANSLATE(t.version_id, '0123456789', '0000000000') = REPEAT('0', LENGTH(t.version_id))
                         AND (LENGTH(%1$s.version_id) < LENGTH(t.version_id)
                              OR (LENGTH(%1$s.version_id) = LENGTH(t.version_id) AND %1$s.version_id < t.version_id))"""
                .formatted(s);
    }

    private static final String NEWER = newer("s");

    private static final String PG_NEWER = newer("EXCLUDED");

    /**
     * What a new version moved the row away from ({@code column}'s old value), kept in {@code movedFrom}
     * for metrics, which counts whatever was counted under the old value again: the first value the
     * row left in the sync writing it (one sync may write several versions), NULL when that sync's
     * versions did not move it. {@code incoming} names the new values ({@code EXCLUDED} or the MERGE
     * source); the assignments read the row as it was.
     */
    private static String moved(String column, String movedFrom, String incoming) {
        return """
                CASE WHEN t.sync_run_id = %3$s.sync_run_id AND t.%2$s IS NOT NULL THEN t.%2$s
                     WHEN t.%1$s IS DISTINCT FROM %3$s.%1$s THEN t.%1$s END""".formatted(column, movedFrom, incoming);
    }

    /**
     * The sync that last brought a version the row did not have ({@code version_run_id}): a new
     * version id or lastUpdated, or a resource back after its deletion; not a re-sanitized or
     * re-classified copy of the version we held (nor of an entered-in-error one, which the server
     * still lists and which is tombstoned again) (what a reconciliation found that incremental syncs
     * missed is counted from it).
     */
    private static String versionRun(String incoming) {
        return """
                CASE WHEN t.version_id IS DISTINCT FROM %1$s.version_id OR t.last_updated IS DISTINCT FROM %1$s.last_updated
                          OR (t.deleted_at IS NOT NULL AND t.tombstone_reason <> 'ENTERED_IN_ERROR')
                     THEN %1$s.sync_run_id ELSE t.version_run_id END""".formatted(incoming);
    }

    /** Per resource type, the PostgreSQL statement that refreshes the statistics of the tables holding it. */
    private static final java.util.Map<String, String> PG_ANALYZE = java.util.Map.of(
            "ServiceRequest", "ANALYZE referral, resource_issue",
            "Encounter", "ANALYZE visit, visit_based_on, resource_issue",
            "Organization", "ANALYZE organization",
            "Practitioner", "ANALYZE practitioner",
            "PractitionerRole", "ANALYZE practitioner_role");

    /**
     * The statements that refresh the planner's statistics of the tables holding these resource
     * types: PostgreSQL per table, H2 all tables at once.
     */
    java.util.List<String> analyze(java.util.Collection<String> resourceTypes) {
        if (this != POSTGRES) {
            return resourceTypes.isEmpty() ? java.util.List.of() : java.util.List.of("ANALYZE");
        }
        return resourceTypes.stream().map(PG_ANALYZE::get).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** The parameter {@code :json} as the resource_json columns take it (jsonb; H2's JSON from text). */
    String jsonParameter() {
        return this == POSTGRES ? "CAST(:json AS JSONB)" : "CAST(:json AS VARCHAR(1000000)) FORMAT JSON";
    }

    static Upserts forDatabase(DataSource dataSource) {
        String product = new JdbcTemplate(dataSource)
                .execute((ConnectionCallback<String>) c -> c.getMetaData().getDatabaseProductName());
        return product != null && product.toLowerCase(Locale.ROOT).contains("postgres") ? POSTGRES : H2;
    }

    static final Upserts POSTGRES = new Upserts("""
            INSERT INTO referral AS t
                (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on, authored_date,
                 authored_month, patient_hash, requester_type, requester_id, requester_npi, requester_form,
                 performer_type, performer_id, encounter_id, is_referral, classified_by, content_hash, sync_run_id,
                 first_seen_at, updated_at, resource_json, status_reason, source_org_key, source_practitioner_key,
                 source_resolution, version_run_id)
            VALUES (:endpointId, :resourceId, :versionId, :lastUpdated, :status, :intent, :authoredOn, :authoredDate,
                 :authoredMonth, :patientHash, :requesterType, :requesterId, :requesterNpi, :requesterForm,
                 :performerType, :performerId, :encounterId, :isReferral, :classifiedBy, :contentHash, :syncRunId,
                 :seenAt, :seenAt, CAST(:json AS JSONB), :statusReason, :sourceOrgKey, :sourcePractitionerKey,
                 :sourceResolution, :syncRunId)
            ON CONFLICT (endpoint_id, resource_id) DO UPDATE SET
                version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, status = EXCLUDED.status,
                intent = EXCLUDED.intent, authored_on = EXCLUDED.authored_on, authored_date = EXCLUDED.authored_date,
                authored_month = EXCLUDED.authored_month, patient_hash = EXCLUDED.patient_hash,
                requester_type = EXCLUDED.requester_type, requester_id = EXCLUDED.requester_id,
                requester_npi = EXCLUDED.requester_npi, requester_form = EXCLUDED.requester_form,
                performer_type = EXCLUDED.performer_type, performer_id = EXCLUDED.performer_id,
                encounter_id = EXCLUDED.encounter_id, is_referral = EXCLUDED.is_referral,
                classified_by = EXCLUDED.classified_by, content_hash = EXCLUDED.content_hash,
                moved_from_month = %s, version_run_id = %s,
                sync_run_id = EXCLUDED.sync_run_id, updated_at = EXCLUDED.updated_at,
                resource_json = EXCLUDED.resource_json, status_reason = EXCLUDED.status_reason,
                deleted_at = NULL, tombstone_reason = NULL, source_org_key = EXCLUDED.source_org_key,
                source_practitioner_key = EXCLUDED.source_practitioner_key,
                source_resolution = EXCLUDED.source_resolution
            WHERE %s
            """.formatted(moved("authored_month", "moved_from_month", "EXCLUDED"), versionRun("EXCLUDED"), PG_NEWER), """
            INSERT INTO visit AS t
                (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash, period_start,
                 start_date, service_provider_id, content_hash, sync_run_id, first_seen_at, updated_at, resource_json,
                 version_run_id)
            VALUES (:endpointId, :resourceId, :versionId, :lastUpdated, :status, :classCode, :patientHash, :periodStart,
                 :startDate, :serviceProviderId, :contentHash, :syncRunId, :seenAt, :seenAt, CAST(:json AS JSONB),
                 :syncRunId)
            ON CONFLICT (endpoint_id, resource_id) DO UPDATE SET
                version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, status = EXCLUDED.status,
                class_code = EXCLUDED.class_code, patient_hash = EXCLUDED.patient_hash,
                period_start = EXCLUDED.period_start, start_date = EXCLUDED.start_date,
                service_provider_id = EXCLUDED.service_provider_id, content_hash = EXCLUDED.content_hash,
                moved_from_patient = %s, version_run_id = %s,
                sync_run_id = EXCLUDED.sync_run_id, updated_at = EXCLUDED.updated_at,
                resource_json = EXCLUDED.resource_json, deleted_at = NULL, tombstone_reason = NULL
            WHERE %s
            """.formatted(moved("patient_hash", "moved_from_patient", "EXCLUDED"), versionRun("EXCLUDED"), PG_NEWER), """
            INSERT INTO organization AS t
                (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key, content_hash,
                 updated_at)
            VALUES (:endpointId, :resourceId, :versionId, :lastUpdated, :name, :npi, :active, :sourceKey, :contentHash,
                 :seenAt)
            ON CONFLICT (endpoint_id, resource_id) DO UPDATE SET
                version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, name = EXCLUDED.name,
                npi = EXCLUDED.npi, active = EXCLUDED.active, source_key = EXCLUDED.source_key,
                content_hash = EXCLUDED.content_hash, updated_at = EXCLUDED.updated_at
            WHERE %s
            """.formatted(PG_NEWER), """
            INSERT INTO practitioner AS t
                (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key, content_hash,
                 updated_at)
            VALUES (:endpointId, :resourceId, :versionId, :lastUpdated, :name, :npi, :active, :sourceKey, :contentHash,
                 :seenAt)
            ON CONFLICT (endpoint_id, resource_id) DO UPDATE SET
                version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, name = EXCLUDED.name,
                npi = EXCLUDED.npi, active = EXCLUDED.active, source_key = EXCLUDED.source_key,
                content_hash = EXCLUDED.content_hash, updated_at = EXCLUDED.updated_at
            WHERE %s
            """.formatted(PG_NEWER), """
            INSERT INTO practitioner_role AS t
                (endpoint_id, resource_id, version_id, last_updated, practitioner_id, organization_id, active,
                 content_hash, updated_at)
            VALUES (:endpointId, :resourceId, :versionId, :lastUpdated, :practitionerId, :organizationId, :active,
                 :contentHash, :seenAt)
            ON CONFLICT (endpoint_id, resource_id) DO UPDATE SET
                version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
                practitioner_id = EXCLUDED.practitioner_id, organization_id = EXCLUDED.organization_id,
                active = EXCLUDED.active, content_hash = EXCLUDED.content_hash, updated_at = EXCLUDED.updated_at
            WHERE %s
            """.formatted(PG_NEWER));

    private static final String H2_DIRECTORY = """
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

    static final Upserts H2 = new Upserts("""
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
                           CAST(:syncRunId AS BIGINT), CAST(:seenAt AS TIMESTAMP WITH TIME ZONE),
                           CAST(:json AS VARCHAR(1000000)) FORMAT JSON, CAST(:statusReason AS VARCHAR(200)),
                           CAST(:sourceOrgKey AS VARCHAR(200)), CAST(:sourcePractitionerKey AS VARCHAR(200)),
                           CAST(:sourceResolution AS VARCHAR(32))))
                AS s (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on, authored_date,
                      authored_month, patient_hash, requester_type, requester_id, requester_npi, requester_form,
                      performer_type, performer_id, encounter_id, is_referral, classified_by, content_hash,
                      sync_run_id, seen_at, resource_json, status_reason, source_org_key, source_practitioner_key,
                      source_resolution)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, status = s.status, intent = s.intent,
                authored_on = s.authored_on, authored_date = s.authored_date, authored_month = s.authored_month,
                patient_hash = s.patient_hash, requester_type = s.requester_type, requester_id = s.requester_id,
                requester_npi = s.requester_npi, requester_form = s.requester_form,
                performer_type = s.performer_type, performer_id = s.performer_id, encounter_id = s.encounter_id,
                is_referral = s.is_referral, classified_by = s.classified_by, content_hash = s.content_hash,
                moved_from_month = %s, version_run_id = %s,
                sync_run_id = s.sync_run_id, updated_at = s.seen_at, resource_json = s.resource_json,
                status_reason = s.status_reason, deleted_at = NULL, tombstone_reason = NULL,
                source_org_key = s.source_org_key, source_practitioner_key = s.source_practitioner_key,
                source_resolution = s.source_resolution
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on, authored_date,
                 authored_month, patient_hash, requester_type, requester_id, requester_npi, requester_form,
                 performer_type, performer_id, encounter_id, is_referral, classified_by, content_hash, sync_run_id,
                 first_seen_at, updated_at, resource_json, status_reason, source_org_key, source_practitioner_key,
                 source_resolution, version_run_id)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.status, s.intent, s.authored_on,
                 s.authored_date, s.authored_month, s.patient_hash, s.requester_type, s.requester_id, s.requester_npi,
                 s.requester_form, s.performer_type, s.performer_id, s.encounter_id, s.is_referral, s.classified_by,
                 s.content_hash, s.sync_run_id, s.seen_at, s.seen_at, s.resource_json, s.status_reason,
                 s.source_org_key, s.source_practitioner_key, s.source_resolution, s.sync_run_id)
            """.formatted(NEWER, moved("authored_month", "moved_from_month", "s"), versionRun("s")), """
            MERGE INTO visit t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceId AS VARCHAR(64)),
                           CAST(:versionId AS VARCHAR(64)), CAST(:lastUpdated AS TIMESTAMP WITH TIME ZONE),
                           CAST(:status AS VARCHAR(32)), CAST(:classCode AS VARCHAR(64)),
                           CAST(:patientHash AS VARCHAR(64)), CAST(:periodStart AS TIMESTAMP WITH TIME ZONE),
                           CAST(:startDate AS DATE), CAST(:serviceProviderId AS VARCHAR(64)),
                           CAST(:contentHash AS VARCHAR(64)), CAST(:syncRunId AS BIGINT),
                           CAST(:seenAt AS TIMESTAMP WITH TIME ZONE), CAST(:json AS VARCHAR(1000000)) FORMAT JSON))
                AS s (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash,
                      period_start, start_date, service_provider_id, content_hash, sync_run_id, seen_at, resource_json)
            ON t.endpoint_id = s.endpoint_id AND t.resource_id = s.resource_id
            WHEN MATCHED AND %s THEN UPDATE SET
                version_id = s.version_id, last_updated = s.last_updated, status = s.status, class_code = s.class_code,
                patient_hash = s.patient_hash, period_start = s.period_start, start_date = s.start_date,
                service_provider_id = s.service_provider_id, content_hash = s.content_hash,
                moved_from_patient = %s, version_run_id = %s,
                sync_run_id = s.sync_run_id, updated_at = s.seen_at, resource_json = s.resource_json,
                deleted_at = NULL, tombstone_reason = NULL
            WHEN NOT MATCHED THEN INSERT
                (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash, period_start,
                 start_date, service_provider_id, content_hash, sync_run_id, first_seen_at, updated_at, resource_json,
                 version_run_id)
                VALUES (s.endpoint_id, s.resource_id, s.version_id, s.last_updated, s.status, s.class_code,
                 s.patient_hash, s.period_start, s.start_date, s.service_provider_id, s.content_hash, s.sync_run_id,
                 s.seen_at, s.seen_at, s.resource_json, s.sync_run_id)
            """.formatted(NEWER, moved("patient_hash", "moved_from_patient", "s"), versionRun("s")), H2_DIRECTORY.formatted("organization", NEWER),
            H2_DIRECTORY.formatted("practitioner", NEWER), """
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
            """.formatted(NEWER));
}
