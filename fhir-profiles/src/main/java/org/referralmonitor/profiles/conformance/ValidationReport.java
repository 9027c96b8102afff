package org.referralmonitor.profiles.conformance;

import java.util.List;

/**
 * What the monitor makes of one resource.
 *
 * @param profile the profile it was checked against, or null for a type the monitor does not use
 * @param conforms no error against the profile
 * @param countable conforms and is something the monitor counts (a ServiceRequest must also be a referral)
 */
public record ValidationReport(String resourceType, String resourceId, String profile, boolean conforms,
        boolean countable, List<Finding> findings) {

    public List<Finding> errors() {
        return findings.stream().filter(f -> f.severity() == Finding.Severity.ERROR).toList();
    }

    public List<Finding> deviations() {
        return findings.stream().filter(f -> f.severity() != Finding.Severity.INFORMATION).toList();
    }
}
