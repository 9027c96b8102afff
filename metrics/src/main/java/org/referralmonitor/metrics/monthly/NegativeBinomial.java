package org.referralmonitor.metrics.monthly;

import org.referralmonitor.metrics.stats.Poisson;

/**
 * Negative binomial tail probabilities for sources whose months vary more than Poisson noise
 * allows (overdispersion): mean {@code m} and shape {@code r}, variance {@code m + m²/r}. Computed
 * by the pmf recursion in log space, like {@link Poisson}.
 */
final class NegativeBinomial {

    private NegativeBinomial() {
    }

    /** The shape that gives {@code variance} at {@code mean}; infinite (Poisson) when not overdispersed. */
    static double shape(double mean, double variance) {
        return variance > mean && mean > 0 ? mean * mean / (variance - mean) : Double.POSITIVE_INFINITY;
    }

    /** One-sided mid-p value for a count this low: P(X &lt; k) + P(X = k) / 2. */
    static double lowerTailMidP(int k, double mean, double shape) {
        if (Double.isInfinite(shape)) {
            return Poisson.lowerTailMidP(k, mean);
        }
        if (k < 0) {
            return 0;
        }
        if (mean <= 0) {
            return k == 0 ? 0.5 : 1;
        }
        double p = shape / (shape + mean);
        double logQ = Math.log1p(-p);
        double logPmf = shape * Math.log(p); // log P(X = 0)
        double below = 0;
        for (int i = 0; i < k; i++) {
            below += Math.exp(logPmf);
            logPmf += Math.log((i + shape) / (i + 1.0)) + logQ;
        }
        return Math.min(1, below + Math.exp(logPmf) / 2);
    }
}
