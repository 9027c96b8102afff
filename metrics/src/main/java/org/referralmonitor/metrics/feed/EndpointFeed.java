package org.referralmonitor.metrics.feed;

import java.util.List;

/**
 * One EMR endpoint's part of a clinic's feed check for a month: whether its own sync record makes
 * the month suspect, and why.
 *
 * @param endpointId the endpoint (the key of its FEED alert)
 * @param suspect its last sync failed, it has never synced successfully, it has not synced successfully
 *     since the month ended, or its last successful sync received fewer resources than the EMR announced
 * @param problems what makes it suspect, in plain words about the endpoint ("its last sync failed (...)");
 *     empty when it is not
 * @param record its sync record since the month began: failed syncs (with refused credentials), retried
 *     pages, resources announced but not received
 */
public record EndpointFeed(String endpointId, String name, boolean suspect, List<String> problems, String record) {

    public EndpointFeed {
        problems = List.copyOf(problems);
    }

    /** What makes it suspect and its sync record, or its sync record alone when it is sound. */
    public String evidence() {
        return problems.isEmpty() ? record : String.join("; ", problems) + ". " + record;
    }
}
