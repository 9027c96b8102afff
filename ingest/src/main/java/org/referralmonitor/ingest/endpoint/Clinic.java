package org.referralmonitor.ingest.endpoint;

import java.time.ZoneId;

/** A receiving clinic: the customer whose referral sources we watch. */
public record Clinic(String id, String name, ZoneId timeZone) {
}
