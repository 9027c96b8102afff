package org.referralmonitor.ingest.sync;

import java.net.URI;
import java.time.OffsetDateTime;

/**
 * One incremental window of one resource type: {@code _lastUpdated} from {@code from} (inclusive;
 * null for everything) to {@code to}, on the server's clock. It is complete when every page of it
 * is committed; when the server announced more ({@code Bundle.total}) than arrived, it is pulled once
 * more before the mismatch is recorded.
 */
final class SearchWindow {

    final String type;
    final OffsetDateTime from;
    final OffsetDateTime to;
    /** The watermark before this sync: what incremental syncs claimed complete. */
    final OffsetDateTime previousWatermark;
    final IdSet seen = new IdSet();
    URI firstPage;
    Integer total;
    int anonymous;
    int pass = 1;
    /** Pages of this pass committed so far. */
    int pages;
    /** Reconciliation: changes in this window that incremental syncs had missed. */
    int missed;
    /** The pass before this one: its announced total, distinct ids (count and fingerprint), anonymous ones. */
    private Integer previousTotal;
    private int previousIds = -1;
    private long previousFingerprint;
    private int previousAnonymous;

    SearchWindow(String type, OffsetDateTime from, OffsetDateTime to, OffsetDateTime previousWatermark) {
        this.type = type;
        this.from = from;
        this.to = to;
        this.previousWatermark = previousWatermark;
    }

    /** Distinct resources received in this pass (rejected ones included: they are in review, not lost). */
    int received() {
        return seen.size() + anonymous;
    }

    int shortfall() {
        return total == null ? 0 : Math.max(0, total - received());
    }

    /**
     * Whether this pass fell short exactly as the one before: the same total announced and the same
     * resources delivered. The server counts what it does not list (resources we may not read, say);
     * pulling the window again would deliver the same, for ever.
     */
    boolean steadyShortfall() {
        return shortfall() > 0 && pass > 1 && java.util.Objects.equals(total, previousTotal)
                && anonymous == previousAnonymous && seen.sameIds(previousIds, previousFingerprint);
    }

    void restart() {
        previousTotal = total;
        previousIds = seen.size();
        previousFingerprint = seen.fingerprint();
        previousAnonymous = anonymous;
        seen.clear();
        anonymous = 0;
        total = null;
        pages = 0;
        pass++;
    }
}
