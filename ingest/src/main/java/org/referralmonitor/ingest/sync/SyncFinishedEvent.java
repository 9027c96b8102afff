package org.referralmonitor.ingest.sync;

/**
 * Published after every sync, successful or not. Metrics recomputes on success and records which
 * months changed; feed-health checks read failures.
 *
 * @param resourcesWritten resources written (new or changed)
 * @param tombstoned referrals and visits marked deleted or entered in error
 * @param everyReferralChanged what counts as a referral, or which visit each became, may have changed
 *     for every referral of the endpoint (requests classified again by a new rule, or every referral
 *     linked again)
 */
public record SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
        int resourcesWritten, int tombstoned, boolean everyReferralChanged) {

    public SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
            int resourcesWritten) {
        this(endpointId, clinicId, syncRunId, succeeded, resourcesWritten, 0, false);
    }

    /** The sync changed stored data. */
    public boolean changedData() {
        return resourcesWritten > 0 || tombstoned > 0 || everyReferralChanged;
    }
}
