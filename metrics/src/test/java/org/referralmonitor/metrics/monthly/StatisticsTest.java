package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.stats.Poisson;

class StatisticsTest {

    @Test
    void negativeBinomialMatchesHandComputedValuesAndWidensThePoisson() {
        // mean 10, shape 5 (variance 30): p = 1/3; P(0) = (1/3)^5, P(1) = 5 (1/3)^5 (2/3)
        double p0 = Math.pow(1 / 3.0, 5);
        double p1 = 5 * p0 * (2 / 3.0);
        assertThat(NegativeBinomial.lowerTailMidP(1, 10, 5)).isCloseTo(p0 + p1 / 2, within(1e-12));
        // a month of 4 when 10 are expected is far less surprising from an overdispersed source
        assertThat(NegativeBinomial.lowerTailMidP(4, 10, 5)).isGreaterThan(5 * Poisson.lowerTailMidP(4, 10));
        assertThat(NegativeBinomial.lowerTailMidP(4, 10, Double.POSITIVE_INFINITY))
                .isEqualTo(Poisson.lowerTailMidP(4, 10));
        // a very large shape is a Poisson
        assertThat(NegativeBinomial.lowerTailMidP(4, 10, 1e7)).isCloseTo(Poisson.lowerTailMidP(4, 10), within(1e-5));
        assertThat(NegativeBinomial.shape(10, 30)).isEqualTo(5.0);
        assertThat(NegativeBinomial.shape(10, 8)).isInfinite();
    }

    @Test
    void binomialMatchesHandComputedValues() {
        // Bin(9, 0.5): P(X<3) = (1 + 9 + 36) / 512, P(X=3) = 84 / 512
        assertThat(Binomial.lowerTailMidP(3, 9, 0.5)).isCloseTo((46 + 42) / 512.0, within(1e-12));
        assertThat(Binomial.lowerTailMidP(0, 10, 0.3)).isCloseTo(Math.pow(0.7, 10) / 2, within(1e-12));
        assertThat(Binomial.lowerTailMidP(10, 10, 0.3)).isBetween(0.99, 1.0);
        assertThat(Binomial.lowerTailMidP(400, 1000, 0.5)).isLessThan(1e-9);
    }

    @Test
    void dispersionTellsPoissonNoiseFromMonthsThatVaryMore() {
        assertThat(Dispersion.normalQuantile(0.975)).isCloseTo(1.959964, within(1e-6));
        // chi-square 0.95 quantiles: 11 df 19.675, 5 df 11.070
        assertThat(Dispersion.chiSquareQuantile(0.95, 11)).isCloseTo(19.675, within(0.1));
        assertThat(Dispersion.chiSquareQuantile(0.95, 5)).isCloseTo(11.070, within(0.1));
        assertThat(Dispersion.overdispersed(12, 10, 12, 0.05)).as("11 x 1.2 = 13.2 < 19.7").isFalse();
        assertThat(Dispersion.overdispersed(12, 10, 30, 0.05)).as("11 x 3 = 33 > 19.7").isTrue();
        assertThat(Dispersion.overdispersed(12, 10, 8, 0.05)).isFalse();
        // trimmed months: a variance of 5.7 of 12 Poisson(10) months is ordinary, 20 is not
        assertThat(Dispersion.untrimmedVariance(12, 5.7)).isCloseTo(10.0, within(0.01));
        assertThat(Dispersion.overdispersedTrimmed(12, 10, 5.7, 0.05)).isFalse();
        assertThat(Dispersion.overdispersedTrimmed(12, 10, 20, 0.05)).isTrue();
    }
}
