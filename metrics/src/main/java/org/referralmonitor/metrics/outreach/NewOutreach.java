package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;

/**
 * A contact to log: what {@link OutreachLog#log} checks and keeps.
 *
 * @param contactedOn the day, in the clinic's time zone; today when null
 * @param alertId the alert it answered (of the same clinic and practice), or null
 */
public record NewOutreach(String orgKey, LocalDate contactedOn, String channel, String topic, String outcome,
        Long alertId) {
}
