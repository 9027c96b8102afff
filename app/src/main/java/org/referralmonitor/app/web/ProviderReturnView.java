package org.referralmonitor.app.web;

import org.referralmonitor.metrics.outreach.ProviderReturn;

/** A contacted provider's referrals a month before and after, as the source page words them. */
record ProviderReturnView(ProviderReturn ret) {

    public String name() {
        return ret.name() != null ? ret.name() : ret.practitionerKey();
    }

    /** "1.3 (3 months)", or "none before" (no final month before the contact with referrals from them). */
    public String before() {
        return ret.perMonthBefore() == null ? "none before" : over(ret.perMonthBefore(), ret.monthsBefore());
    }

    /** "4.0 (3 months)", or "too early" (no final month after the contact's month yet). */
    public String after() {
        return ret.perMonthAfter() == null ? "too early" : over(ret.perMonthAfter(), ret.monthsAfter());
    }

    private static String over(double perMonth, int months) {
        return Format.expected(perMonth) + " (" + months + (months == 1 ? " month)" : " months)");
    }

    public String change() {
        return OutreachReturnView.signed(ret.change());
    }
}
