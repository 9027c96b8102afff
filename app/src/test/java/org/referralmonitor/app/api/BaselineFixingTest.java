package org.referralmonitor.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.baseline.FixedBaseline;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;

/** Fixing a baseline, as the API and the dashboard both do it: refusals say why, the month is computed first. */
class BaselineFixingTest {

    static final String CLINIC = "lakeside-ortho";
    static final YearMonth JANUARY = YearMonth.of(2026, 1);

    MonthlyMetricsRunner runner = mock(MonthlyMetricsRunner.class);
    FixedBaselines baselines = mock(FixedBaselines.class);
    BaselineFixing fixing = new BaselineFixing(runner, baselines);

    @BeforeEach
    void setUp() {
        when(runner.lastCompleteMonth(CLINIC)).thenReturn(YearMonth.of(2026, 10));
    }

    @Test
    void computesTheMonthThenFixesIt() {
        when(runner.run(CLINIC, JANUARY, JANUARY, false, "fixing the baseline as of 2026-01"))
                .thenReturn(run("COMPLETED", null));
        FixedBaseline fixed = new FixedBaseline(CLINIC, JANUARY, OffsetDateTime.now(), 12);
        when(baselines.fix(eq(CLINIC), eq(JANUARY), any())).thenReturn(fixed);

        assertThat(fixing.fix(CLINIC, "2026-01")).isSameAs(fixed);
        verify(runner).run(CLINIC, JANUARY, JANUARY, false, "fixing the baseline as of 2026-01");
    }

    @Test
    void aMonthAlreadyComputedOnTheSameDataIsFixedToo() {
        when(runner.run(CLINIC, JANUARY, JANUARY, false, "fixing the baseline as of 2026-01")).thenReturn(run("UP_TO_DATE", "Already computed"));
        when(baselines.fix(eq(CLINIC), eq(JANUARY), any())).thenReturn(new FixedBaseline(CLINIC, JANUARY,
                OffsetDateTime.now(), 12));

        assertThat(fixing.fix(CLINIC, "2026-01").asOf()).isEqualTo(JANUARY);
    }

    @Test
    void refusesWhatCannotBeFixedAndSaysWhy() {
        assertThatThrownBy(() -> fixing.fix(CLINIC, " ")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("asOf is required, as YYYY-MM (for example 2026-01)");
        assertThatThrownBy(() -> fixing.fix(CLINIC, "2026-1")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("month must be YYYY-MM, for example 2026-10; got '2026-1'");
        assertThatThrownBy(() -> fixing.fix(CLINIC, "2026-11")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("asOf must be a month that has ended; got '2026-11'");
        verify(runner, never()).run(any(), any(), any(), anyBoolean(), any());

        when(runner.run(CLINIC, JANUARY, JANUARY, false, "fixing the baseline as of 2026-01")).thenReturn(run("FAILED", "database gone"));
        assertThatThrownBy(() -> fixing.fix(CLINIC, "2026-01")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("could not compute 2026-01 to fix its baseline: database gone");
        verify(baselines, never()).fix(any(), any(), any());

        when(runner.run(CLINIC, YearMonth.of(2026, 2), YearMonth.of(2026, 2), false, "fixing the baseline as of 2026-02")).thenReturn(run("COMPLETED", null));
        when(baselines.fix(eq(CLINIC), eq(YearMonth.of(2026, 2)), any())).thenThrow(new IllegalStateException(
                "No figures for 2026-02 at clinic 'lakeside-ortho' yet: compute the month first"));
        assertThatThrownBy(() -> fixing.fix(CLINIC, "2026-02")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("No figures for 2026-02 at clinic 'lakeside-ortho' yet: compute the month first");
    }

    private static MetricsJobRun run(String status, String message) {
        return new MetricsJobRun(1L, CLINIC, "2026-01", status, null, null, message, "fixing the baseline as of 2026-01");
    }
}
