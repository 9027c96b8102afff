package org.referralmonitor.ingest.fhir;

import org.hl7.fhir.r4.model.ServiceRequest;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.stereotype.Component;

/**
 * Decides whether a ServiceRequest is a referral, with the default rule of the monitor's FHIR
 * package (a code of ValueSet rm-referral-codes in category or code, and an intent that is an
 * actual request). Each stored request records the rule id so that a later rule change can
 * re-classify what was stored.
 */
@Component
public class ReferralClassifier {

    public static final String RULE_ID = ReferralCodes.DEFAULT_RULE;

    public boolean isReferral(ServiceRequest request) {
        return ReferralCodes.isReferral(request);
    }
}
