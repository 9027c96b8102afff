package org.referralmonitor.ingest.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.referralmonitor.ingest.endpoint.Connection.ReferralRule;
import org.springframework.stereotype.Component;

/**
 * Decides whether a ServiceRequest is a referral by the endpoint's rule set: a coding listed by the
 * rule ("system|code") in category or code, and an intent the rule does not exclude. The same rule
 * works on a parsed resource (while syncing) and on the stored JSON (re-classifying after a rule
 * change). The default rule is the FHIR package's ValueSet rm-referral-codes.
 */
@Component
public class ReferralClassifier {

    public boolean isReferral(ServiceRequest request, ReferralRule rule) {
        if (request.hasIntent() && rule.excludedIntents().contains(request.getIntent().toCode())) {
            return false;
        }
        return Stream.concat(request.getCategory().stream(), Stream.of(request.getCode()))
                .anyMatch(concept -> matches(concept, rule));
    }

    public boolean isReferral(JsonNode request, ReferralRule rule) {
        if (rule.excludedIntents().contains(request.path("intent").asText())) {
            return false;
        }
        return Stream.concat(elements(request.path("category")), Stream.of(request.path("code")))
                .flatMap(concept -> elements(concept.path("coding")))
                .anyMatch(c -> rule.codes().contains(c.path("system").asText() + "|" + c.path("code").asText()));
    }

    private static boolean matches(CodeableConcept concept, ReferralRule rule) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> rule.codes().contains(c.getSystem() + "|" + c.getCode()));
    }

    private static Stream<JsonNode> elements(JsonNode array) {
        return array.isArray() ? StreamSupport.stream(array.spliterator(), false) : Stream.empty();
    }
}
