package org.referralmonitor.ingest.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.FhirFixtures;

/**
 * What is kept of a referral full of what identifies the patient and a relative: their names, birth
 * dates, phone and address in contained resources, the narrative and notes, the patient as requester,
 * a relative as performer (by reference, and by display only), a patient's medical record number, a
 * member number, an order number, a name in an extension: none of it, and nothing of the EMR's
 * patient id but its keyed hash; the contained provider that credits the referral stays, with its NPI.
 */
class ResourceSanitizerTest {

    @Test
    void keepsNothingThatIdentifiesThePatientOrARelative() throws Exception {
        ParsedPage page = BundlePageParserTest.parser().parse(FhirFixtures.read("privacy/servicerequest-personal.json")
                .getBytes(StandardCharsets.UTF_8), BundlePageParserTest.CTX);

        assertThat(page.rejections()).isEmpty();
        MappedResource.ReferralRow row = (MappedResource.ReferralRow) page.resources().get(0);
        assertThat(row.json()).doesNotContain("Jane", "Doe", "Johnny", "1980", "1979", "555-0142", "Elm Street",
                "pat-123", "rp-77", "rp1", "MRN-998877", "mornings", "div", "Mary", "Roe", "MEM-4455", "ORD-778899");
        JsonNode kept = new ObjectMapper().readTree(row.json());
        assertThat(kept.at("/subject/identifier/system").asText()).isEqualTo(ResourceSanitizer.PATIENT_HASH_SYSTEM);
        assertThat(kept.at("/subject/identifier/value").asText()).isEqualTo(row.patientHash()).hasSize(64);
        assertThat(kept.get("requester").toString()).isEqualTo("{\"type\":\"Patient\"}");
        assertThat(kept.at("/performer/0").toString()).isEqualTo("{\"type\":\"RelatedPerson\"}");
        assertThat(kept.at("/performer/1").toString()).as("a display-only reference: nothing left").isEqualTo("{}");
        assertThat(kept.at("/extension/0/url").asText()).isEqualTo("http://example.org/fhir/StructureDefinition/caregiver");
        assertThat(kept.has("identifier")).isFalse();
        assertThat(kept.at("/supportingInfo/0").toString()).isEqualTo("{\"type\":\"RelatedPerson\"}");
        assertThat(kept.at("/supportingInfo/1").toString()).isEqualTo("{\"type\":\"Patient\"}");
        assertThat(kept.at("/supportingInfo/2/reference").asText()).as("a provider's reference stays").isEqualTo("#dr1");
        assertThat(kept.get("contained")).hasSize(1);
        assertThat(kept.at("/contained/0/resourceType").asText()).isEqualTo("Practitioner");
        assertThat(kept.at("/contained/0/identifier/0/value").asText()).isEqualTo("1234567893");
        assertThat(row.requester()).as("no patient id in the requester columns")
                .isEqualTo(new Ref("Patient", null, null, Ref.Form.NONE));
        assertThat(row.performer()).isEqualTo(new Ref("RelatedPerson", null, null, Ref.Form.NONE));
    }
}
