package org.referralmonitor.metrics.report;

import java.util.List;

/**
 * A referring practice's month at a clinic, for the dashboard and the API.
 *
 * @param conversionRate converted / referrals, or null without referrals
 * @param baseline mean referrals per month over the history, or null for a new source
 * @param status NEW, LOW_VOLUME, STEADY or SLOWDOWN
 * @param activeProviders distinct referring providers of the practice with a referral this month
 * @param trend referrals per month, oldest first, ending with this month
 */
public record SourceSummary(String orgKey, String name, String npi, int referrals, int converted,
        Double conversionRate, Double baseline, int historyMonths, String status, Double pValue, int activeProviders,
        List<Integer> trend) {
}
