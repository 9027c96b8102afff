package org.referralmonitor.metrics.monthly;

import org.referralmonitor.metrics.MetricsProperties;
import org.springframework.stereotype.Component;

/**
 * Decides whether a referring practice's month is a slowdown: observed at least the configured
 * drop below expected, a one-sided Poisson test saying a month this low is unlikely to be noise,
 * and enough expected volume for the test to mean something.
 */
@Component
class SlowdownRule {

    private final MetricsProperties properties;

    SlowdownRule(MetricsProperties properties) {
        this.properties = properties;
    }

    Evaluation evaluate(SourceMonth row) {
        if (row.baseline() == null) {
            return new Evaluation(row, Evaluation.Status.NEW, null, null);
        }
        double expected = row.baseline();
        if (expected < properties.minExpected()) {
            return new Evaluation(row, Evaluation.Status.LOW_VOLUME, expected, null);
        }
        double p = Poisson.lowerTailMidP(row.referrals(), expected);
        double drop = 1 - row.referrals() / expected;
        boolean slowdown = drop >= properties.dropThreshold() && p < properties.alpha();
        return new Evaluation(row, slowdown ? Evaluation.Status.SLOWDOWN : Evaluation.Status.STEADY, expected, p);
    }
}
