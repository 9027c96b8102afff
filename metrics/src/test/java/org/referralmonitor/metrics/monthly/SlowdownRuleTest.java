package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.MetricsProperties;

class SlowdownRuleTest {

    private final SlowdownRule rule = new SlowdownRule(new MetricsProperties(12, 6, 0.30, 0.05, 3.0, 500, "0 0 3 1 * *", true));

    private static SourceMonth month(int referrals, Double baseline, int history) {
        return new SourceMonth("c", YearMonth.of(2026, 10), "npi:1245319599", "Lakeside Family Practice", "1245319599",
                referrals, 0, history, baseline);
    }

    @Test
    void halfOfTenIsASlowdown() {
        Evaluation e = rule.evaluate(month(5, 10.0, 12));
        assertThat(e.status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        assertThat(e.explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 5 referrals in October 2026 "
                + "vs about 10 expected (average of the previous 12 months); a drop this large happens by chance "
                + "about 5% of the time.");
    }

    @Test
    void ordinaryNoiseIsSteady() {
        assertThat(rule.evaluate(month(8, 10.0, 12)).status()).isEqualTo(Evaluation.Status.STEADY);
        assertThat(rule.evaluate(month(14, 10.0, 12)).status()).isEqualTo(Evaluation.Status.STEADY);
    }

    @Test
    void aLargeRelativeDropThatChanceExplainsIsNotFlagged() {
        // 2 instead of 4: a 50% drop, but P(month this low) is about 17%
        assertThat(rule.evaluate(month(2, 4.0, 12)).status()).isEqualTo(Evaluation.Status.STEADY);
    }

    @Test
    void aSignificantButSmallDropIsNotFlagged() {
        // 170 vs 200 is unlikely by chance but only a 15% drop, under the 30% threshold
        assertThat(rule.evaluate(month(170, 200.0, 12)).status()).isEqualTo(Evaluation.Status.STEADY);
    }

    @Test
    void newAndSmallSourcesAreNeverFlagged() {
        assertThat(rule.evaluate(month(0, null, 3)).status()).isEqualTo(Evaluation.Status.NEW);
        assertThat(rule.evaluate(month(0, 2.5, 12)).status()).isEqualTo(Evaluation.Status.LOW_VOLUME);
    }

    @Test
    void goneDarkIsASlowdownWithAPlainChance() {
        Evaluation e = rule.evaluate(month(0, 9.0, 12));
        assertThat(e.status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        assertThat(e.explanation()).contains("0 referrals in October 2026", "less than 1 time in 1,000");
    }
}
