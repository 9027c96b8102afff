package org.referralmonitor.app.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.metrics.report.ProviderSummary;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * A clinic's referral sources month by month as CSV, for a practice manager's spreadsheet: one row
 * per month and practice, with the figures the dashboard shows (referrals against the rolling and the
 * fixed baseline, conversion, why referrals did not convert, reciprocity, flags, revenue at risk);
 * or one row per month and referring provider, within their practice ({@link #providersDownload}).
 * RFC 4180 (CRLF, quotes doubled), UTF-8 with a byte order mark so spreadsheets read names right;
 * text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with an apostrophe.
 * Written month by month as it is read, never whole in memory. Months without computed figures have
 * no rows; a range without any is refused.
 */
public final class SourcesCsv {

    /** Months one file may span. */
    public static final int MAX_MONTHS = 36;

    static final String HEADER = String.join(",", "month", "provisional", "practice", "org_key", "npi", "status",
            "flags", "referrals", "expected", "change", "fixed_expected", "fixed_change", "cancelled", "patients",
            "converted", "conversion_rate", "baseline_conversion", "median_days_to_visit", "p90_days_to_visit",
            "visit_missed", "no_visit", "waiting", "sent", "sent_received_ratio", "active_providers",
            "revenue_at_risk");

    static final String PROVIDER_HEADER = String.join(",", "month", "provisional", "practice", "org_key", "provider",
            "practitioner_key", "npi", "referrals", "expected", "change", "history_months", "cancelled", "patients",
            "converted", "conversion_rate", "median_days_to_visit");

    /** A month's rows, read when the file reaches it and handed to the file one at a time. */
    @FunctionalInterface
    interface MonthRows {
        void write(YearMonth month, Consumer<String> line);
    }

    private SourcesCsv() {
    }

    /**
     * The months from {@code from} to {@code to} (YYYY-MM): neither given, {@code month}; only one, that
     * month ({@code from} alone runs to {@code month}).
     *
     * @throws InvalidRequestException when malformed, reversed or longer than {@value #MAX_MONTHS} months
     */
    public static List<YearMonth> months(String from, String to, YearMonth month) {
        YearMonth first = RequestParams.month(from, null);
        YearMonth last = RequestParams.month(to, null);
        if (first == null) {
            first = last == null ? month : last;
        }
        if (last == null) {
            last = first.isAfter(month) ? first : month;
        }
        if (last.isBefore(first)) {
            throw new InvalidRequestException("to (" + last + ") is before from (" + first + ")");
        }
        List<YearMonth> months = new ArrayList<>();
        for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
            if (months.size() == MAX_MONTHS) {
                throw new InvalidRequestException("a file spans at most " + MAX_MONTHS + " months; " + first + " to "
                        + last + " is " + (first.until(last, ChronoUnit.MONTHS) + 1));
            }
            months.add(m);
        }
        return months;
    }

    /**
     * The download: text/csv, as an attachment named after the clinic and the months.
     *
     * @throws InvalidRequestException when no month of the range has computed figures
     */
    public static ResponseEntity<StreamingResponseBody> download(Clinic clinic, List<YearMonth> months,
            SourceReport report) {
        requireFigures(clinic, months, report);
        return download(clinic, months, "sources", HEADER,
                (m, line) -> report.figures(clinic.id(), m).forEach(s -> line.accept(row(m, s))));
    }

    /**
     * The referring providers of the months, one row per month and provider (practices' referrals
     * without a provider have no row): text/csv, as an attachment.
     *
     * @throws InvalidRequestException when no month of the range has computed figures
     */
    public static ResponseEntity<StreamingResponseBody> providersDownload(Clinic clinic, List<YearMonth> months,
            SourceReport report) {
        requireFigures(clinic, months, report);
        if (!report.hasProviders(clinic.id(), months)) {
            throw new InvalidRequestException("No referring providers are recorded for " + clinic.name() + " from "
                    + months.get(0) + " to " + months.get(months.size() - 1) + ": its EMR names no requesting "
                    + "practitioner on these months' referrals (the sources' file has them by practice)");
        }
        return download(clinic, months, "providers", PROVIDER_HEADER,
                (m, line) -> report.eachProvider(clinic.id(), m, p -> line.accept(providerRow(m, p))));
    }

    private static void requireFigures(Clinic clinic, List<YearMonth> months, SourceReport report) {
        if (months.stream().noneMatch(report.computedMonths(clinic.id())::contains)) {
            throw new InvalidRequestException("No figures are computed for " + clinic.name() + " from " + months.get(0)
                    + " to " + months.get(months.size() - 1) + ": they appear after the next sync or monthly run");
        }
    }

    private static ResponseEntity<StreamingResponseBody> download(Clinic clinic, List<YearMonth> months, String what,
            String header, MonthRows rows) {
        String name = clinic.id() + "-" + what + "-" + months.get(0)
                + (months.size() == 1 ? "" : "-to-" + months.get(months.size() - 1)) + ".csv";
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(name).build().toString())
                .body(out -> write(out, header, months, rows));
    }

    static void write(OutputStream out, String header, List<YearMonth> months, MonthRows rows) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        w.write('\uFEFF');
        w.write(header);
        w.write("\r\n");
        for (YearMonth m : months) {
            try {
                rows.write(m, line -> {
                    try {
                        w.write(line);
                        w.write("\r\n");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause(); // the client went away: nothing more to say to it
            } catch (RuntimeException e) {
                // the response is under way: say so in the file, and end it without its last chunk
                w.write("# export incomplete: reading " + m + " failed; download it again\r\n");
                w.flush();
                throw e;
            }
            w.flush();
        }
        w.flush();
    }

    /** A provider's row, the provider named as the dashboard names them (their name, else their key). */
    static String providerRow(YearMonth month, SourceReport.ProviderRow row) {
        ProviderSummary p = row.provider();
        return String.join(",", month.toString(), String.valueOf(row.provisional()), text(row.practiceName()),
                text(p.orgKey()), text(p.name() != null ? p.name() : p.practitionerKey()), text(p.practitionerKey()),
                text(p.npi()), String.valueOf(p.referrals()), number(p.baseline(), 2),
                ratioChange(p.referrals(), p.baseline()), String.valueOf(p.historyMonths()),
                String.valueOf(p.cancelled()), String.valueOf(p.patients()), String.valueOf(p.converted()),
                number(p.conversionRate(), 4), number(p.medianDaysToVisit(), 1));
    }

    static String row(YearMonth month, SourceSummary s) {
        SourceSummary.NotConverted n = s.notConverted();
        return String.join(",", month.toString(), String.valueOf(s.provisional()), text(s.displayName()), text(s.orgKey()),
                text(s.npi()), text(s.status()), text(String.join(" ", s.flags())), String.valueOf(s.referrals()),
                number(s.baseline(), 2), ratioChange(s.referrals(), s.baseline()), number(s.fixedBaseline(), 2),
                ratioChange(s.referrals(), s.fixedBaseline()), String.valueOf(n.cancelled()),
                String.valueOf(s.patients()), String.valueOf(s.converted()), number(s.conversionRate(), 4),
                number(s.baselineConversion(), 4), number(s.medianDaysToVisit(), 1), number(s.p90DaysToVisit(), 1),
                String.valueOf(n.visitMissed()), String.valueOf(n.noVisit()), String.valueOf(n.waiting()),
                String.valueOf(s.sent()), number(s.sentReceivedRatio(), 4), String.valueOf(s.activeProviders()),
                number(s.revenueAtRisk(), 2));
    }

    /**
     * A text cell: a formula's first sign defused, and quoted when it holds a separator (a comma, or the
     * semicolon or tab some spreadsheets split on, which would start a new cell) or a quote or line break.
     */
    static String text(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        String v = value;
        if ("=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.chars().anyMatch(c -> c == ',' || c == ';' || c == '\t' || c == '"' || c == '\n' || c == '\r')) {
            v = "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    private static String number(Double value, int decimals) {
        return value == null || value.isNaN() ? "" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** Referrals against expected as a fraction (-0.6 for 60% below), empty without an expectation. */
    private static String ratioChange(int observed, Double expected) {
        return expected == null || expected <= 0 ? "" : number(observed / expected - 1, 4);
    }
}
