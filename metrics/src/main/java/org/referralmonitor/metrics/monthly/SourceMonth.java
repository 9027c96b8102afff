package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.YearMonth;

/**
 * One referring practice's month at one clinic, as aggregated, with the names to explain it
 * (columns of {@code source_month}, see its migrations).
 *
 * @param baseline expected referrals for the whole month: {@code average x seasonalFactor}; null for a new source
 * @param average trimmed mean month with seasonality removed
 * @param variance sample variance of the baseline months (seasonality removed)
 * @param previousReferrals the month before's referrals; null when that month's figures are not
 *        computed, it had no baseline, or its feed was suspect
 * @param previousExpected the month before's expected referrals (its baseline); null as above
 * @param previousReciprocity the month before's referrals sent and received, and over its baseline
 *        months; null when its feed was suspect
 */
record SourceMonth(String clinicId, YearMonth month, String orgKey, String name, String npi, int referrals,
        int converted, int historyMonths, Double baseline, Double average, Double variance, double seasonalFactor,
        double exposure, LocalDate lastReferralDate, int recentMonthsBelow, int recentReferrals, Double recentExpected,
        int horizonDays, int convertedHorizon, int baselineReferrals, int baselineConvertedHorizon,
        Double baselineConversion, int cancelled, int visitMissed, int waiting, int noVisit, int sent, int sentBefore,
        int receivedBefore, Integer previousReferrals, Double previousExpected, Reciprocity previousReciprocity) {

    /**
     * What a reciprocity flip is judged on: referrals the clinic sent the practice and received from it
     * in a month, and over the baseline months before it.
     */
    record Reciprocity(int sent, int received, int sentBefore, int receivedBefore) {
    }

    /** This month's reciprocity figures. */
    Reciprocity reciprocity() {
        return new Reciprocity(sent, referrals, sentBefore, receivedBefore);
    }

    /** The same row without the month before (whose figures cannot be trusted). */
    SourceMonth withoutPreviousMonth() {
        return new SourceMonth(clinicId, month, orgKey, name, npi, referrals, converted, historyMonths, baseline,
                average, variance, seasonalFactor, exposure, lastReferralDate, recentMonthsBelow, recentReferrals,
                recentExpected, horizonDays, convertedHorizon, baselineReferrals, baselineConvertedHorizon,
                baselineConversion, cancelled, visitMissed, waiting, noVisit, sent, sentBefore, receivedBefore, null,
                null, null);
    }

    /** A row with the volume figures only; the others empty. For tests and simple callers. */
    static SourceMonth volume(String clinicId, YearMonth month, String orgKey, String name, String npi, int referrals,
            int historyMonths, Double baseline) {
        return new SourceMonth(clinicId, month, orgKey, name, npi, referrals, 0, historyMonths, baseline, baseline,
                baseline, 1.0, 1.0, null, 0, 0, null, 0, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, null, null, null);
    }
}
