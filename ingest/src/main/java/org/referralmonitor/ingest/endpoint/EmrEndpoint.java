package org.referralmonitor.ingest.endpoint;

import java.net.URI;

/**
 * An EMR's FHIR R4 base URL, belonging to one clinic.
 *
 * @param schedule Spring cron expression (6 fields) for scheduled syncs, or "-" for none
 * @param origin where the definition comes from: CONFIG, SANDBOX or API
 * @param validationLevel how its resources are held to the profiles
 * @param connection how it is reached, authenticated to and pulled from
 */
public record EmrEndpoint(
        String id,
        String clinicId,
        String name,
        URI baseUrl,
        int pageSize,
        String schedule,
        boolean enabled,
        String origin,
        ValidationLevel validationLevel,
        Connection connection) {

    public EmrEndpoint {
        connection = connection == null ? Connection.DEFAULT : connection;
    }

    /** The base URL with exactly one trailing slash, so that relative paths resolve under it. */
    public URI base() {
        String url = baseUrl.toString();
        return URI.create(url.endsWith("/") ? url : url + "/");
    }
}
