package org.referralmonitor.ingest.sync;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The sync flows. For every enabled endpoint, one route for the strategy it is set to pull with,
 * {@code sync-<endpoint>-search}, {@code -roster} or {@code -bulk}, fed by its own queue; each ends
 * in the same steps (directory look-ups, then finish) and the same writer. Unless the endpoint's
 * schedules are "-", {@code sync-schedule-<endpoint>} asks for a sync on its cron schedule and
 * {@code sync-reconcile-<endpoint>} for a reconciliation. The work itself is in {@link SyncSteps},
 * {@link SearchPull}, {@link RosterPull} and {@link BulkPull}; errors are handled by
 * {@link SyncErrorHandling}.
 */
@Component
class SyncRoutes extends RouteBuilder {

    static final String ENDPOINT_PROPERTY = "referralMonitorEndpoint";
    private static final String SEARCH_TEMPLATE = "sync-search";
    private static final String ROSTER_TEMPLATE = "sync-roster";
    private static final String BULK_TEMPLATE = "sync-bulk";
    private static final String SCHEDULE_TEMPLATE = "sync-schedule";
    private static final String RECONCILE_TEMPLATE = "sync-reconcile-schedule";
    private static final String DIRECTORY_TEMPLATE = "sync-directory";
    private static final Logger log = LoggerFactory.getLogger(SyncRoutes.class);

    private final EndpointDirectory directory;
    private final SyncSteps steps;
    private final SearchPull search;
    private final RosterPull roster;
    private final BulkPull bulk;
    private final SyncTriggers triggers;

    SyncRoutes(EndpointDirectory directory, SyncSteps steps, SearchPull search, RosterPull roster, BulkPull bulk,
            SyncTriggers triggers) {
        this.directory = directory;
        this.steps = steps;
        this.search = search;
        this.roster = roster;
        this.bulk = bulk;
        this.triggers = triggers;
    }

    static String queueUri(String endpointId, PullStrategy strategy) {
        return "seda:sync-" + endpointId + "-" + strategy.name().toLowerCase();
    }

    static String routeId(String endpointId, PullStrategy strategy) {
        return "sync-" + endpointId + "-" + strategy.name().toLowerCase();
    }

    @Override
    public void configure() {
        routeTemplate(SEARCH_TEMPLATE)
                .templateParameter("endpointId")
                .from("seda:sync-{{endpointId}}-search")
                .routeConfigurationId(SyncErrorHandling.ID)
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(steps::begin)
                .process(search::plan)
                .loopDoWhile(steps::hasPage)
                    .process(steps::fetchPage)
                    .process(steps::writePage)
                    .process(search::afterPage)
                .end()
                .to("direct:sync-directory-{{endpointId}}-search");

        routeTemplate(ROSTER_TEMPLATE)
                .templateParameter("endpointId")
                .from("seda:sync-{{endpointId}}-roster")
                .routeConfigurationId(SyncErrorHandling.ID)
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(steps::begin)
                .process(roster::plan)
                // a first sync's search of the whole directory, if planned, before the crawl
                .loopDoWhile(steps::hasPage)
                    .process(steps::fetchPage)
                    .process(steps::writePage)
                .end()
                .loopDoWhile(roster::hasPatients)
                    .process(roster::fetchPatients)
                    .process(roster::writePatients)
                .end()
                .process(roster::close)
                .to("direct:sync-directory-{{endpointId}}-roster");

        routeTemplate(BULK_TEMPLATE)
                .templateParameter("endpointId")
                .from("seda:sync-{{endpointId}}-bulk")
                .routeConfigurationId(SyncErrorHandling.ID)
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(steps::begin)
                .process(bulk::plan)
                .loopDoWhile(bulk::preparing)
                    .process(bulk::step)
                    .delay(exchangeProperty(SyncContext.WAIT_PROPERTY)).syncDelayed().end()
                .end()
                // the export is ready: a first sync's search of the whole directory, if planned, before its files
                .loopDoWhile(steps::hasPage)
                    .process(steps::fetchPage)
                    .process(steps::writePage)
                .end()
                .loopDoWhile(bulk::hasWork)
                    .process(bulk::step)
                    .delay(exchangeProperty(SyncContext.WAIT_PROPERTY)).syncDelayed().end()
                .end()
                .process(bulk::planFill)
                .loopDoWhile(roster::hasPatients)
                    .process(roster::fetchPatients)
                    .process(roster::writePatients)
                .end()
                .process(roster::close)
                .to("direct:sync-directory-{{endpointId}}-bulk");

        routeTemplate(DIRECTORY_TEMPLATE)
                .templateParameter("endpointId")
                .templateParameter("strategy")
                .from("direct:sync-directory-{{endpointId}}-{{strategy}}")
                .routeConfigurationId(SyncErrorHandling.ID)
                .loopDoWhile(steps::hasDirectoryWork)
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

        routeTemplate(RECONCILE_TEMPLATE)
                .templateParameter("endpointId")
                .templateParameter("schedule")
                .from("scheduler:sync-reconcile-{{endpointId}}?scheduler=spring&scheduler.cron=RAW({{schedule}})")
                .setProperty(ENDPOINT_PROPERTY, constant("{{endpointId}}"))
                .process(triggers::reconcile);

        from(SyncErrorHandling.DEAD_LETTER)
                .routeId("sync-dead-letter")
                .process(steps::fail);

        for (EmrEndpoint endpoint : directory.enabledEndpoints()) {
            addRoutes(endpoint);
        }
    }

    /** An endpoint connected or changed at run time: its old routes go, the new ones start. */
    @EventListener
    void onEndpointRegistered(EndpointDirectory.EndpointRegisteredEvent event) throws Exception {
        EmrEndpoint endpoint = directory.endpoint(event.endpointId()).orElseThrow();
        CamelContext camel = getCamelContext();
        Set<String> ids = new HashSet<>(Set.of("sync-" + endpoint.id() + "-directory", "sync-schedule-" + endpoint.id(),
                "sync-reconcile-" + endpoint.id()));
        for (PullStrategy strategy : PullStrategy.values()) {
            ids.add(routeId(endpoint.id(), strategy));
        }
        for (String id : ids) {
            if (camel.getRoute(id) != null) {
                camel.getRouteController().stopRoute(id);
                camel.removeRoute(id);
            }
        }
        if (endpoint.enabled()) {
            for (RouteSpec spec : routes(endpoint)) {
                TemplatedRouteBuilder builder = TemplatedRouteBuilder.builder(camel, spec.template()).routeId(spec.id());
                spec.parameters().forEach(builder::parameter);
                builder.add();
            }
            log.info("Routes of endpoint {} (re)started: {}", endpoint.id(),
                    routes(endpoint).stream().map(RouteSpec::id).toList());
        }
    }

    private void addRoutes(EmrEndpoint endpoint) {
        for (RouteSpec spec : routes(endpoint)) {
            var route = templatedRoute(spec.template()).routeId(spec.id());
            spec.parameters().forEach(route::parameter);
        }
    }

    /** One route of an endpoint: the template it comes from, its id, its parameters. */
    private record RouteSpec(String template, String id, Map<String, String> parameters) {
    }

    private static List<RouteSpec> routes(EmrEndpoint endpoint) {
        PullStrategy strategy = endpoint.connection().strategy();
        String template = switch (strategy) {
            case SEARCH -> SEARCH_TEMPLATE;
            case ROSTER -> ROSTER_TEMPLATE;
            case BULK -> BULK_TEMPLATE;
        };
        List<RouteSpec> specs = new ArrayList<>();
        specs.add(new RouteSpec(template, routeId(endpoint.id(), strategy), Map.of("endpointId", endpoint.id())));
        specs.add(new RouteSpec(DIRECTORY_TEMPLATE, "sync-" + endpoint.id() + "-directory",
                Map.of("endpointId", endpoint.id(), "strategy", strategy.name().toLowerCase())));
        if (!IngestProperties.NO_SCHEDULE.equals(endpoint.schedule())) {
            specs.add(new RouteSpec(SCHEDULE_TEMPLATE, "sync-schedule-" + endpoint.id(),
                    Map.of("endpointId", endpoint.id(), "schedule", endpoint.schedule())));
        }
        String reconcile = endpoint.connection().reconcileSchedule();
        if (reconcile != null && !IngestProperties.NO_SCHEDULE.equals(reconcile)) {
            specs.add(new RouteSpec(RECONCILE_TEMPLATE, "sync-reconcile-" + endpoint.id(),
                    Map.of("endpointId", endpoint.id(), "schedule", reconcile)));
        }
        return specs;
    }
}
