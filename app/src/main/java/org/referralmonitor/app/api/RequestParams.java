package org.referralmonitor.app.api;

import java.security.Principal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alerts;

/** Reading the parameters the API and the dashboard share, with errors that say what and where. */
public final class RequestParams {

    private RequestParams() {
    }

    /** A month written YYYY-MM, or the fallback when absent. */
    public static YearMonth month(String value, YearMonth fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            if (!value.matches("\\d{4}-\\d{2}")) {
                throw new DateTimeParseException("shape", value, 0);
            }
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException("month must be YYYY-MM, for example 2026-10; got '" + value + "'");
        }
    }

    /** A day written YYYY-MM-DD, or null when absent; {@code field} names it in the error. */
    public static LocalDate day(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            if (!value.strip().matches("\\d{4}-\\d{2}-\\d{2}")) {
                throw new DateTimeParseException("shape", value, 0);
            }
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(field + " must be YYYY-MM-DD, for example 2026-11-23; got '" + value
                    + "'");
        }
    }

    public static Clinic clinic(EndpointDirectory directory, String id) {
        return directory.clinic(id).orElseThrow(() -> new NotFoundException("No clinic with id '" + id + "'"));
    }

    /** An alert status (open, acknowledged, resolved; any case), or null for all. */
    public static String alertStatus(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String status = value.toUpperCase(Locale.ROOT);
        if (!Alerts.STATUSES.contains(status)) {
            throw new InvalidRequestException("status must be one of open, acknowledged, resolved; got '" + value + "'");
        }
        return status;
    }

    /** Who made the request, for the job history: the signed-in user's name, "anonymous" without one. */
    public static String user(Principal principal) {
        return principal == null || principal.getName() == null ? "anonymous" : principal.getName();
    }
}
