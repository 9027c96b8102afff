package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.monthly.MetricsJobRun;

/** Runs of the monthly job and the months a baseline can be fixed at, as the clinic page lists them. */
class JobRunViewTest {

    static final LocalDateTime START = LocalDateTime.of(2026, 11, 23, 12, 0, 0);

    @Test
    void aCompletedRunAFailedOneAndOneStillRunning() {
        JobRunView done = new JobRunView(new MetricsJobRun(7L, "lakeside-ortho", "2026-10", "COMPLETED", START,
                START.plusNanos(1_500_000_000L), null, "monthly close"));
        JobRunView failed = new JobRunView(new MetricsJobRun(8L, "lakeside-ortho", "2026-09", "FAILED", START,
                START.plusSeconds(3), "java.lang.IllegalStateException: boom", "monthly close"));
        JobRunView running = new JobRunView(new MetricsJobRun(9L, "lakeside-ortho", "2026-11", "STARTED", START,
                null, null, "monthly close"));

        assertThat(done.month()).isEqualTo("October 2026");
        assertThat(done.statusClass()).isEqualTo("good");
        assertThat(done.duration()).isEqualTo("1.5 s");
        assertThat(done.started()).isEqualTo("2026-11-23 12:00:00");
        assertThat(done.finished()).isEqualTo("2026-11-23 12:00:01");
        assertThat(failed.failed()).isTrue();
        assertThat(failed.statusClass()).isEqualTo("bad");
        assertThat(running.failed()).isFalse();
        assertThat(running.statusClass()).isEqualTo("warn");
        assertThat(running.duration()).isEqualTo("running");
        assertThat(running.finished()).isEqualTo("–");
        assertThat(new JobRunView(new MetricsJobRun(10L, "lakeside-ortho", "2023-11/2026-10", "COMPLETED", START,
                START.plusSeconds(12), null, "monthly close")).month()).as("a full recompute").isEqualTo("November 2023 – October 2026");
    }

    @Test
    void aRunWaitingInTheQueueHasNoTimesAndIsNeitherRunningNorFailed() {
        JobRunView waiting = new JobRunView(new MetricsJobRun(null, "lakeside-ortho", "2026-10", "QUEUED", null,
                null, "waiting to run since 2026-11-23T12:00", "after sync 7 of lakeside-emr"));

        assertThat(waiting.queued()).isTrue();
        assertThat(waiting.failed()).isFalse();
        assertThat(waiting.statusClass()).isEqualTo("warn");
        assertThat(waiting.started()).isEqualTo("–");
        assertThat(waiting.duration()).as("not started, so not running").isEqualTo("–");
        assertThat(new JobRunView(new MetricsJobRun(9L, "lakeside-ortho", "2026-11", "STARTED", START, null, null,
                "monthly close")).queued()).isFalse();
    }

    @Test
    void baselinesCanBeFixedAtTwoYearsOfEndedMonthsAndAnyOlderComputedOne() {
        YearMonth october = YearMonth.of(2026, 10);
        List<YearMonth> computed = List.of(YearMonth.of(2026, 11), october, YearMonth.of(2026, 9),
                YearMonth.of(2023, 5));

        List<DashboardController.MonthOption> months = DashboardController.fixMonths(october, computed);

        assertThat(months).hasSize(DashboardController.FIX_MONTHS + 1);
        assertThat(months.get(0).value()).as("the month in progress is not offered").isEqualTo(october);
        assertThat(months.get(0).label()).isEqualTo("October 2026");
        assertThat(months.get(2).label()).isEqualTo("August 2026 (computed when fixed)");
        assertThat(months.get(DashboardController.FIX_MONTHS - 1).value()).isEqualTo(YearMonth.of(2024, 11));
        assertThat(months.get(DashboardController.FIX_MONTHS).value()).isEqualTo(YearMonth.of(2023, 5));
    }
}
