package org.referralmonitor.ingest.fhir;

/**
 * A FHIR reference reduced to what we can use.
 *
 * @param type the resource type, when known
 * @param id the logical id on this endpoint, when the reference points at this endpoint
 * @param npi a valid NPI carried by an identifier-only or contained reference
 * @param form how the reference was written
 */
public record Ref(String type, String id, String npi, Form form) {

    public enum Form {
        /** {@code Practitioner/123} */
        RELATIVE,
        /** {@code https://this-endpoint/fhir/Practitioner/123} */
        ABSOLUTE,
        /** an absolute URL on another server: not resolvable here */
        FOREIGN,
        /** {@code identifier} only (for example an NPI) */
        IDENTIFIER,
        /** {@code #id} pointing at a contained resource */
        CONTAINED,
        /** only a display text */
        DISPLAY,
        /** no reference at all */
        NONE
    }

    public static final Ref NONE = new Ref(null, null, null, Form.NONE);

    public boolean isLocal() {
        return id != null && (form == Form.RELATIVE || form == Form.ABSOLUTE);
    }

    public boolean is(String resourceType) {
        return resourceType.equals(type);
    }
}
