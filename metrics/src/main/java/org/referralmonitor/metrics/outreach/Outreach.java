package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * One contact with a referring practice, as a coordinator logged it.
 *
 * @param orgKey the practice, as the monthly figures key it
 * @param sourceName the practice's name in the EMR's directory, when known
 * @param contactedOn the day of the contact, in the clinic's time zone
 * @param channel one of {@link OutreachLog#CHANNELS}
 * @param topic one of {@link OutreachLog#TOPICS}
 * @param outcome one of {@link OutreachLog#OUTCOMES}
 * @param alertId the alert it answered, if any
 * @param providerKey the referring provider contacted (as the figures key them), or null: the practice
 * @param providerName that provider's name in the EMR's directory, when known
 */
public record Outreach(long id, String clinicId, String orgKey, String sourceName, LocalDate contactedOn,
        String channel, String topic, String outcome, Long alertId, String loggedBy, OffsetDateTime loggedAt,
        String providerKey, String providerName) {
}
