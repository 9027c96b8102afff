package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The package folder: what it holds, that other tools can read it, that its profiles are sound. */
class FhirPackageTest {

    static final Path FOLDER = Path.of("package");
    static final FhirContext FHIR = FhirContext.forR4Cached();

    @Test
    void isAnNpmStylePackageWhoseIndexListsEveryResource() throws IOException {
        JsonNode manifest = Validators.JSON.readTree(FOLDER.resolve("package.json").toFile());
        assertThat(manifest.path("name").asText()).isEqualTo("org.referralmonitor.fhir");
        assertThat(manifest.path("fhirVersions").get(0).asText()).isEqualTo("4.0.1");
        assertThat(manifest.path("dependencies").path("hl7.fhir.r4.core").asText()).isEqualTo("4.0.1");

        JsonNode index = Validators.JSON.readTree(FOLDER.resolve(".index.json").toFile());
        List<String> indexed = Stream.of(Validators.JSON.treeToValue(index.path("files"), JsonNode[].class))
                .map(f -> f.path("filename").asText()).toList();
        try (Stream<Path> files = Files.list(FOLDER)) {
            assertThat(files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("package.json") && !n.equals(".index.json")))
                    .containsExactlyInAnyOrderElementsOf(indexed);
        }
        for (JsonNode entry : index.path("files")) {
            JsonNode resource = Validators.JSON.readTree(FOLDER.resolve(entry.path("filename").asText()).toFile());
            assertThat(resource.path("url").asText()).isEqualTo(entry.path("url").asText());
            assertThat(resource.path("url").asText()).startsWith("https://referralmonitor.org/fhir/");
        }
    }

    @Test
    void holdsDifferentialsOnlyWithTheirOwnCanonicalUrls() {
        FhirPackage fromFolder = FhirPackage.fromFolder(FHIR, FOLDER);
        assertThat(fromFolder.profileUrls()).containsOnlyKeys("ServiceRequest", "Encounter", "Practitioner",
                "PractitionerRole", "Organization");
        assertThat(fromFolder.profiles()).allMatch(p -> !p.hasSnapshot() && p.hasDifferential());
        assertThat(fromFolder.valueSets()).extracting(v -> v.getIdElement().getIdPart())
                .containsExactlyInAnyOrder("rm-referral-codes", "rm-attended-visit-status");
        assertThat(FhirPackage.fromClasspath(FHIR).profileUrls()).isEqualTo(fromFolder.profileUrls());
    }

    @Test
    void loadsFromTheFolderIntoHapisValidatorAndEveryProfileGetsASnapshotWithoutErrors() {
        FhirValidation fromFolder = FhirValidation.create(FHIR, FhirPackage.fromFolder(FHIR, FOLDER), 10);

        assertThat(fromFolder.validate(Validators.fixture("referral-no-requester.json")).errors())
                .extracting(Finding::rule).containsExactly("Validation_VAL_Profile_Minimum");
        assertThat(fromFolder.validate(Validators.fixture("referral-conforming.json")).conforms()).isTrue();
    }

    @Test
    void refusesAProfileWhoseDifferentialDoesNotFitItsBase(@TempDir Path folder) throws IOException {
        try (Stream<Path> files = Files.list(FOLDER)) {
            for (Path file : files.toList()) {
                Files.copy(file, folder.resolve(file.getFileName()));
            }
        }
        Path visit = folder.resolve("StructureDefinition-rm-visit.json");
        Files.writeString(visit, Files.readString(visit).replace("\"Encounter.serviceProvider\"", "\"Encounter.serviceProvidr\""));

        assertThatThrownBy(() -> FhirValidation.create(FHIR, FhirPackage.fromFolder(FHIR, folder), 10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rm-visit")
                .hasMessageContaining("Encounter.serviceProvidr");
    }

    @Test
    void profilesMirrorTheUsCoreRulesTheyRestate() {
        StructureDefinition practitioner = FhirPackage.fromFolder(FHIR, FOLDER).profileFor("Practitioner").orElseThrow();
        assertThat(practitioner.getDifferential().getElement()).anySatisfy(e -> {
            assertThat(e.getSliceName()).isEqualTo("NPI");
            assertThat(e.getConstraint()).extracting(c -> c.getKey()).containsExactly("rm-npi-1", "rm-npi-2");
        });
    }
}
