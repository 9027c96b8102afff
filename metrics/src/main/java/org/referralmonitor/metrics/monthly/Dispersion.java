package org.referralmonitor.metrics.monthly;

/**
 * Whether a source's months vary more than Poisson noise: the index of dispersion test. With
 * {@code n} months of mean {@code m} and sample variance {@code v}, {@code (n - 1) v / m} follows a
 * chi-square with {@code n - 1} degrees of freedom when the months are Poisson; above its
 * {@code 1 - alpha} quantile the months are overdispersed and a negative binomial with that
 * variance replaces the Poisson in the slowdown test.
 *
 * <p>When the baseline is trimmed, the variance is that of the months without the highest and the
 * lowest, which is smaller than the months' variance by a known factor (simulated for Poisson and
 * normal months alike, {@link #TRIMMED_VARIANCE_SHARE}); it is scaled back, and the test has
 * {@code n - 3} degrees of freedom.
 */
final class Dispersion {

    /** E[variance of n months without the highest and lowest] / variance, for n = 5 to 24. */
    static final double[] TRIMMED_VARIANCE_SHARE = {0.36, 0.41, 0.45, 0.48, 0.51, 0.53, 0.55, 0.57, 0.59, 0.61, 0.62,
        0.64, 0.65, 0.66, 0.67, 0.68, 0.69, 0.70, 0.71, 0.71};

    private Dispersion() {
    }

    static boolean overdispersed(int months, double mean, double variance, double alpha) {
        if (months < 3 || mean <= 0 || variance <= mean) {
            return false;
        }
        int df = months - 1;
        return df * variance / mean > chiSquareQuantile(1 - alpha, df);
    }

    /** The months' variance estimated from the variance of the trimmed months. */
    static double untrimmedVariance(int months, double trimmedVariance) {
        int i = Math.max(0, Math.min(TRIMMED_VARIANCE_SHARE.length - 1, months - 5));
        return trimmedVariance / TRIMMED_VARIANCE_SHARE[i];
    }

    /** The dispersion test on the trimmed months' variance: {@code months} before trimming, at least 5. */
    static boolean overdispersedTrimmed(int months, double mean, double trimmedVariance, double alpha) {
        return overdispersed(months - 2, mean, untrimmedVariance(months, trimmedVariance), alpha);
    }

    /** Wilson-Hilferty approximation of the chi-square quantile (within about 1% from 2 degrees of freedom). */
    static double chiSquareQuantile(double probability, int df) {
        double z = normalQuantile(probability);
        double a = 2.0 / (9.0 * df);
        double cube = 1 - a + z * Math.sqrt(a);
        return df * cube * cube * cube;
    }

    /** Standard normal quantile, Acklam's rational approximation (relative error below 1.2e-9). */
    static double normalQuantile(double p) {
        if (p <= 0 || p >= 1) {
            throw new IllegalArgumentException("probability must be in (0, 1): " + p);
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -normalQuantile(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
