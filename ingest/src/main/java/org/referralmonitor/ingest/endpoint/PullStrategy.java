package org.referralmonitor.ingest.endpoint;

/** How referrals and visits are pulled from an endpoint. */
public enum PullStrategy {
    /** System-level search: {@code ServiceRequest?_lastUpdated=ge..}, where the server allows it. */
    SEARCH,
    /** Patient-roster crawl, for servers that only allow patient-anchored search. */
    ROSTER,
    /** Bulk Data {@code $export}; types the server cannot export are filled by the roster crawl. */
    BULK
}
