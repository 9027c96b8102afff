package org.referralmonitor.metrics.monthly;

import java.time.LocalDateTime;

/**
 * One run of the monthly metrics job, as recorded by Spring Batch.
 *
 * @param status Batch's status (STARTING ... COMPLETED, FAILED), or UP_TO_DATE when the month was
 *     already computed on the same data, or QUEUED when handed to the background runner
 */
public record MetricsJobRun(Long executionId, String clinicId, String month, String status, LocalDateTime startTime,
        LocalDateTime endTime, String exitMessage) {
}
