package org.referralmonitor.ingest.endpoint;

import java.util.List;

/** Something that defines clinics and endpoints at start-up: the configuration, or the sandbox EMR. */
public interface EndpointSource {

    List<Clinic> clinics();

    List<EmrEndpoint> endpoints();
}
