package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardControllerTest {

    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    @Test
    void theMonthsSinceDownloadStartsAYearBackOrAtTheFirstMonthWithFigures() {
        assertThat(DashboardController.csvFrom(OCTOBER, List.of(YearMonth.of(2024, 11), OCTOBER)))
                .isEqualTo(YearMonth.of(2025, 11));
        assertThat(DashboardController.csvFrom(OCTOBER, List.of(OCTOBER, YearMonth.of(2026, 6))))
                .as("figures from June only").isEqualTo(YearMonth.of(2026, 6));
        assertThat(DashboardController.csvFrom(OCTOBER, List.of())).isEqualTo(YearMonth.of(2025, 11));
        assertThat(DashboardController.csvFrom(OCTOBER, List.of(YearMonth.of(2026, 11))))
                .as("only later months computed").isEqualTo(YearMonth.of(2025, 11));
    }
}
