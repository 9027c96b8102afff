package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.metrics.MetricsProperties.ClinicSettings;

/**
 * What one run of the monthly job needs to know about its month besides the data: the day it is
 * computed as of (in the clinic's time zone; a job parameter, so a restarted job sees the same
 * day), whether the month is over, provisional or open to alerts, and how far conversions can be
 * seen.
 *
 * @param asOf "today" in the clinic's time zone
 * @param windowDays a referral converts when attended within this many days (ingest's conversion window)
 * @param complete the month is over
 * @param provisional younger than provisional-days after its end (or not over): shown, recomputed, not alerted
 * @param alertable source and feed alerts may be raised for this month
 * @param exposure share of the month elapsed: 1 when over; scales what is expected of a month in progress
 * @param horizonDays every referral of the month has had at least this many days to convert: the window, or
 *     the days since the month ended rounded down to a step of {@link #HORIZON_STEPS} (the conversions
 *     of earlier months are kept counted at those steps)
 * @param decidedBefore referrals authored before this day have had their whole window
 */
record MonthContext(String clinicId, YearMonth month, LocalDate asOf, ClinicSettings settings, int windowDays,
        boolean complete, boolean provisional, boolean alertable, double exposure, int horizonDays,
        LocalDate decidedBefore) {

    static MonthContext of(String clinicId, YearMonth month, LocalDate asOf, MetricsProperties properties,
            int windowDays) {
        LocalDate lastDay = month.atEndOfMonth();
        boolean complete = asOf.isAfter(lastDay);
        long sinceEnd = ChronoUnit.DAYS.between(lastDay, asOf);
        boolean provisional = isProvisional(month, asOf, properties.provisionalDays());
        YearMonth newestFinal = newestFinalMonth(asOf, properties.provisionalDays());
        boolean recentEnough = month.isAfter(newestFinal.minusMonths(properties.alertMonths()));
        boolean alertable = complete && recentEnough && (!provisional || properties.alertProvisional());
        double exposure = complete ? 1.0
                : month.isAfter(YearMonth.from(asOf)) ? 0.0 : asOf.getDayOfMonth() / (double) month.lengthOfMonth();
        int horizon = horizon(sinceEnd - 1, windowDays);
        return new MonthContext(clinicId, month, asOf, properties.forClinic(clinicId), windowDays, complete,
                provisional, alertable, exposure, horizon, asOf.minusDays(windowDays));
    }

    /** Days a month's horizon is rounded down to, short of the whole window (metrics_month_count's columns). */
    static final int[] HORIZON_STEPS = {0, 7, 14, 30, 60, 90, 180};

    /** The window when {@code days} reach it, else the largest step not above {@code days}. */
    static int horizon(long days, int windowDays) {
        if (days >= windowDays) {
            return windowDays;
        }
        int horizon = 0;
        for (int step : HORIZON_STEPS) {
            if (step <= days) {
                horizon = step;
            }
        }
        return horizon;
    }

    /** A month is provisional until provisional-days have passed since its last day. */
    static boolean isProvisional(YearMonth month, LocalDate asOf, int provisionalDays) {
        LocalDate lastDay = month.atEndOfMonth();
        return !asOf.isAfter(lastDay) || ChronoUnit.DAYS.between(lastDay, asOf) < provisionalDays;
    }

    /** The newest month that is no longer provisional on the day. */
    static YearMonth newestFinalMonth(LocalDate asOf, int provisionalDays) {
        YearMonth m = YearMonth.from(asOf);
        while (isProvisional(m, asOf, provisionalDays)) {
            m = m.minusMonths(1);
        }
        return m;
    }
}
