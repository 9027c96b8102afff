package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;

/**
 * A practice's referrals before and after the clinic turned to it: its first logged contact, or (for
 * the comparison) the month after its first volume alert when nobody contacted it. The month of the
 * contact itself belongs to neither side.
 *
 * @param contacted whether the clinic reached out (else: flagged, never contacted)
 * @param since the day of the first contact, or the first day of the first alert's month
 * @param monthsBefore final months counted before (up to {@code outreach-before-months})
 * @param monthsAfter final months counted after (up to {@code outreach-after-months}); 0: too early to tell
 * @param perMonthBefore referrals a month before, or null without months before
 * @param perMonthAfter referrals a month after, or null without months after
 * @param conversion the practice's usual conversion rate (its latest baseline's), or null
 * @param extraReferrals (after - before) a month x months after, net of what flagged practices nobody contacted
 *     gained over the same span when there are any; null without months on both sides
 * @param revenue extra referrals x conversion x value per converted referral; null when either is unknown
 */
public record SourceReturn(String orgKey, String sourceName, boolean contacted, LocalDate since, int contacts,
        int monthsBefore, int referralsBefore, int monthsAfter, int referralsAfter, Double perMonthBefore,
        Double perMonthAfter, Double conversion, Double extraReferrals, Double revenue) {

    /** Referrals a month after minus before; null when either side has no month. */
    public Double change() {
        return perMonthBefore == null || perMonthAfter == null ? null : perMonthAfter - perMonthBefore;
    }
}
