package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;

/**
 * A contact to log: what {@link OutreachLog#log} checks and keeps.
 *
 * @param contactedOn the day, in the clinic's time zone; today when null
 * @param alertId the alert it answered (of the same clinic and practice), or null
 * @param providerKey the referring provider of the practice contacted, as its figures key them
 *     ({@code practitionerKey}), or null for the practice as a whole
 */
public record NewOutreach(String orgKey, LocalDate contactedOn, String channel, String topic, String outcome,
        Long alertId, String providerKey) {

    /** A contact with the practice as a whole. */
    public NewOutreach(String orgKey, LocalDate contactedOn, String channel, String topic, String outcome,
            Long alertId) {
        this(orgKey, contactedOn, channel, topic, outcome, alertId, null);
    }
}
