package org.referralmonitor.ingest.http;

import java.time.Duration;
import java.time.Instant;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;

/** Reads {@code Retry-After} in both of its forms: delay-seconds and HTTP-date. */
public final class RetryAfter {

    /** The three forms of HTTP-date, see {@link #httpDate}. */
    private static final List<DateTimeFormatter> HTTP_DATES = List.of(
            DateTimeFormatter.RFC_1123_DATE_TIME,
            new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                    .appendValueReduced(ChronoField.YEAR, 2, 2, Year.now(ZoneOffset.UTC).getValue() - 49)
                    .appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US).withZone(ZoneOffset.UTC),
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC));

    private RetryAfter() {
    }

    /** What a busy token endpoint asked us to wait, or null to use our own backoff. */
    public static Duration of(org.referralmonitor.ingest.auth.AuthenticationException e) {
        return e.receivedAt() == null ? null : parse(e.retryAfterHeader(), e.dateHeader(), e.receivedAt());
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
        Instant until = httpDate(v);
        if (until == null) {
            return null;
        }
        Instant reference = serverDate == null ? null : httpDate(serverDate.trim());
        Duration wait = Duration.between(reference == null ? now : reference, until);
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    /**
     * An HTTP-date in any of the three forms a recipient must accept (RFC 9110, 5.6.7): IMF-fixdate
     * ({@code Sun, 06 Nov 1994 08:49:37 GMT}), the obsolete RFC 850 form ({@code Sunday, 06-Nov-94
     * 08:49:37 GMT}, a two-digit year more than 50 years ahead being in the past) and asctime
     * ({@code Sun Nov  6 08:49:37 1994}); null when it is none of them.
     */
    static Instant httpDate(String value) {
        for (DateTimeFormatter format : HTTP_DATES) {
            try {
                return ZonedDateTime.parse(value, format).toInstant();
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return null;
    }
}
