package org.referralmonitor.app.web;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Numbers as the dashboard shows them: expected counts with one decimal, rates as whole percents,
 * money as the alert explanations word it ("$1,250"), "–" for what is not known.
 */
final class Format {

    static final String NONE = "–";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.US);

    private Format() {
    }

    /** An expected count, e.g. "11.4". */
    static String expected(Double x) {
        return x == null ? NONE : String.format(Locale.US, "%.1f", x);
    }

    /** A share as a whole percent, e.g. "42%". */
    static String percent(Double share) {
        return share == null ? NONE : String.format(Locale.US, "%.0f%%", share * 100);
    }

    /** A change against an expected count, e.g. "+12%", "-35%"; unknown without an expectation above 0. */
    static String change(int observed, Double expected) {
        Integer change = changePercent(observed, expected);
        return change == null ? NONE : (change > 0 ? "+" : "") + change + "%";
    }

    static Integer changePercent(int observed, Double expected) {
        return expected == null || expected == 0 ? null : (int) Math.round(100 * (observed - expected) / expected);
    }

    /** Days, e.g. "1 day", "12 days", "12.5 days". */
    static String days(Double days) {
        if (days == null) {
            return NONE;
        }
        String n = Math.abs(days - Math.rint(days)) < 0.05 ? String.format(Locale.US, "%.0f", days)
                : String.format(Locale.US, "%.1f", days);
        return n + ("1".equals(n) ? " day" : " days");
    }

    /** A ratio with two decimals, e.g. "0.25". */
    static String ratio(Double ratio) {
        return ratio == null ? NONE : String.format(Locale.US, "%.2f", ratio);
    }

    /** Money as the alert explanations word it, e.g. "$1,250". */
    static String money(Double amount) {
        return amount == null ? NONE : String.format(Locale.US, "$%,.0f", amount);
    }

    /** "October 2026". */
    static String month(YearMonth month) {
        return month.getMonth().getDisplayName(TextStyle.FULL, Locale.US) + " " + month.getYear();
    }

    /** "2026-11-23 12:00:05"; "–" when not known. */
    static String time(LocalDateTime at) {
        return at == null ? NONE : TIME.format(at);
    }

    /** How long something took, e.g. "850 ms", "2.4 s", "3 min 5 s", "1 h 2 min"; "–" when not known. */
    static String duration(LocalDateTime start, LocalDateTime end) {
        if (start == null || end == null) {
            return NONE;
        }
        Duration d = Duration.between(start, end);
        if (d.isNegative()) {
            return NONE;
        }
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.US, "%.1f s", millis / 1000.0);
        }
        if (d.toHours() < 1) {
            return d.toMinutes() + " min " + d.toSecondsPart() + " s";
        }
        return d.toHours() + " h " + d.toMinutesPart() + " min";
    }
}
