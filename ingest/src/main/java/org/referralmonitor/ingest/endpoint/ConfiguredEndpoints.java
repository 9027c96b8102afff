package org.referralmonitor.ingest.endpoint;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.stereotype.Component;

/** Clinics and endpoints defined under {@code referral-monitor.ingest} in {@code config/application.yml}. */
@Component
class ConfiguredEndpoints implements EndpointSource {

    private final IngestProperties properties;

    ConfiguredEndpoints(IngestProperties properties) {
        this.properties = properties;
    }

    @Override
    public List<Clinic> clinics() {
        return properties.clinics().stream()
                .map(c -> new Clinic(c.id(), c.name(), zone(c)))
                .toList();
    }

    @Override
    public List<EmrEndpoint> endpoints() {
        return properties.endpoints().stream()
                .map(e -> new EmrEndpoint(e.id(), e.clinic(), e.name() == null ? e.id() : e.name(), e.baseUrl(),
                        e.pageSize(), e.schedule() == null ? properties.defaultSchedule() : e.schedule(), e.enabled(),
                        "CONFIG", e.validation(), e.connection()))
                .toList();
    }

    private static ZoneId zone(IngestProperties.Clinic clinic) {
        try {
            return ZoneId.of(clinic.timeZone());
        } catch (DateTimeException e) {
            throw new IllegalStateException("referral-monitor.ingest.clinics[id=" + clinic.id()
                    + "].time-zone: '" + clinic.timeZone() + "' is not a time zone id such as America/Chicago", e);
        }
    }
}
