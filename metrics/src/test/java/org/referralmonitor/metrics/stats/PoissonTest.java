package org.referralmonitor.metrics.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PoissonTest {

    @Test
    void midPMatchesHandComputedValues() {
        // P(X<5 | 10) = 0.029253, P(X=5 | 10) = 0.037833
        assertThat(Poisson.lowerTailMidP(5, 10)).isCloseTo(0.029253 + 0.037833 / 2, within(1e-6));
        // P(X=0 | 2) / 2 = e^-2 / 2
        assertThat(Poisson.lowerTailMidP(0, 2)).isCloseTo(Math.exp(-2) / 2, within(1e-12));
        assertThat(Poisson.lowerTailMidP(10, 10)).isBetween(0.45, 0.55);
    }

    @Test
    void largeExpectationsNeitherUnderflowNorExceedOne() {
        assertThat(Poisson.lowerTailMidP(400, 500)).isBetween(1e-7, 1e-4);
        assertThat(Poisson.lowerTailMidP(900, 800)).isBetween(0.99, 1.0);
        assertThat(Poisson.lowerTailMidP(2000, 10)).isEqualTo(1.0);
    }

    @Test
    void isMonotoneInTheObservedCount() {
        double previous = 0;
        for (int k = 0; k <= 30; k++) {
            double p = Poisson.lowerTailMidP(k, 12.5);
            assertThat(p).isGreaterThan(previous);
            previous = p;
        }
    }
}
