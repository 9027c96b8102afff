package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;

/**
 * A referring provider's referrals before and after the clinic's first logged contact with them,
 * within their practice: final months only, the month of the contact on neither side, a month
 * without figures counting 0, months before the provider's first referral not counting. Not netted
 * against anything: there is no comparison of providers nobody contacted.
 *
 * @param name the provider's name in the directory, or null
 * @param since the day of the first contact with the provider
 * @param contacts contacts logged with the provider
 * @param monthsBefore final months counted before (up to {@code outreach-before-months})
 * @param monthsAfter final months counted after (up to {@code outreach-after-months}); 0: too early to tell
 */
public record ProviderReturn(String practitionerKey, String name, LocalDate since, int contacts, int monthsBefore,
        int referralsBefore, int monthsAfter, int referralsAfter) {

    /** Referrals a month before, or null without months before. */
    public Double perMonthBefore() {
        return monthsBefore == 0 ? null : referralsBefore / (double) monthsBefore;
    }

    /** Referrals a month after, or null without months after. */
    public Double perMonthAfter() {
        return monthsAfter == 0 ? null : referralsAfter / (double) monthsAfter;
    }

    /** Referrals a month after minus before; null when either side has no month. */
    public Double change() {
        Double before = perMonthBefore();
        Double after = perMonthAfter();
        return before == null || after == null ? null : after - before;
    }
}
