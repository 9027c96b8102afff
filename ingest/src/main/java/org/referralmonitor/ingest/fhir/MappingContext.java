package org.referralmonitor.ingest.fhir;

import java.net.URI;
import java.time.ZoneId;

/** What mapping needs to know about where a resource came from. */
public record MappingContext(String endpointId, URI base, ZoneId zone) {
}
