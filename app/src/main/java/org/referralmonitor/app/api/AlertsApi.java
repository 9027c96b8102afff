package org.referralmonitor.app.api;

import java.security.Principal;
import java.time.OffsetDateTime;
import java.util.List;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Alerts: slowdowns and the other source flags (what changed, by how much, how unlikely by chance,
 * revenue at risk) and FEED alerts (an EMR endpoint's feed, named by {@code endpointName}, or the clinic's may
 * be incomplete, source alerts held).
 */
@RestController
@RequestMapping("/api/v1/alerts")
class AlertsApi {

    private final Alerts alerts;
    private final EndpointDirectory directory;

    AlertsApi(Alerts alerts, EndpointDirectory directory) {
        this.alerts = alerts;
        this.directory = directory;
    }

    /** Filtered by clinic, status (open, acknowledged, resolved), month (YYYY-MM) and kind, each when given. */
    @GetMapping
    List<Alert> list(@RequestParam(required = false) String clinic, @RequestParam(required = false) String status,
            @RequestParam(required = false) String month, @RequestParam(required = false) String kind) {
        if (clinic != null && !clinic.isBlank()) {
            RequestParams.clinic(directory, clinic);
        }
        String k = kind == null || kind.isBlank() ? null : kind.toUpperCase(java.util.Locale.ROOT);
        if (k != null && !Alerts.KINDS.contains(k)) {
            throw new InvalidRequestException("kind must be one of " + new java.util.TreeSet<>(Alerts.KINDS).toString()
                    .toLowerCase(java.util.Locale.ROOT) + "; got '" + kind + "'");
        }
        return alerts.find(clinic == null || clinic.isBlank() ? null : clinic, RequestParams.alertStatus(status),
                RequestParams.month(month, null), k);
    }

    @GetMapping("/{id}")
    Alert get(@PathVariable long id) {
        return alerts.find(id).orElseThrow(() -> new NotFoundException("No alert " + id));
    }

    @PostMapping("/{id}/acknowledge")
    Alert acknowledge(@PathVariable long id, Principal user) {
        return alerts.acknowledge(id, OffsetDateTime.now(), RequestParams.user(user)).orElseThrow(() -> new NotFoundException("No alert " + id));
    }
}
