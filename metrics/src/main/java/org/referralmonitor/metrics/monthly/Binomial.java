package org.referralmonitor.metrics.monthly;

/** Binomial tail probabilities, in log space, for testing a conversion rate against its baseline. */
final class Binomial {

    private Binomial() {
    }

    /** One-sided mid-p value for this few successes: P(X &lt; k) + P(X = k) / 2 with X ~ Bin(n, p). */
    static double lowerTailMidP(int k, int n, double p) {
        if (k < 0) {
            return 0;
        }
        if (k > n) {
            return 1;
        }
        if (p <= 0) {
            return k == 0 ? 0.5 : 1;
        }
        if (p >= 1) {
            return k == n ? 0.5 : 0;
        }
        double logOdds = Math.log(p) - Math.log1p(-p);
        double logPmf = n * Math.log1p(-p); // log P(X = 0)
        double below = 0;
        for (int i = 0; i < k; i++) {
            below += Math.exp(logPmf);
            logPmf += Math.log((n - i) / (i + 1.0)) + logOdds;
        }
        return Math.min(1, below + Math.exp(logPmf) / 2);
    }
}
