package org.referralmonitor.ingest.sync;

import org.apache.camel.Exchange;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** What starts syncs besides the API: each endpoint's schedule, and application start-up. */
@Component
class SyncTriggers {

    private static final Logger log = LoggerFactory.getLogger(SyncTriggers.class);

    private final SyncService syncs;
    private final EndpointDirectory directory;
    private final IngestProperties properties;
    private final java.util.Set<String> pendingReconcile = java.util.concurrent.ConcurrentHashMap.newKeySet();

    SyncTriggers(SyncService syncs, EndpointDirectory directory, IngestProperties properties) {
        this.syncs = syncs;
        this.directory = directory;
        this.properties = properties;
    }

    void scheduled(Exchange exchange) {
        request(exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class), SyncService.TRIGGER_SCHEDULE);
    }

    /**
     * The reconciliation schedule: asks for a reconciling sync; when a sync is already queued or
     * running, the reconciliation is asked again when it finishes.
     */
    void reconcile(Exchange exchange) {
        String endpointId = exchange.getProperty(SyncRoutes.ENDPOINT_PROPERTY, String.class);
        try {
            syncs.requestSync(endpointId, SyncService.TRIGGER_RECONCILE);
        } catch (SyncNotStartedException e) {
            pendingReconcile.add(endpointId);
            log.info("Reconciliation of {} waits for the running sync: {}", endpointId, e.getMessage());
        }
    }

    @EventListener
    void onSyncFinished(SyncFinishedEvent event) {
        if (pendingReconcile.remove(event.endpointId())) {
            try {
                syncs.requestSync(event.endpointId(), SyncService.TRIGGER_RECONCILE);
            } catch (SyncNotStartedException e) {
                pendingReconcile.add(event.endpointId());
            }
        }
    }

    /**
     * Every enabled endpoint syncs at start with sync-on-startup; without it, the endpoints whose
     * sync the last stop interrupted still do: that sync finishes what the interrupted one committed
     * (crediting, linking) and has its months recomputed, which would otherwise wait for the
     * endpoint's next scheduled or requested sync. An interrupted reconciliation is started again as
     * a reconciliation (otherwise the week's would be lost).
     */
    @EventListener(ApplicationReadyEvent.class)
    void onStartup() {
        java.util.Map<String, String> interrupted = syncs.interruptedAtStart();
        for (String id : directory.enabledEndpoints().stream().map(EmrEndpoint::id).toList()) {
            if (SyncService.TRIGGER_RECONCILE.equals(interrupted.get(id))) {
                request(id, SyncService.TRIGGER_RECONCILE);
            } else if (properties.syncOnStartup()) {
                request(id, SyncService.TRIGGER_STARTUP);
            } else if (interrupted.containsKey(id)) {
                request(id, SyncService.TRIGGER_RESUME);
            }
        }
    }

    private void request(String endpointId, String trigger) {
        try {
            syncs.requestSync(endpointId, trigger);
        } catch (SyncNotStartedException e) {
            log.info("{} sync of {} not started: {}", trigger, endpointId, e.getMessage());
        }
    }
}
