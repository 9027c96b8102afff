package org.referralmonitor.metrics.monthly;

import java.util.List;
import java.util.Objects;

/**
 * The verdict on one practice's month.
 *
 * @param expected referrals expected by now (the whole month once it is over)
 * @param pValue chance of a month this low if nothing changed (Poisson, or negative binomial when overdispersed)
 * @param flags what to tell a coordinator; at most one volume flag
 * @param alertable the flags may open alerts (a final, recent month whose feed is not suspect)
 * @param held the month could raise alerts but the clinic's feed is suspect: alerts wait
 */
record Evaluation(SourceMonth row, Status status, Double expected, Double pValue, List<Flag> flags, boolean alertable,
        boolean held) {

    Evaluation {
        flags = List.copyOf(flags);
    }

    enum Status {
        /** Not enough history for a baseline: shown as new, never flagged. */
        NEW,
        /** Too few referrals expected for a drop to be told from chance. */
        LOW_VOLUME,
        STEADY,
        /** A volume flag: slowdown, gone dark or sustained decline. */
        SLOWDOWN
    }

    /** Revenue at risk of the source this month: the largest of its flags'. */
    Double revenueAtRisk() {
        return flags.stream().map(Flag::revenueAtRisk).filter(Objects::nonNull).max(Double::compare)
                .orElse(null);
    }
}
