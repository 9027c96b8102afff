package org.referralmonitor.ingest.testsupport;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;

/** Waiting for a sync to end, without sleeping. */
public final class SyncAwait {

    private SyncAwait() {
    }

    public static SyncRun finished(SyncService syncs, SyncRun run) {
        return finished(syncs, run, Duration.ofSeconds(60));
    }

    public static SyncRun finished(SyncService syncs, SyncRun run, Duration atMost) {
        return await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                .until(() -> syncs.run(run.id()).orElseThrow(), r -> !r.active());
    }

    /** Requests a sync through the API's path and waits for its end. */
    public static SyncRun sync(SyncService syncs, String endpointId) {
        return finished(syncs, syncs.requestSync(endpointId, SyncService.TRIGGER_API));
    }
}
