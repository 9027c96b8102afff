package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The facts statement picks a month's conversions within its horizon from the kept counts' column of
 * that step ({@code converted_<step>}): for a run month by the list of run months at each step, for
 * a baseline month by its run month's horizon. Every step a horizon can be rounded down to must
 * have both, or its months would silently count every conversion of the window.
 */
class HorizonStepsTest {

    @Test
    void theFactsStatementPicksTheColumnOfEveryHorizonStep() {
        for (int step : MonthContext.HORIZON_STEPS) {
            assertThat(MonthlyAggregation.INSERT).as("run months at step %d", step)
                    .contains("WHEN c.month_index IN (:horizon" + step + ") THEN c.converted_" + step + "\n");
            assertThat(MonthlyAggregation.INSERT).as("baseline months at step %d", step)
                    .contains("WHEN " + step + " THEN c.converted_" + step);
        }
    }
}
