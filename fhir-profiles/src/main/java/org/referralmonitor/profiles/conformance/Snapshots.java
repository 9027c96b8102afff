package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.hapi.converters.canonical.VersionCanonicalizer;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.validator.ProfileKnowledgeWorkerR5;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r5.conformance.profile.ProfileUtilities;
import org.hl7.fhir.utilities.validation.ValidationMessage;

/**
 * Generates the snapshot of a differential-only profile and keeps the generator's messages, which
 * HAPI's own snapshot support drops: a profile whose differential does not fit its base must fail
 * loudly at start-up, not validate nothing.
 */
final class Snapshots {

    /** A profile with its snapshot, and what went wrong making it. */
    record Result(StructureDefinition profile, List<String> errors) {
    }

    private final VersionCanonicalizer canonicalizer;
    private final WorkerContextValidationSupportAdapter worker;
    private final FhirContext fhir;

    Snapshots(FhirContext fhir, IValidationSupport base) {
        this.fhir = fhir;
        this.canonicalizer = new VersionCanonicalizer(fhir);
        this.worker = WorkerContextValidationSupportAdapter.newVersionSpecificWorkerContextWrapper(base);
    }

    Result generate(StructureDefinition differential) {
        org.hl7.fhir.r5.model.StructureDefinition derived = canonicalizer.structureDefinitionToCanonical(differential.copy());
        org.hl7.fhir.r5.model.StructureDefinition base =
                worker.fetchResource(org.hl7.fhir.r5.model.StructureDefinition.class, derived.getBaseDefinition());
        if (base == null) {
            return new Result(differential, List.of(differential.getUrl() + ": base " + derived.getBaseDefinition()
                    + " is unknown"));
        }
        List<ValidationMessage> messages = new ArrayList<>();
        new ProfileUtilities(worker, messages, new ProfileKnowledgeWorkerR5(fhir))
                .generateSnapshot(base, derived, derived.getUrl(), null, derived.getName());
        List<String> errors = messages.stream()
                .filter(m -> m.getLevel().isError())
                .map(m -> differential.getUrl() + " " + m.getLocation() + ": " + m.getMessage())
                .toList();
        return new Result((StructureDefinition) canonicalizer.structureDefinitionFromCanonical(derived), errors);
    }
}
