package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;

/**
 * Listing fewer core definitions keeps fewer of them converted in memory; it must change no verdict
 * and hide no definition from a fetch by URL.
 */
class EnumeratedDefinitionsTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final String CORE = "http://hl7.org/fhir/StructureDefinition/";
    /** Resources whose validation needs core definitions that are not listed. */
    private static final Path NEEDING_UNLISTED = Path.of("src/test/resources/fhir/core-definitions");

    @Test
    void listsDataTypesAndTheProfiledResourceTypesButFetchesEveryDefinitionByUrl() {
        DefaultProfileValidationSupport core = new DefaultProfileValidationSupport(FHIR);
        EnumeratedDefinitions view = new EnumeratedDefinitions(FHIR, core, Set.of("ServiceRequest", "Encounter"));

        List<StructureDefinition> listed = view.<StructureDefinition>fetchAllStructureDefinitions();
        List<String> urls = listed.stream().map(StructureDefinition::getUrl).toList();
        assertThat(urls).contains(CORE + "ServiceRequest", CORE + "Encounter", CORE + "string", CORE + "Reference",
                CORE + "Extension", CORE + "Element");
        assertThat(urls).doesNotContain(CORE + "Patient", CORE + "Observation", CORE + "vitalsigns",
                CORE + "workflow-episodeOfCare");
        assertThat(listed).allMatch(d -> d.getDerivation() != StructureDefinition.TypeDerivationRule.CONSTRAINT);
        assertThat(listed.size()).as("listed of %s core definitions", core.fetchAllStructureDefinitions().size())
                .isLessThan(core.fetchAllStructureDefinitions().size() / 3);

        for (String unlisted : List.of("Patient", "Observation", "vitalsigns", "workflow-episodeOfCare")) {
            IBaseResource fetched = view.fetchStructureDefinition(CORE + unlisted);
            assertThat(fetched).as(unlisted).isNotNull();
            assertThat(((StructureDefinition) fetched).getUrl()).isEqualTo(CORE + unlisted);
        }
    }

    @Test
    void givesTheVerdictsOfAChainListingEveryDefinition() throws IOException {
        FhirValidation lean = Validators.shared();
        FhirValidation everything = FhirValidation.enumeratingEveryDefinition(FHIR, lean.fhirPackage());

        List<Path> fixtures;
        try (Stream<Path> rules = Files.list(Validators.FIXTURES); Stream<Path> unlisted = Files.list(NEEDING_UNLISTED)) {
            fixtures = Stream.concat(rules, unlisted).filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(fixtures).hasSizeGreaterThan(30);
        int withErrors = 0;
        for (Path fixture : fixtures) {
            ValidationReport expected = everything.validateExactly(read(fixture));
            assertThat(lean.validateExactly(read(fixture))).as(fixture.toString()).isEqualTo(expected);
            withErrors += expected.errors().isEmpty() ? 0 : 1;
        }
        assertThat(withErrors).as("fixtures with errors: the comparison covers failing rules too").isGreaterThan(10);
    }

    @Test
    void validatesWhatNeedsAnUnlistedDefinition() throws IOException {
        FhirValidation lean = Validators.shared();

        assertThat(messages(lean.validateExactly(read(NEEDING_UNLISTED.resolve("referral-contained-patient-bad-values.json")))))
                .as("a contained Patient is validated against the Patient definition, fetched by URL")
                .anyMatch(m -> m.contains("robot"));
        assertThat(messages(lean.validateExactly(read(NEEDING_UNLISTED.resolve("referral-core-extension-wrong-type.json")))))
                .as("a core extension is checked against its definition, fetched by URL")
                .anyMatch(m -> m.contains("workflow-episodeOfCare"));
        assertThat(lean.validateExactly(read(NEEDING_UNLISTED.resolve("visit-contained-observation-incomplete.json"))).errors())
                .as("a contained Observation without its required status and code")
                .anyMatch(f -> f.location() != null && f.location().contains("contained"));
    }

    private static ObjectNode read(Path file) throws IOException {
        return (ObjectNode) Validators.JSON.readTree(Files.readString(file));
    }

    private static List<String> messages(ValidationReport report) {
        return report.errors().stream().map(f -> f.message() + " " + f.location() + " " + f.detail()).toList();
    }
}
