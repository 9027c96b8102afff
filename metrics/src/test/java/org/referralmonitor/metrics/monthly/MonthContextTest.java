package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.MetricsProperties;

class MonthContextTest {

    static MetricsProperties properties(int provisionalDays, boolean alertProvisional, int alertMonths) {
        return properties(provisionalDays, alertProvisional, alertMonths, true);
    }

    static MetricsProperties properties(int provisionalDays, boolean alertProvisional, int alertMonths,
            boolean twoMonthSlowdown) {
        return new MetricsProperties(12, 6, true, true, 0.30, 0.05, 0.01, 3.0, provisionalDays, alertProvisional,
                alertMonths, 45, 2.0, twoMonthSlowdown, 3, 0.15, 2.0, 0.6, 3, 250, List.of(), 500, "0 0 3 1 * *", true, 13, 2,
                3, 6, 3, java.time.Duration.ofMinutes(10));
    }

    static final LocalDate NOV_23 = LocalDate.of(2026, 11, 23);

    @Test
    void aMonthIsProvisionalUntilFortyFiveDaysAfterItsEnd() {
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 10), NOV_23, 45)).as("23 days after").isTrue();
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 10), LocalDate.of(2026, 12, 14), 45)).isTrue();
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 10), LocalDate.of(2026, 12, 15), 45)).isFalse();
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 9), NOV_23, 45)).as("54 days after").isFalse();
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 11), NOV_23, 0)).as("not over").isTrue();
        assertThat(MonthContext.isProvisional(YearMonth.of(2026, 10), NOV_23, 0)).isFalse();
        assertThat(MonthContext.newestFinalMonth(NOV_23, 45)).isEqualTo(YearMonth.of(2026, 9));
        assertThat(MonthContext.newestFinalMonth(NOV_23, 0)).isEqualTo(YearMonth.of(2026, 10));
    }

    @Test
    void onlyTheNewestFinalMonthsRaiseAlerts() {
        MetricsProperties defaults = properties(45, false, 1);
        assertThat(MonthContext.of("c", YearMonth.of(2026, 9), NOV_23, defaults, 90).alertable()).isTrue();
        assertThat(MonthContext.of("c", YearMonth.of(2026, 10), NOV_23, defaults, 90).alertable())
                .as("provisional").isFalse();
        assertThat(MonthContext.of("c", YearMonth.of(2026, 8), NOV_23, defaults, 90).alertable())
                .as("older than alert-months").isFalse();
        assertThat(MonthContext.of("c", YearMonth.of(2026, 10), NOV_23, properties(45, true, 1), 90).alertable())
                .as("alert-provisional").isTrue();
        assertThat(MonthContext.of("c", YearMonth.of(2026, 11), NOV_23, properties(45, true, 1), 90).alertable())
                .as("never a month in progress").isFalse();
        assertThat(MonthContext.of("c", YearMonth.of(2026, 8), NOV_23, properties(45, false, 2), 90).alertable())
                .isTrue();
    }

    @Test
    void knowsHowLongTheMonthsReferralsHaveHadToConvert() {
        MonthContext october = MonthContext.of("c", YearMonth.of(2026, 10), NOV_23, properties(45, false, 1), 90);
        assertThat(october.horizonDays()).as("23 days since October 31, the last day not fully seen: 22, rounded down")
                .isEqualTo(14);
        assertThat(october.decidedBefore()).isEqualTo(LocalDate.of(2026, 8, 25));
        assertThat(october.exposure()).isEqualTo(1.0);
        MonthContext november = MonthContext.of("c", YearMonth.of(2026, 11), NOV_23, properties(45, false, 1), 90);
        assertThat(november.exposure()).isEqualTo(23 / 30.0);
        assertThat(november.horizonDays()).isZero();
        assertThat(MonthContext.of("c", YearMonth.of(2025, 1), NOV_23, properties(45, false, 1), 90).horizonDays())
                .as("capped at the window").isEqualTo(90);
        assertThat(MonthContext.of("c", YearMonth.of(2026, 8), NOV_23, properties(45, false, 1), 90).horizonDays())
                .as("83 days: the 60-day step").isEqualTo(60);
        assertThat(MonthContext.of("c", YearMonth.of(2026, 8), NOV_23, properties(45, false, 1), 30).horizonDays())
                .as("a shorter window is reached first").isEqualTo(30);
    }

    @Test
    void roundsAHorizonDownToAStepOrReachesTheWindow() {
        assertThat(MonthContext.horizon(6, 90)).isZero();
        assertThat(MonthContext.horizon(7, 90)).isEqualTo(7);
        assertThat(MonthContext.horizon(29, 90)).isEqualTo(14);
        assertThat(MonthContext.horizon(89, 90)).isEqualTo(60);
        assertThat(MonthContext.horizon(90, 90)).isEqualTo(90);
        assertThat(MonthContext.horizon(400, 90)).isEqualTo(90);
        assertThat(MonthContext.horizon(44, 45)).isEqualTo(30);
        assertThat(MonthContext.horizon(45, 45)).isEqualTo(45);
        assertThat(MonthContext.horizon(300, 365)).isEqualTo(180);
        assertThat(MonthContext.horizon(4, 5)).isZero();
    }
}
