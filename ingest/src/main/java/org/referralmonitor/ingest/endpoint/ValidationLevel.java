package org.referralmonitor.ingest.endpoint;

/** How an endpoint's resources are held to the monitor's profiles. */
public enum ValidationLevel {
    /** A resource with errors goes to the review table instead of being counted. */
    STRICT,
    /** Every readable resource is kept; its deviations are recorded and shown per endpoint. */
    LENIENT,
    /** Not validated. */
    OFF
}
