package org.referralmonitor.metrics.alert;

import java.time.OffsetDateTime;
import java.time.YearMonth;

/**
 * Something raised for a referring practice (or, kind FEED, a clinic's feed) in a month, with the
 * numbers behind it.
 *
 * @param kind SLOWDOWN, GONE_DARK, SUSTAINED_DECLINE, CONVERSION_COLLAPSE, RECIPROCITY_FLIP or FEED
 * @param orgKey the practice, or "*" for a clinic-wide (FEED) alert
 * @param observed what was counted: referrals (conversions for CONVERSION_COLLAPSE, referrals we sent for
 *     RECIPROCITY_FLIP)
 * @param expected what was expected instead (referrals they sent us, for RECIPROCITY_FLIP)
 * @param revenueAtRisk expected lost referrals x the source's conversion rate x value per converted referral
 * @param months the months observed and expected span, ending with {@code month}: 1; 2 for a slowdown over
 *     two months; sustained-months for a sustained decline
 * @param acknowledgedBy the user who acknowledged it (from the dashboard, the API or a contact logged in
 *     answer to it); null while open, and for alerts acknowledged before this was recorded
 * @param acknowledgedAt when
 */
public record Alert(long id, String clinicId, String kind, String orgKey, String sourceName, String sourceNpi,
        YearMonth month, int observed, double expected, Double pValue, String explanation, String status,
        String resolvedReason, OffsetDateTime createdAt, OffsetDateTime updatedAt, Double revenueAtRisk, int months,
        String acknowledgedBy, OffsetDateTime acknowledgedAt) {
}
