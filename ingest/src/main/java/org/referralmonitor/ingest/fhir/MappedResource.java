package org.referralmonitor.ingest.fhir;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;

/** A received FHIR resource reduced to the rows we keep. */
public sealed interface MappedResource {

    String resourceType();

    String endpointId();

    String resourceId();

    /** {@code meta.versionId}, or null. */
    String versionId();

    /** {@code meta.lastUpdated}, or null. */
    OffsetDateTime lastUpdated();

    /**
     * A ServiceRequest, with its JSON as kept (see {@link ResourceSanitizer}).
     *
     * @param statusReason why it was revoked, as the EMR coded it (extension request-statusReason), or null
     */
    record ReferralRow(String endpointId, String resourceId, String versionId, OffsetDateTime lastUpdated,
            String status, String intent, OffsetDateTime authoredOn, LocalDate authoredDate, String patientHash,
            Ref requester, Ref performer, String encounterId, boolean referral, String classifiedBy,
            String contentHash, String json, String statusReason) implements MappedResource {

        @Override
        public String resourceType() {
            return "ServiceRequest";
        }
    }

    /** An Encounter, with its JSON as kept (see {@link ResourceSanitizer}). */
    record VisitRow(String endpointId, String resourceId, String versionId, OffsetDateTime lastUpdated,
            String status, String classCode, String patientHash, OffsetDateTime periodStart, LocalDate startDate,
            String serviceProviderId, List<String> basedOnReferralIds, String contentHash, String json)
            implements MappedResource {

        @Override
        public String resourceType() {
            return "Encounter";
        }
    }

    /** An Organization or a Practitioner: a practice or provider that can be credited with referrals. */
    record DirectoryRow(String resourceType, String endpointId, String resourceId, String versionId,
            OffsetDateTime lastUpdated, String name, String npi, Boolean active, String sourceKey,
            String contentHash) implements MappedResource {
    }

    /** A PractitionerRole: which practitioner works for which organization. */
    record RoleRow(String endpointId, String resourceId, String versionId, OffsetDateTime lastUpdated,
            String practitionerId, String organizationId, Boolean active, String contentHash)
            implements MappedResource {

        @Override
        public String resourceType() {
            return "PractitionerRole";
        }
    }
}
