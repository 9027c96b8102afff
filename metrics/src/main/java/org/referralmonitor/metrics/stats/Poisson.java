package org.referralmonitor.metrics.stats;

/**
 * Poisson tail probabilities, computed in log space so that large expectations do not underflow.
 * Shared by the monthly rules and the feed check, which tests a clinic's total the same way.
 */
public final class Poisson {

    private Poisson() {
    }

    /**
     * One-sided mid-p value for a count this low: P(X &lt; k) + P(X = k) / 2 with X ~ Poisson(mean).
     * The mid-p corrects the conservatism of the exact test for discrete counts (Lancaster), so a
     * 50% drop at a ten-a-month source (5 vs 10, mid-p 0.048) is not dismissed as noise.
     */
    public static double lowerTailMidP(int k, double mean) {
        if (k < 0) {
            return 0;
        }
        if (mean <= 0) {
            return k == 0 ? 0.5 : 1;
        }
        double logMean = Math.log(mean);
        double logPmf = -mean; // log P(X = 0)
        double below = 0;
        for (int i = 0; i < k; i++) {
            below += Math.exp(logPmf);
            logPmf += logMean - Math.log(i + 1.0);
        }
        return Math.min(1, below + Math.exp(logPmf) / 2);
    }
}
