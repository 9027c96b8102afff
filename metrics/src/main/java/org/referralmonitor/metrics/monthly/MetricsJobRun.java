package org.referralmonitor.metrics.monthly;

import java.time.LocalDateTime;

/**
 * One run of the monthly metrics job, as recorded by Spring Batch.
 *
 * @param month the month computed (YYYY-MM), or the months of a full recompute as an ISO 8601 interval
 *     (2023-11/2026-10)
 * @param status Batch's status (STARTING ... COMPLETED, FAILED), or UP_TO_DATE when the month was
 *     already computed on the same data, or QUEUED when handed to the background runner
 */
public record MetricsJobRun(Long executionId, String clinicId, String month, String status, LocalDateTime startTime,
        LocalDateTime endTime, String exitMessage) {
}
