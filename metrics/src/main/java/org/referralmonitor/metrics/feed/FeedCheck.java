package org.referralmonitor.metrics.feed;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a clinic's EMR feeds can be trusted for a month, with the evidence. A suspect feed holds
 * the month's source alerts and raises a FEED alert instead: one per suspect endpoint, or one for the
 * clinic when only the drop across sources shows it.
 *
 * @param suspect an endpoint is suspect, or most sources dropped at once
 * @param evidence the clinic's evidence: every endpoint's problems, the drop across sources, and the
 *     endpoints' sync record together
 * @param failedSyncs failed syncs of the clinic's endpoints since the month began
 * @param authFailures of those, failed because credentials or tokens were refused
 * @param retriedPages pages that needed more than one attempt since the month began, of {@code pages}
 * @param countMismatch resources the EMRs announced (Bundle.total) but did not send, since the month began
 * @param stale an endpoint has had no successful sync since the month ended (or its last sync failed)
 * @param sourcesDown sources at least drop-threshold below expected this month, of {@code sourcesEvaluable}
 *     (sources expecting at least min-expected)
 * @param referrals received this month from the evaluable sources
 * @param expected expected from them
 * @param sourcesDrop the drop across most sources at once, in words, when there is one; else null
 * @param endpoints each endpoint checked (a disabled one with no sync since the month began is not), with
 *     whether it is suspect and why, as {@link FeedHealth#check} found them; not stored, so a check read
 *     back by {@link FeedHealth#find} lists none (the month's FEED alerts name the suspect endpoints)
 */
public record FeedCheck(String clinicId, YearMonth month, boolean suspect, String evidence, int failedSyncs,
        int authFailures, int retriedPages, int pages, int countMismatch, boolean stale, int sourcesDown,
        int sourcesEvaluable, int referrals, double expected, OffsetDateTime computedAt, String sourcesDrop,
        List<EndpointFeed> endpoints) {

    public FeedCheck {
        endpoints = List.copyOf(endpoints);
    }

    /** The same check with these endpoints' results. */
    FeedCheck withEndpoints(List<EndpointFeed> results) {
        return new FeedCheck(clinicId, month, suspect, evidence, failedSyncs, authFailures, retriedPages, pages,
                countMismatch, stale, sourcesDown, sourcesEvaluable, referrals, expected, computedAt, sourcesDrop,
                results);
    }

    /**
     * Why one endpoint's feed may be incomplete for the month: "The feed of NAME may be incomplete for
     * October 2026: " its problems, then the drop across sources when there is one, then its sync record.
     */
    public String incomplete(EndpointFeed endpoint) {
        List<String> problems = new ArrayList<>(endpoint.problems());
        if (sourcesDrop != null) {
            problems.add(sourcesDrop);
        }
        return String.format(Locale.US, "The feed of %s may be incomplete for %s: %s. %s", endpoint.name(),
                monthYear(month), String.join("; ", problems), endpoint.record());
    }

    /** Why one endpoint's feed no longer holds the month: "NAME shows no sign of missing data for October 2026. " its record. */
    public String sound(EndpointFeed endpoint) {
        return String.format(Locale.US, "%s shows no sign of missing data for %s. %s", endpoint.name(), monthYear(month),
                endpoint.record());
    }

    static String monthName(YearMonth month) {
        return month.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
    }

    static String monthYear(YearMonth month) {
        return monthName(month) + " " + month.getYear();
    }
}
