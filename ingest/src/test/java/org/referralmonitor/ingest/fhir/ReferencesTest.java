package org.referralmonitor.ingest.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.referralmonitor.profiles.Npi;

class ReferencesTest {

    private static final URI BASE = URI.create("https://emr.example.org/fhir/r4/");

    private static Ref parse(Reference r, Resource... contained) {
        return References.parse(r, BASE, List.of(contained));
    }

    @Test
    void readsRelativeAndVersionedReferences() {
        assertThat(parse(new Reference("Practitioner/abc-1"))).isEqualTo(new Ref("Practitioner", "abc-1", null, Ref.Form.RELATIVE));
        assertThat(parse(new Reference("PractitionerRole/r.2/_history/7")))
                .isEqualTo(new Ref("PractitionerRole", "r.2", null, Ref.Form.RELATIVE));
    }

    @Test
    void absoluteReferenceOnThisEndpointIsLocal() {
        Ref ref = parse(new Reference("https://emr.example.org/fhir/r4/Organization/42"));
        assertThat(ref).isEqualTo(new Ref("Organization", "42", null, Ref.Form.ABSOLUTE));
        assertThat(ref.isLocal()).isTrue();
    }

    @Test
    void absoluteReferenceElsewhereIsForeignAndNotLocal() {
        Ref ref = parse(new Reference("https://other.example.org/fhir/Organization/42"));
        assertThat(ref.form()).isEqualTo(Ref.Form.FOREIGN);
        assertThat(ref.type()).isEqualTo("Organization");
        assertThat(ref.isLocal()).isFalse();
    }

    @Test
    void identifierOnlyReferenceKeepsAValidNpiOnly() {
        Reference valid = new Reference().setType("Practitioner")
                .setIdentifier(new Identifier().setSystem(Npi.SYSTEM).setValue("1234567893"));
        Reference invalid = new Reference().setIdentifier(new Identifier().setSystem(Npi.SYSTEM).setValue("1234567890"));
        assertThat(parse(valid)).isEqualTo(new Ref("Practitioner", null, "1234567893", Ref.Form.IDENTIFIER));
        assertThat(parse(invalid)).isEqualTo(new Ref(null, null, null, Ref.Form.IDENTIFIER));
    }

    @Test
    void containedReferenceReadsTheContainedResource() {
        Organization org = new Organization();
        org.setId("#o1");
        org.addIdentifier().setSystem(Npi.SYSTEM).setValue("1245319599");
        assertThat(parse(new Reference("#o1"), org)).isEqualTo(new Ref("Organization", null, "1245319599", Ref.Form.CONTAINED));
        assertThat(parse(new Reference("#missing"), org).form()).isEqualTo(Ref.Form.CONTAINED);
    }

    @Test
    void displayOnlyAndEmptyAndGarbageNeverThrow() {
        assertThat(parse(new Reference().setDisplay("Dr. Who")).form()).isEqualTo(Ref.Form.DISPLAY);
        assertThat(parse(new Reference())).isEqualTo(Ref.NONE);
        assertThat(parse(null)).isEqualTo(Ref.NONE);
        assertThat(parse(new Reference("urn:uuid:1234")).form()).isEqualTo(Ref.Form.NONE);
        assertThat(parse(new Reference("not a reference at all")).isLocal()).isFalse();
    }
}
