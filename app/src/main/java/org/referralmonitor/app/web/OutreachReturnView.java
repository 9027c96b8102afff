package org.referralmonitor.app.web;

import java.util.List;
import java.util.Locale;
import org.referralmonitor.metrics.outreach.OutreachReturn;
import org.referralmonitor.metrics.outreach.SourceReturn;

/** The return on outreach as the clinic page words it. */
record OutreachReturnView(OutreachReturn result) {

    /** One contacted practice's row. */
    record Row(SourceReturn source) {

        public String name() {
            return source.sourceName() != null ? source.sourceName() : source.orgKey();
        }

        public String before() {
            return source.perMonthBefore() == null ? Format.NONE : Format.expected(source.perMonthBefore());
        }

        public String after() {
            return source.perMonthAfter() == null ? "too early" : Format.expected(source.perMonthAfter());
        }

        public String extra() {
            return signed(source.extraReferrals());
        }

        public String revenue() {
            return Format.money(source.revenue());
        }
    }

    public List<Row> rows() {
        return result.contacted().stream().map(Row::new).toList();
    }

    public boolean empty() {
        return result.contacted().isEmpty();
    }

    /**
     * "3 practices contacted, 2 with final months on both sides: 4.5 more referrals a month each after the
     * first contact than in the 3 months before; flagged practices nobody contacted: +1.0 a month (2). About
     * 12 referrals more than without outreach, worth about $1,500."
     */
    public String summary() {
        long contacted = result.contacted().size();
        long measured = result.measured();
        StringBuilder s = new StringBuilder();
        s.append(contacted).append(contacted == 1 ? " practice" : " practices").append(" contacted");
        if (measured == 0) {
            return s.append("; none has a final month after its first contact yet: too early to tell.").toString();
        }
        s.append(", ").append(measured).append(" with final months on both sides: ")
                .append(perMonth(result.contactedChange())).append(" a month each after the first contact than in the ")
                .append(result.beforeMonths()).append(result.beforeMonths() == 1 ? " month before; " : " months before; ");
        if (result.comparisonChange() == null) {
            s.append("no flagged practice went without contact to compare with, so the change is counted as it is. ");
        } else {
            long compared = result.comparison().stream().filter(c -> c.change() != null).count();
            s.append("flagged practices nobody contacted: ").append(signed(result.comparisonChange()))
                    .append(" a month (").append(compared).append("), taken off. ");
        }
        s.append("About ").append(String.format(Locale.US, "%.0f", Math.abs(result.extraReferrals())))
                .append(result.extraReferrals() >= 0 ? " referrals more" : " referrals fewer")
                .append(" than without outreach");
        if (result.revenue() > 0) {
            s.append(", worth about ").append(Format.money(result.revenue())).append(" at ")
                    .append(Format.money(result.valuePerConversion())).append(" per converted referral");
        }
        return s.append(".").toString();
    }

    private static String perMonth(Double change) {
        if (change == null) {
            return Format.NONE;
        }
        String n = String.format(Locale.US, "%.1f", Math.abs(change));
        return n + (change >= 0 ? " more referrals" : " fewer referrals");
    }

    static String signed(Double x) {
        return x == null ? Format.NONE : String.format(Locale.US, "%+.1f", x);
    }
}
