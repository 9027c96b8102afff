package org.referralmonitor.metrics.outreach;

import java.time.YearMonth;
import java.util.List;

/**
 * What outreach brought a clinic: its contacted practices' referrals after the first contact against
 * before, next to the same for practices that were flagged but nobody contacted (they recover too,
 * sometimes on their own: the difference is the estimate, not a controlled experiment).
 *
 * @param through the newest final month counted, or null when no month is final yet
 * @param contacted practices contacted, first contact first
 * @param comparison practices with a volume alert and no contact
 * @param contactedChange mean change in referrals a month of the contacted practices with months on both sides
 * @param comparisonChange the same for the comparison; null when it has none
 * @param extraReferrals sum of the contacted practices' extra referrals (net of the comparison's change)
 * @param revenue sum of their revenue, where known
 * @param valuePerConversion what a converted referral is worth to the clinic
 * @param beforeMonths final months before the first contact's month that make the "before"
 * @param afterMonths final months after it counted at most
 */
public record OutreachReturn(YearMonth through, List<SourceReturn> contacted, List<SourceReturn> comparison,
        Double contactedChange, Double comparisonChange, double extraReferrals, double revenue,
        double valuePerConversion, int beforeMonths, int afterMonths) {

    /** Contacted practices with at least one final month on each side. */
    public long measured() {
        return contacted.stream().filter(s -> s.change() != null).count();
    }
}
