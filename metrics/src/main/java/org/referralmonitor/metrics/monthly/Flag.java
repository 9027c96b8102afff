package org.referralmonitor.metrics.monthly;

/**
 * One thing worth telling a coordinator about a source's month, with the numbers behind it.
 *
 * @param observed what was counted (referrals, conversions or referrals sent, by kind)
 * @param expected what was expected instead
 * @param pValue one-sided chance of something this far off if nothing changed; null when no test applies
 * @param revenueAtRisk expected lost referrals x conversion rate x value per converted referral; null when unknown
 * @param months the months observed and expected span, ending with the month judged
 */
record Flag(Kind kind, int observed, double expected, Double pValue, String explanation, Double revenueAtRisk,
        int months) {

    /** A flag about the month judged alone. */
    Flag(Kind kind, int observed, double expected, Double pValue, String explanation, Double revenueAtRisk) {
        this(kind, observed, expected, pValue, explanation, revenueAtRisk, 1);
    }

    enum Kind {
        /** Significantly fewer referrals than expected this month. */
        SLOWDOWN,
        /** No referral for gone-dark-days from a source that sends several a month. */
        GONE_DARK,
        /** Below expected several months running, significantly so together. */
        SUSTAINED_DECLINE,
        /** Significantly fewer referrals seen than the source's own rate. */
        CONVERSION_COLLAPSE,
        /** We now send them clearly more referrals than they send us. */
        RECIPROCITY_FLIP;

        /** Kinds about how many referrals arrive: at most one of them is raised per source and month. */
        boolean volume() {
            return this == SLOWDOWN || this == GONE_DARK || this == SUSTAINED_DECLINE;
        }
    }
}
