package org.referralmonitor.metrics.alert;

import java.time.OffsetDateTime;
import java.time.YearMonth;

/**
 * Something raised for a referring practice (or, kind FEED, an EMR endpoint's feed or a clinic's) in a
 * month, with the numbers behind it.
 *
 * @param kind SLOWDOWN, GONE_DARK, SUSTAINED_DECLINE, CONVERSION_COLLAPSE, RECIPROCITY_FLIP or FEED
 * @param orgKey the practice; for a FEED alert, the EMR endpoint's id, or "*" for a clinic-wide one (most sources
 *     down at once while no single endpoint shows it, and every FEED alert raised before they were per endpoint)
 * @param sourceName the practice's name, when known; null for a FEED alert
 * @param observed what was counted: referrals (conversions for CONVERSION_COLLAPSE, referrals we sent for
 *     RECIPROCITY_FLIP)
 * @param expected what was expected instead (referrals they sent us, for RECIPROCITY_FLIP)
 * @param revenueAtRisk expected lost referrals x the source's conversion rate x value per converted referral
 * @param months the months observed and expected span, ending with {@code month}: 1; 2 for a slowdown over
 *     two months; sustained-months for a sustained decline
 * @param acknowledgedBy the user who acknowledged it (from the dashboard, the API or a contact logged in
 *     answer to it); null while open, and for alerts acknowledged before this was recorded
 * @param acknowledgedAt when
 * @param endpointName for a FEED alert about one EMR endpoint, the endpoint's name; null otherwise
 */
public record Alert(long id, String clinicId, String kind, String orgKey, String sourceName, String sourceNpi,
        YearMonth month, int observed, double expected, Double pValue, String explanation, String status,
        String resolvedReason, OffsetDateTime createdAt, OffsetDateTime updatedAt, Double revenueAtRisk, int months,
        String acknowledgedBy, OffsetDateTime acknowledgedAt, String endpointName) {
}
