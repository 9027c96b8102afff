package org.referralmonitor.metrics.monthly;

import java.time.YearMonth;

/** One referring practice's month at one clinic, as aggregated, with the names to explain it. */
record SourceMonth(String clinicId, YearMonth month, String orgKey, String name, String npi, int referrals,
        int converted, int historyMonths, Double baseline) {
}
