package org.referralmonitor.metrics.monthly;

import java.time.LocalDateTime;
import java.time.YearMonth;

/**
 * One run of the monthly metrics job, as recorded by Spring Batch.
 *
 * @param month the month computed (YYYY-MM), or the months of a full recompute as an ISO 8601 interval
 *     (2023-11/2026-10)
 * @param status Batch's status (STARTING ... COMPLETED, FAILED), or UP_TO_DATE when the month was
 *     already computed on the same data, or QUEUED when handed to the background runner
 * @param trigger why it ran, in words: "after sync 12 of lakeside-emr", "monthly close", "recompute
 *     by alice (dashboard)"; null for runs recorded before triggers were
 */
public record MetricsJobRun(Long executionId, String clinicId, String month, String status, LocalDateTime startTime,
        LocalDateTime endTime, String exitMessage, String trigger) {

    /** The trigger of runs asked for without saying why. */
    public static final String ON_DEMAND = "on demand";

    /** The first month the run computed (its month, or the first of a run over several). */
    public YearMonth firstMonth() {
        int slash = month.indexOf('/');
        return YearMonth.parse(slash < 0 ? month : month.substring(0, slash));
    }

    /** The last month the run computed. */
    public YearMonth lastMonth() {
        return YearMonth.parse(month.substring(month.indexOf('/') + 1));
    }

    /** Whether the run computed this month (its month, or one of the months of a run over several). */
    public boolean covers(YearMonth m) {
        return !m.isBefore(firstMonth()) && !m.isAfter(lastMonth());
    }
}
