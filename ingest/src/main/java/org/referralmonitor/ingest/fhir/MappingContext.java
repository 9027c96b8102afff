package org.referralmonitor.ingest.fhir;

import java.net.URI;
import java.time.ZoneId;
import org.referralmonitor.ingest.endpoint.Connection.ReferralRule;
import org.referralmonitor.ingest.endpoint.ValidationLevel;

/**
 * What reading a resource needs to know about where it came from.
 *
 * @param zone the clinic's time zone: months are counted in it
 * @param rule the endpoint's "is it a referral" rule set
 */
public record MappingContext(String endpointId, URI base, ZoneId zone, ValidationLevel validation, ReferralRule rule) {

    public MappingContext(String endpointId, URI base, ZoneId zone, ValidationLevel validation) {
        this(endpointId, base, zone, validation, ReferralRule.DEFAULT);
    }
}
