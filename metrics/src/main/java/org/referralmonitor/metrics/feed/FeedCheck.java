package org.referralmonitor.metrics.feed;

import java.time.OffsetDateTime;
import java.time.YearMonth;

/**
 * Whether a clinic's EMR feeds can be trusted for a month, with the evidence. A suspect feed holds
 * the month's source alerts and raises one FEED alert instead.
 *
 * @param failedSyncs failed syncs of the clinic's endpoints since the month began
 * @param authFailures of those, failed because credentials or tokens were refused
 * @param retriedPages pages that needed more than one attempt since the month began, of {@code pages}
 * @param countMismatch resources the EMRs announced (Bundle.total) but did not send, since the month began
 * @param stale an endpoint has had no successful sync since the month ended (or its last sync failed)
 * @param sourcesDown sources at least drop-threshold below expected this month, of {@code sourcesEvaluable}
 *     (sources expecting at least min-expected)
 * @param referrals received this month from the evaluable sources
 * @param expected expected from them
 */
public record FeedCheck(String clinicId, YearMonth month, boolean suspect, String evidence, int failedSyncs,
        int authFailures, int retriedPages, int pages, int countMismatch, boolean stale, int sourcesDown,
        int sourcesEvaluable, int referrals, double expected, OffsetDateTime computedAt) {
}
