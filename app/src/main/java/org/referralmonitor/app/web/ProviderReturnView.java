package org.referralmonitor.app.web;

import org.referralmonitor.metrics.outreach.ProviderReturn;

/** A contacted provider's referrals a month before and after, as the source page words them. */
record ProviderReturnView(ProviderReturn ret) {

    public String name() {
        return ret.name() != null ? ret.name() : ret.practitionerKey();
    }

    public String before() {
        return ret.perMonthBefore() == null ? Format.NONE : Format.expected(ret.perMonthBefore());
    }

    public String after() {
        return ret.perMonthAfter() == null ? "too early" : Format.expected(ret.perMonthAfter());
    }

    public String change() {
        return OutreachReturnView.signed(ret.change());
    }
}
