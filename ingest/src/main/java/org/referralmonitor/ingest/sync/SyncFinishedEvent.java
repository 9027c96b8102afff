package org.referralmonitor.ingest.sync;

import java.time.LocalDate;
import java.util.List;

/**
 * Published after every sync, successful or not. Metrics recomputes on success and records which
 * months changed; feed-health checks read failures.
 *
 * @param resourcesWritten resources written (new or changed)
 * @param tombstoned referrals and visits marked deleted or entered in error
 * @param everyReferralChanged what counts as a referral, or which visit each became, may have changed
 *     for every referral of the endpoint (requests classified again by a new rule, or every referral
 *     linked again)
 * @param relinkedMonths the authored months of the referrals the sync linked again because it changed
 *     them or a visit naming them or linked to them (one that stopped naming a referral of another
 *     patient included); empty when every referral was linked again or nothing was linked
 */
public record SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
        int resourcesWritten, int tombstoned, boolean everyReferralChanged, List<LocalDate> relinkedMonths) {

    public SyncFinishedEvent {
        relinkedMonths = List.copyOf(relinkedMonths);
    }

    public SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
            int resourcesWritten, int tombstoned, boolean everyReferralChanged) {
        this(endpointId, clinicId, syncRunId, succeeded, resourcesWritten, tombstoned, everyReferralChanged,
                List.of());
    }

    public SyncFinishedEvent(String endpointId, String clinicId, long syncRunId, boolean succeeded,
            int resourcesWritten) {
        this(endpointId, clinicId, syncRunId, succeeded, resourcesWritten, 0, false);
    }

    /** The sync changed stored data. */
    public boolean changedData() {
        return resourcesWritten > 0 || tombstoned > 0 || everyReferralChanged;
    }
}
