package org.referralmonitor.ingest.fhir;

import java.net.URI;
import java.time.ZoneId;
import org.referralmonitor.ingest.endpoint.ValidationLevel;

/** What reading a resource needs to know about where it came from. */
public record MappingContext(String endpointId, URI base, ZoneId zone, ValidationLevel validation) {
}
