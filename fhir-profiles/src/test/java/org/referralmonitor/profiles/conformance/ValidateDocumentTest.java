package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What clinic IT can hand in: one resource, a Bundle, NDJSON; and what happens when it is not JSON. */
class ValidateDocumentTest {

    @Test
    void validatesEachEntryOfABundle() {
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
                + Validators.fixture("referral-conforming.json") + "},{\"resource\":"
                + Validators.fixture("visit-no-subject.json") + "}]}";

        List<ValidationReport> reports = Validators.shared().validateDocument(bundle);

        assertThat(reports).extracting(ValidationReport::resourceId).containsExactly("sr-ok", "enc-no-subject");
        assertThat(reports).extracting(ValidationReport::countable).containsExactly(true, false);
    }

    @Test
    void validatesNdjsonLineByLine() {
        String ndjson = Validators.fixture("organization-conforming.json") + "\n"
                + Validators.fixture("organization-no-name.json") + "\n"
                + "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n";

        List<ValidationReport> reports = Validators.shared().validateDocument(ndjson);

        assertThat(reports).extracting(ValidationReport::conforms).containsExactly(true, false, false);
        assertThat(reports.get(2).findings().get(0).message())
                .isEqualTo("Patient p1: the monitor does not use Patient resources; it reads ServiceRequest, Encounter, "
                        + "Practitioner, PractitionerRole, Organization");
    }

    @Test
    void saysOnWhichLineAndColumnJsonBreaks() {
        String broken = "{\n  \"resourceType\": \"ServiceRequest\",\n  \"status\": active\n}";

        assertThatThrownBy(() -> Validators.shared().validateDocument(broken))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.column()).isEqualTo(13);
                    assertThat(e.getMessage()).startsWith("not valid JSON: Unrecognized token 'active'");
                });
        assertThatThrownBy(() -> Validators.shared().validateDocument("[1, 2]"))
                .isInstanceOf(InvalidJsonException.class).hasMessageContaining("expected a JSON object");
    }
}
