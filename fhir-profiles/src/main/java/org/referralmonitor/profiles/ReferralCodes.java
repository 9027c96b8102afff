package org.referralmonitor.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * The default rule for "is this ServiceRequest a referral", and the codes behind it, read from the
 * package's ValueSets so that the profiles and the counting never disagree: a code from
 * {@code rm-referral-codes} in category or code, and an intent that is an actual request (not a
 * proposal, plan or option).
 */
public final class ReferralCodes {

    public static final String SNOMED = "http://snomed.info/sct";

    /** SNOMED CT 3457005 "Patient referral". */
    public static final String PATIENT_REFERRAL = "3457005";

    /** Id of the default rule, recorded with each classified request. */
    public static final String DEFAULT_RULE = "snomed-referral-v1";

    /** SNOMED CT codes of ValueSet rm-referral-codes. */
    public static final Set<String> SNOMED_REFERRAL_CODES = codes("ValueSet-rm-referral-codes.json");

    /** Encounter statuses of ValueSet rm-attended-visit-status: the patient was seen. */
    public static final Set<String> ATTENDED_VISIT_STATUSES = codes("ValueSet-rm-attended-visit-status.json");

    private static final Set<String> NOT_A_REQUEST = Set.of("proposal", "plan", "option");

    private ReferralCodes() {
    }

    public static boolean isReferral(ServiceRequest request) {
        if (request.hasIntent() && NOT_A_REQUEST.contains(request.getIntent().toCode())) {
            return false;
        }
        return Stream.concat(request.getCategory().stream(), Stream.of(request.getCode()))
                .anyMatch(ReferralCodes::hasReferralCode);
    }

    /** The same rule on a ServiceRequest as JSON. */
    public static boolean isReferral(JsonNode request) {
        if (NOT_A_REQUEST.contains(request.path("intent").asText())) {
            return false;
        }
        return Stream.concat(elements(request.path("category")), Stream.of(request.path("code")))
                .flatMap(concept -> elements(concept.path("coding")))
                .anyMatch(c -> SNOMED.equals(c.path("system").asText())
                        && SNOMED_REFERRAL_CODES.contains(c.path("code").asText()));
    }

    private static boolean hasReferralCode(CodeableConcept concept) {
        return concept != null && concept.getCoding().stream()
                .anyMatch(c -> SNOMED.equals(c.getSystem()) && SNOMED_REFERRAL_CODES.contains(c.getCode()));
    }

    private static Stream<JsonNode> elements(JsonNode array) {
        return array.isArray() ? StreamSupport.stream(array.spliterator(), false) : Stream.empty();
    }

    private static Set<String> codes(String file) {
        try (InputStream in = ReferralCodes.class.getResourceAsStream("package/" + file)) {
            if (in == null) {
                throw new IllegalStateException("The FHIR package lacks " + file);
            }
            Set<String> codes = new LinkedHashSet<>();
            for (JsonNode include : new ObjectMapper().readTree(in).path("compose").path("include")) {
                include.path("concept").forEach(c -> codes.add(c.path("code").asText()));
            }
            return Set.copyOf(codes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
