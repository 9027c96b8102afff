package org.referralmonitor.ingest.fhir;

/** A resource we cannot accept: goes to the review table with a plain-language reason. */
public class RejectedResourceException extends Exception {

    private final String resourceType;
    private final String resourceId;
    private final String location;

    public RejectedResourceException(String resourceType, String resourceId, String reason, String location) {
        super(reason);
        this.resourceType = resourceType;
        this.resourceId = resourceId;
        this.location = location;
    }

    public String resourceType() {
        return resourceType;
    }

    public String resourceId() {
        return resourceId;
    }

    /** FHIRPath of the offending element, for experts. */
    public String location() {
        return location;
    }
}
