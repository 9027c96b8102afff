package org.referralmonitor.ingest.sync;

import org.apache.camel.builder.RouteBuilder;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.springframework.stereotype.Component;

/**
 * The sync flow: for every enabled endpoint, one route {@code sync-<endpoint>} that runs a FHIR
 * search sync (ServiceRequest and Encounter pages, then the directory resources they reference),
 * and, unless its schedule is "-", one route {@code sync-schedule-<endpoint>} that asks for a
 * sync on the endpoint's cron schedule. The work itself is in {@link SyncSteps}; errors are handled by {@link SyncErrorHandling}.
 */
@Component
class SyncRoutes extends RouteBuilder {

    static final String ENDPOINT_PROPERTY = "referralMonitorEndpoint";
    private static final String SEARCH_TEMPLATE = "fhir-search-sync";
    private static final String SCHEDULE_TEMPLATE = "sync-schedule";

    private final EndpointDirectory directory;
    private final SyncSteps steps;
    private final SyncTriggers triggers;

    SyncRoutes(EndpointDirectory directory, SyncSteps steps, SyncTriggers triggers) {
        this.directory = directory;
        this.steps = steps;
        this.triggers = triggers;
    }

    static String queueUri(String endpointId) {
        return "seda:sync-" + endpointId;
    }

    @Override
    public void configure() {
        routeTemplate(SEARCH_TEMPLATE)
                .templateParameter("endpointId")
                .from("seda:sync-{{endpointId}}")
                .routeConfigurationId(SyncErrorHandling.ID)
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(steps::begin)
                .loopDoWhile(steps::hasMoreWork)
                    .process(steps::fetchPage)
                    .process(steps::writePage)
                .end()
                .process(steps::finish);

        routeTemplate(SCHEDULE_TEMPLATE)
                .templateParameter("endpointId")
                .templateParameter("schedule")
                .from("scheduler:sync-schedule-{{endpointId}}?scheduler=spring&scheduler.cron=RAW({{schedule}})")
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(triggers::scheduled);

        from(SyncErrorHandling.DEAD_LETTER)
                .routeId("sync-dead-letter")
                .process(steps::fail);

        for (EmrEndpoint endpoint : directory.enabledEndpoints()) {
            templatedRoute(SEARCH_TEMPLATE)
                    .routeId("sync-" + endpoint.id())
                    .parameter("endpointId", endpoint.id());
            if (!IngestProperties.NO_SCHEDULE.equals(endpoint.schedule())) {
                templatedRoute(SCHEDULE_TEMPLATE)
                        .routeId("sync-schedule-" + endpoint.id())
                        .parameter("endpointId", endpoint.id())
                        .parameter("schedule", endpoint.schedule());
            }
        }
    }
}
