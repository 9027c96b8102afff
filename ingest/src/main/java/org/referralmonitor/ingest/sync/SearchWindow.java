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

    void restart() {
        seen.clear();
        anonymous = 0;
        total = null;
        pages = 0;
        pass++;
    }
}
