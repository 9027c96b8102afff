package org.referralmonitor.metrics.monthly;

import java.time.format.TextStyle;
import java.util.Locale;

/** The verdict on one practice's month. */
record Evaluation(SourceMonth row, Status status, Double expected, Double pValue) {

    enum Status {
        /** Not enough history for a baseline: shown as new, never flagged. */
        NEW,
        /** Too few referrals expected for a drop to be told from chance. */
        LOW_VOLUME,
        STEADY,
        SLOWDOWN
    }

    /** A sentence a coordinator can act on, built from the numbers. */
    String explanation() {
        String who = row.name() != null ? row.name() : row.orgKey();
        if (row.npi() != null && row.name() != null) {
            who += " (NPI " + row.npi() + ")";
        }
        String month = row.month().getMonth().getDisplayName(TextStyle.FULL, Locale.US) + " " + row.month().getYear();
        return String.format(Locale.US, "%s: %d referral%s in %s vs about %.0f expected (average of the previous %d "
                        + "months); a drop this large happens by chance %s.", who, row.referrals(),
                row.referrals() == 1 ? "" : "s", month, expected, row.historyMonths(), chance(pValue));
    }

    private static String chance(double p) {
        if (p < 0.001) {
            return "less than 1 time in 1,000";
        }
        if (p < 0.01) {
            return "less than 1% of the time";
        }
        return String.format(Locale.US, "about %.0f%% of the time", Math.max(1, Math.round(p * 100)) * 1.0);
    }
}
