package org.referralmonitor.app.api;

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

/** Slowdown alerts: what dropped, by how much, and how unlikely that is by chance. */
@RestController
@RequestMapping("/api/v1/alerts")
class AlertsApi {

    private final Alerts alerts;
    private final EndpointDirectory directory;

    AlertsApi(Alerts alerts, EndpointDirectory directory) {
        this.alerts = alerts;
        this.directory = directory;
    }

    @GetMapping
    List<Alert> list(@RequestParam(required = false) String clinic, @RequestParam(required = false) String status) {
        if (clinic != null && !clinic.isBlank()) {
            RequestParams.clinic(directory, clinic);
        }
        return alerts.find(clinic == null || clinic.isBlank() ? null : clinic, RequestParams.alertStatus(status));
    }

    @GetMapping("/{id}")
    Alert get(@PathVariable long id) {
        return alerts.find(id).orElseThrow(() -> new NotFoundException("No alert " + id));
    }

    @PostMapping("/{id}/acknowledge")
    Alert acknowledge(@PathVariable long id) {
        return alerts.acknowledge(id, OffsetDateTime.now()).orElseThrow(() -> new NotFoundException("No alert " + id));
    }
}
