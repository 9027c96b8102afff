package org.referralmonitor.ingest.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads {@code Retry-After} in both of its forms: delay-seconds and HTTP-date. */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * @param value the header value
     * @param serverDate the response's {@code Date} header, so an HTTP-date is measured on the
     *     server's clock rather than ours; may be null
     * @param now our clock, used when the server sent no Date
     * @return the wait, or null when the header is absent or unreadable
     */
    public static Duration parse(String value, String serverDate, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        try {
            Instant until = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Instant reference = now;
            if (serverDate != null) {
                try {
                    reference = ZonedDateTime.parse(serverDate.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                } catch (DateTimeParseException ignored) {
                    // keep our own clock
                }
            }
            Duration wait = Duration.between(reference, until);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
