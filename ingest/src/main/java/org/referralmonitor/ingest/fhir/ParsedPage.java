package org.referralmonitor.ingest.fhir;

import java.util.List;
import org.referralmonitor.profiles.conformance.Finding;

/**
 * One search page, read.
 *
 * @param resources the kept resources, mapped to rows (duplicates within the page included)
 * @param rejections resources that could not be accepted, for the review table
 * @param nextLink the {@code Bundle.link[next]} URL exactly as the server wrote it, or null
 * @param total {@code Bundle.total} when the server gave it
 * @param entries how many entries the page had
 * @param ignored entries of types we do not keep (OperationOutcome, Patient, ...)
 * @param warnings diagnostics from OperationOutcome entries the server added to the page
 * @param issues deviations from the profiles of resources that were kept (lenient validation)
 */
public record ParsedPage(List<MappedResource> resources, List<Rejection> rejections, String nextLink, Integer total,
        int entries, int ignored, List<String> warnings, List<ResourceIssues> issues) {

    /**
     * A resource that could not be accepted.
     *
     * @param fingerprint for one without type or id: a keyed hash of what arrived
     *     ({@link PatientPseudonymizer#fingerprint}), so the same bad content pulled again updates its
     *     review row instead of adding one; null when type and id identify it
     */
    public record Rejection(String resourceType, String resourceId, String reason, String location,
            String fingerprint) {

        public Rejection(String resourceType, String resourceId, String reason, String location) {
            this(resourceType, resourceId, reason, location, null);
        }
    }

    /** What the validator found in one kept resource. */
    public record ResourceIssues(String resourceType, String resourceId, List<Finding> findings) {
    }
}
