package org.referralmonitor.ingest.fhir;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.springframework.stereotype.Component;

/**
 * Turns a parsed FHIR resource into the row we keep. Keeps only what counting needs: no patient
 * names, birth dates, notes or narrative; the patient reference only as a keyed hash.
 */
@Component
public class ResourceMapper {

    /** The resource types a sync keeps; anything else in a Bundle is ignored. */
    public static final List<String> KEPT_TYPES =
            List.of("ServiceRequest", "Encounter", "Organization", "Practitioner", "PractitionerRole");

    private final PatientPseudonymizer pseudonymizer;
    private final ReferralClassifier classifier;
    private final ResourceSanitizer sanitizer;

    /** {@link PatientPseudonymizer#fingerprint}. */
    public String fingerprint(String endpointId, String content) {
        return pseudonymizer.fingerprint(endpointId, content);
    }

    public ResourceMapper(PatientPseudonymizer pseudonymizer, ReferralClassifier classifier, ResourceSanitizer sanitizer) {
        this.pseudonymizer = pseudonymizer;
        this.classifier = classifier;
        this.sanitizer = sanitizer;
    }

    /**
     * @param resource the parsed resource
     * @param json the same resource as received, from which the kept JSON is made
     */
    public MappedResource map(Resource resource, ObjectNode json, MappingContext ctx) throws RejectedResourceException {
        if (resource instanceof ServiceRequest sr) {
            return referral(sr, json, ctx);
        } else if (resource instanceof Encounter e) {
            return visit(e, json, ctx);
        } else if (resource instanceof Organization o) {
            String id = requireId(o);
            String npi = References.npi(o.getIdentifier()).orElse(null);
            return directory(o, ctx, id, o.getName(), npi, o.hasActive() ? o.getActive() : null);
        } else if (resource instanceof Practitioner p) {
            String id = requireId(p);
            String npi = References.npi(p.getIdentifier()).orElse(null);
            String name = p.hasName() ? p.getNameFirstRep().getNameAsSingleString() : null;
            return directory(p, ctx, id, name, npi, p.hasActive() ? p.getActive() : null);
        } else if (resource instanceof PractitionerRole role) {
            return role(role, ctx);
        }
        throw new IllegalArgumentException("Not a kept resource type: " + resource.fhirType());
    }

    private MappedResource referral(ServiceRequest sr, ObjectNode json, MappingContext ctx) throws RejectedResourceException {
        String id = requireId(sr);
        if (!sr.hasStatus()) {
            throw reject(sr, id, "has no status, so it cannot be told apart from a draft or cancelled request",
                    "ServiceRequest.status");
        }
        if (!sr.hasAuthoredOn()) {
            throw reject(sr, id, "has no authoredOn date, so it cannot be counted in any month",
                    "ServiceRequest.authoredOn");
        }
        LocalDate authoredDate = localDate(sr.getAuthoredOnElement(), ctx);
        if (authoredDate == null) {
            throw reject(sr, id, "has authoredOn '" + sr.getAuthoredOnElement().getValueAsString()
                    + "' without a month, so it cannot be counted in any month", "ServiceRequest.authoredOn");
        }
        OffsetDateTime authoredOn = instant(sr.getAuthoredOnElement(), authoredDate, ctx);
        List<Resource> contained = sr.getContained();
        Ref requester = impersonal(References.parse(sr.getRequester(), ctx.base(), contained));
        Ref performer = sr.hasPerformer()
                ? impersonal(References.parse(sr.getPerformerFirstRep(), ctx.base(), contained)) : Ref.NONE;
        Ref encounter = References.parse(sr.getEncounter(), ctx.base(), contained);
        String patientHash = pseudonymizer.hash(ctx.endpointId(), sr.getSubject(), ctx.base());
        boolean isReferral = classifier.isReferral(sr, ctx.rule());
        String versionId = sr.getMeta().getVersionId();
        OffsetDateTime lastUpdated = utc(sr.getMeta().getLastUpdated());
        String status = sr.getStatus().toCode();
        String intent = sr.hasIntent() ? sr.getIntent().toCode() : null;
        String encounterId = encounter.isLocal() && encounter.is("Encounter") ? encounter.id() : null;
        String kept = sanitizer.sanitize(json, patientHash);
        return new MappedResource.ReferralRow(ctx.endpointId(), id, versionId, lastUpdated, status, intent,
                authoredOn, authoredDate, patientHash, requester, performer, encounterId, isReferral,
                ctx.rule().label(), contentHash(kept, ctx.rule().label(), ctx), kept, statusReason(sr));
    }

    /** A reference to a patient or a related person keeps only the type it names: no id, no identifier. */
    static Ref impersonal(Ref ref) {
        return ref.type() != null && ResourceSanitizer.PERSONAL.contains(ref.type())
                ? new Ref(ref.type(), null, null, Ref.Form.NONE) : ref;
    }

    /** R4 core extension on request resources saying why their status is what it is (ServiceRequest has no element). */
    static final String STATUS_REASON_URL = "http://hl7.org/fhir/StructureDefinition/request-statusReason";

    /** The coded reason for the status (display, else code; never free text), at most 200 characters. */
    static String statusReason(ServiceRequest sr) {
        org.hl7.fhir.r4.model.Extension ext = sr.getExtensionByUrl(STATUS_REASON_URL);
        if (ext == null || !(ext.getValue() instanceof org.hl7.fhir.r4.model.CodeableConcept reason)) {
            return null;
        }
        return reason.getCoding().stream()
                .map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode())
                .filter(x -> x != null && !x.isBlank())
                .map(x -> x.strip().length() > 200 ? x.strip().substring(0, 200) : x.strip())
                .findFirst().orElse(null);
    }

    private MappedResource visit(Encounter e, ObjectNode json, MappingContext ctx) throws RejectedResourceException {
        String id = requireId(e);
        if (!e.hasStatus()) {
            throw reject(e, id, "has no status, so it cannot be told whether the visit took place", "Encounter.status");
        }
        OffsetDateTime start = null;
        LocalDate startDate = null;
        if (e.hasPeriod() && e.getPeriod().hasStart()) {
            startDate = localDate(e.getPeriod().getStartElement(), ctx);
            if (startDate != null) {
                start = instant(e.getPeriod().getStartElement(), startDate, ctx);
            }
        }
        List<String> basedOn = e.getBasedOn().stream()
                .map(r -> References.parse(r, ctx.base(), e.getContained()))
                .filter(r -> r.isLocal() && r.is("ServiceRequest"))
                .map(Ref::id)
                .distinct()
                .sorted()
                .toList();
        Ref provider = References.parse(e.getServiceProvider(), ctx.base(), e.getContained());
        String providerId = provider.isLocal() && provider.is("Organization") ? provider.id() : null;
        String patientHash = pseudonymizer.hash(ctx.endpointId(), e.getSubject(), ctx.base());
        String classCode = e.hasClass_() ? e.getClass_().getCode() : null;
        String versionId = e.getMeta().getVersionId();
        OffsetDateTime lastUpdated = utc(e.getMeta().getLastUpdated());
        String status = e.getStatus().toCode();
        String kept = sanitizer.sanitize(json, patientHash);
        return new MappedResource.VisitRow(ctx.endpointId(), id, versionId, lastUpdated, status, classCode,
                patientHash, start, startDate, providerId, basedOn, contentHash(kept, null, ctx), kept);
    }

    private MappedResource directory(Resource r, MappingContext ctx, String id, String name, String npi,
            Boolean active) {
        String sourceKey = npi != null ? "npi:" + npi : ctx.endpointId() + "/" + r.fhirType() + "/" + id;
        String versionId = r.getMeta().getVersionId();
        OffsetDateTime lastUpdated = utc(r.getMeta().getLastUpdated());
        String hash = Hashing.sha256(versionId, lastUpdated, name, npi, active, sourceKey);
        return new MappedResource.DirectoryRow(r.fhirType(), ctx.endpointId(), id, versionId, lastUpdated,
                truncate(name, 300), npi, active, sourceKey, hash);
    }

    private MappedResource role(PractitionerRole role, MappingContext ctx) throws RejectedResourceException {
        String id = requireId(role);
        Ref practitioner = References.parse(role.getPractitioner(), ctx.base(), role.getContained());
        Ref organization = References.parse(role.getOrganization(), ctx.base(), role.getContained());
        String practitionerId = practitioner.isLocal() ? practitioner.id() : null;
        String organizationId = organization.isLocal() ? organization.id() : null;
        Boolean active = role.hasActive() ? role.getActive() : null;
        String versionId = role.getMeta().getVersionId();
        OffsetDateTime lastUpdated = utc(role.getMeta().getLastUpdated());
        String hash = Hashing.sha256(versionId, lastUpdated, practitionerId, organizationId, active);
        return new MappedResource.RoleRow(ctx.endpointId(), id, versionId, lastUpdated, practitionerId,
                organizationId, active, hash);
    }

    /**
     * A row is rewritten when what it was made from changes: the kept JSON, the rule that classified
     * it, the time zone its months are counted in.
     */
    public static String contentHash(String keptJson, String rule, MappingContext ctx) {
        return contentHash(keptJson, rule, ctx.zone());
    }

    public static String contentHash(String keptJson, String rule, java.time.ZoneId zone) {
        return Hashing.sha256(keptJson, rule, zone.getId());
    }

    private static String requireId(Resource r) throws RejectedResourceException {
        if (!r.hasIdElement() || r.getIdElement().getIdPart() == null || r.getIdElement().getIdPart().isBlank()) {
            throw new RejectedResourceException(r.fhirType(), null,
                    "A " + r.fhirType() + " without an id cannot be stored: a later update could not be matched to it",
                    r.fhirType() + ".id");
        }
        String id = r.getIdElement().getIdPart();
        if (id.length() > 64) {
            throw new RejectedResourceException(r.fhirType(), id.substring(0, 64),
                    r.fhirType() + " id is " + id.length() + " characters long; FHIR ids have at most 64",
                    r.fhirType() + ".id");
        }
        return id;
    }

    private static RejectedResourceException reject(Resource r, String id, String what, String location) {
        return new RejectedResourceException(r.fhirType(), id, r.fhirType() + " " + id + " " + what, location);
    }

    /** The calendar date in the clinic's time zone; date-only values are taken as written. */
    static LocalDate localDate(BaseDateTimeType value, MappingContext ctx) {
        String text = value.getValueAsString();
        switch (value.getPrecision()) {
            case YEAR:
                return null;
            case MONTH:
                return YearMonth.parse(text.substring(0, 7)).atDay(1);
            case DAY:
                return LocalDate.parse(text.substring(0, 10));
            default:
                return value.getValue().toInstant().atZone(ctx.zone()).toLocalDate();
        }
    }

    private static OffsetDateTime instant(BaseDateTimeType value, LocalDate date, MappingContext ctx) {
        return switch (value.getPrecision()) {
            case YEAR, MONTH, DAY -> date.atStartOfDay(ctx.zone()).toOffsetDateTime();
            default -> value.getValue().toInstant().atOffset(ZoneOffset.UTC);
        };
    }

    private static OffsetDateTime utc(Date date) {
        return date == null ? null : date.toInstant().atOffset(ZoneOffset.UTC);
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
