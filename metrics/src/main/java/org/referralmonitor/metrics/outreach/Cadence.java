package org.referralmonitor.metrics.outreach;

import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * How often a practice should hear from the clinic, and when it is next due.
 *
 * @param lastContact the last logged contact, or null when never
 * @param nextDue the last contact plus the cadence; never contacted: the day it was set
 */
public record Cadence(String orgKey, int everyDays, String setBy, OffsetDateTime setAt, LocalDate lastContact,
        LocalDate nextDue) {
}
