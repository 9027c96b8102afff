package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/** The plain-language pieces explanations are built from. */
final class Wording {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MMMM d, yyyy", Locale.US);

    private Wording() {
    }

    static String who(SourceMonth row) {
        if ("unknown".equals(row.orgKey())) {
            return "Unattributed referrals";
        }
        String who = row.name() != null ? row.name() : row.orgKey();
        if (row.npi() != null && row.name() != null) {
            who += " (NPI " + row.npi() + ")";
        }
        return who;
    }

    static String month(YearMonth month) {
        return monthName(month) + " " + month.getYear();
    }

    /** "August to October 2026"; "November 2026 to January 2027" across a year. */
    static String span(YearMonth first, YearMonth last) {
        return (first.getYear() == last.getYear() ? monthName(first) : month(first)) + " to " + month(last);
    }

    static String monthName(YearMonth month) {
        return month.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
    }

    static String day(LocalDate day) {
        return DAY.format(day);
    }

    static String referrals(int n) {
        return n + (n == 1 ? " referral" : " referrals");
    }

    /** "about 11", "about 2.5" below 10. */
    static String about(double x) {
        return "about " + amount(x);
    }

    /** "11", "2.5" below 10. */
    static String amount(double x) {
        return x < 9.95 && Math.abs(x - Math.rint(x)) > 0.05 ? String.format(Locale.US, "%.1f", x)
                : String.format(Locale.US, "%.0f", x);
    }

    static String chance(double p) {
        if (p < 0.001) {
            return "less than 1 time in 1,000";
        }
        if (p < 0.01) {
            return "less than 1% of the time";
        }
        return String.format(Locale.US, "about %.0f%% of the time", Math.max(1, Math.round(p * 100)) * 1.0);
    }

    static String percent(double share) {
        return String.format(Locale.US, "%.0f%%", share * 100);
    }

    static String money(double amount) {
        return String.format(Locale.US, "$%,.0f", amount);
    }
}
