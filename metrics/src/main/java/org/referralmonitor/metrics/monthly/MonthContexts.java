package org.referralmonitor.metrics.monthly;

import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.Optional;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.MetricsProperties;
import org.springframework.stereotype.Component;

/** Makes {@link MonthContext}s: the clinic's time zone and today there, the settings that apply to it. */
@Component
class MonthContexts {

    private final EndpointDirectory directory;
    private final MetricsProperties properties;
    private final IngestProperties ingest;
    private final Clock clock;

    MonthContexts(EndpointDirectory directory, MetricsProperties properties, IngestProperties ingest,
            Optional<Clock> clock) {
        this.directory = directory;
        this.properties = properties;
        this.ingest = ingest;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    MonthContext of(String clinicId, YearMonth month, LocalDate asOf) {
        return MonthContext.of(clinicId, month, asOf, properties, ingest.pull().conversionWindowDays());
    }

    ZoneId zone(String clinicId) {
        return directory.clinic(clinicId).map(Clinic::timeZone).orElse(clock.getZone());
    }

    LocalDate today(String clinicId) {
        return LocalDate.now(clock.withZone(zone(clinicId)));
    }

    Clock clock() {
        return clock;
    }
}
