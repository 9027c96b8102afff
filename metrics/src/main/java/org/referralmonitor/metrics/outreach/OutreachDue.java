package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;
import java.time.YearMonth;

/**
 * A practice that should hear from the clinic: it has an alert nobody has reached out about, or its
 * cadence is up.
 *
 * @param alertId the oldest alert without outreach since it was raised, or null
 * @param alertKind its kind (SLOWDOWN ...), or null
 * @param alertMonth its month, or null
 * @param lastContact the last logged contact, or null when never
 * @param everyDays the practice's cadence, or null when none is set
 * @param dueOn when the next contact was due: the day the alert was raised, else the last contact plus
 *     the cadence, else (never contacted) the day the cadence was set
 * @param daysOverdue days since {@code dueOn}, 0 when due today
 * @param month the month to show the practice at: the alert's, else its newest month with figures
 */
public record OutreachDue(String orgKey, String sourceName, Long alertId, String alertKind, YearMonth alertMonth,
        LocalDate lastContact, Integer everyDays, LocalDate dueOn, long daysOverdue, YearMonth month) {
}
