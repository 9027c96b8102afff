package org.referralmonitor.profiles.conformance;

/**
 * One thing the validator found, said plainly.
 *
 * @param severity ERROR (the resource does not conform), WARNING or INFORMATION
 * @param message what is wrong and why it matters, for a clinic's IT person
 * @param location where, as a FHIRPath expression, for experts
 * @param rule the profile rule or validator message id behind it
 * @param detail the validator's own words
 */
public record Finding(Severity severity, String message, String location, String rule, String detail) {

    public enum Severity { ERROR, WARNING, INFORMATION }
}
