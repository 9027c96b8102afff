package org.referralmonitor.metrics.report;

import java.util.List;
import java.util.Map;

/**
 * A referring practice's month at a clinic, for the dashboard and the API.
 *
 * @param referrals referrals received (cancelled ones included)
 * @param converted referrals with an attended visit within the conversion window
 * @param conversionRate converted / referrals, or null without referrals
 * @param baseline referrals expected for the whole month (trimmed average x seasonal factor), or null for a new
 *     source
 * @param status NEW, LOW_VOLUME, STEADY or SLOWDOWN
 * @param activeProviders distinct referring providers of the practice with a referral this month
 * @param trend referrals per month, oldest first, ending with this month
 * @param provisional the month is younger than provisional-days after its end: figures may change, no alerts
 * @param patients distinct patients referred
 * @param medianDaysToVisit median days from referral to the first attended visit, of the converted referrals
 * @param p90DaysToVisit 90th percentile of the same
 * @param notConverted why the other referrals did not convert
 * @param sent referrals the clinic sent this practice this month
 * @param sentReceivedRatio sent / referrals received, or null when none received
 * @param baselineAverage trimmed average month with seasonality removed
 * @param seasonalFactor this calendar month vs the clinic's average month (1 without 24 months of history)
 * @param baselineConversion the practice's conversion rate over its baseline months (referrals whose window is over)
 * @param fixedBaseline referrals expected this month by the baseline fixed for the clinic (seasonal factor applied),
 *     or null when none is fixed or the source had none then
 * @param flags alert kinds raised for the month (SLOWDOWN, GONE_DARK, SUSTAINED_DECLINE, CONVERSION_COLLAPSE,
 *     RECIPROCITY_FLIP)
 * @param revenueAtRisk the largest revenue at risk among the flags
 */
public record SourceSummary(String orgKey, String name, String npi, int referrals, int converted,
        Double conversionRate, Double baseline, int historyMonths, String status, Double pValue, int activeProviders,
        List<Integer> trend, boolean provisional, int patients, Double medianDaysToVisit, Double p90DaysToVisit,
        NotConverted notConverted, int sent, Double sentReceivedRatio, Double baselineAverage, double seasonalFactor,
        Double baselineConversion, Double fixedBaseline, List<String> flags, Double revenueAtRisk) {

    /** The key of referrals no practice could be credited with. */
    public static final String UNATTRIBUTED = "unknown";

    /** The practice as people read it: its name, else its key; referrals credited to none as such. */
    public String displayName() {
        return displayName(orgKey, name);
    }

    /** A practice as people read it, from its key and its name in the directory (or null). */
    public static String displayName(String orgKey, String name) {
        if (UNATTRIBUTED.equals(orgKey)) {
            return "Unattributed referrals";
        }
        return name != null ? name : orgKey;
    }

    /**
     * Why referrals of the month did not convert; with {@code converted} they add up to the referrals.
     *
     * @param cancelled revoked or cancelled (and not converted)
     * @param cancelReasons the cancelled ones by the reason the EMR gave ("not given" without one)
     * @param visitMissed a visit was booked and then cancelled, or its day passed without the patient
     * @param waiting the conversion window is not over yet
     * @param noVisit the window is over and no visit took place
     */
    public record NotConverted(int cancelled, Map<String, Integer> cancelReasons, int visitMissed, int waiting,
            int noVisit) {
    }
}
