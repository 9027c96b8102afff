package org.referralmonitor.ingest.fhir;

import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.stereotype.Component;

/**
 * Decides whether a ServiceRequest is a referral. The default rule: a SNOMED CT referral code
 * (3457005 "Patient referral" or one of its referral children) in category or code, and an intent
 * that is an actual request (not a proposal, plan or option). Each stored request records the rule
 * id so that a later rule change can re-classify what was stored.
 */
@Component
public class ReferralClassifier {

    public static final String RULE_ID = "snomed-referral-v1";

    private static final Set<String> NOT_A_REQUEST = Set.of("proposal", "plan", "option");

    public boolean isReferral(ServiceRequest request) {
        if (request.hasIntent() && NOT_A_REQUEST.contains(request.getIntent().toCode())) {
            return false;
        }
        return Stream.concat(request.getCategory().stream(), Stream.of(request.getCode()))
                .anyMatch(ReferralClassifier::hasReferralCode);
    }

    private static boolean hasReferralCode(CodeableConcept concept) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> ReferralCodes.SNOMED.equals(c.getSystem())
                        && ReferralCodes.SNOMED_REFERRAL_CODES.contains(c.getCode()));
    }
}
