package org.referralmonitor.metrics.report;

/**
 * A referring provider's month at a clinic, within its practice.
 *
 * @param practitionerKey 'npi:...' or '&lt;endpoint&gt;/Practitioner/&lt;id&gt;'
 * @param baseline referrals expected of this provider for the whole month, or null without enough history
 */
public record ProviderSummary(String orgKey, String practitionerKey, String name, String npi, int referrals,
        int cancelled, int patients, int converted, Double conversionRate, Double medianDaysToVisit, Double baseline,
        int historyMonths) {
}
