package org.referralmonitor.metrics.baseline;

import java.time.OffsetDateTime;
import java.time.YearMonth;

/**
 * A clinic's baseline frozen as it was in a month ("our baseline as of 2026-01"), for ROI: every
 * month is then compared with it as well as with the rolling baseline.
 *
 * @param asOf the month whose baseline was frozen (its trailing months, seasonality removed)
 * @param sources practices and providers that had a baseline then
 */
public record FixedBaseline(String clinicId, YearMonth asOf, OffsetDateTime fixedAt, int sources) {
}
