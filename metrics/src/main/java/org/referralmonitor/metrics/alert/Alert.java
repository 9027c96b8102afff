package org.referralmonitor.metrics.alert;

import java.time.OffsetDateTime;
import java.time.YearMonth;

/** A slowdown raised for a referring practice in a month, with the numbers behind it. */
public record Alert(long id, String clinicId, String kind, String orgKey, String sourceName, String sourceNpi,
        YearMonth month, int observed, double expected, Double pValue, String explanation, String status,
        String resolvedReason, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
}
