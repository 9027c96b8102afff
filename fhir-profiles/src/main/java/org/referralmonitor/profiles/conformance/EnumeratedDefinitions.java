package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.common.hapi.validation.support.BaseValidationSupportWrapper;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind;
import org.hl7.fhir.r4.model.StructureDefinition.TypeDerivationRule;

/**
 * The R4 core definitions as the validator should see them when it asks for all of them: the base
 * definitions of the data types and of the resource types the monitor profiles, nothing else.
 * Every definition can still be fetched by its URL (an extension's, a contained resource's type).
 *
 * <p>Why: HAPI's validator lists every definition the chain enumerates (only to find a type's
 * definitions and the primitive types), converts each one to R5 and keeps the conversion next to
 * the R4 original for as long as the validator lives. On the whole core that is 649 conversions,
 * about 50 MB that stay resident in a monitor meant to sync a million resources in a 512 MB heap
 * (measured with `jcmd GC.class_histogram`, after a validation of every shape of the sandbox
 * world: 136 MB resident instead of 188 MB; 72 conversions instead of 649). The verdicts are the
 * same ({@code EnumeratedDefinitionsTest}).
 */
final class EnumeratedDefinitions extends BaseValidationSupportWrapper {

    private final Set<String> profiledTypes;

    EnumeratedDefinitions(FhirContext fhir, IValidationSupport core, Set<String> profiledTypes) {
        super(fhir, core);
        this.profiledTypes = Set.copyOf(profiledTypes);
    }

    @Override
    public <T extends IBaseResource> List<T> fetchAllStructureDefinitions() {
        List<T> all = super.fetchAllStructureDefinitions();
        if (all == null) {
            return null;
        }
        List<T> listed = new ArrayList<>();
        for (T resource : all) {
            if (resource instanceof StructureDefinition definition && listed(definition)) {
                listed.add(resource);
            }
        }
        return listed;
    }

    private boolean listed(StructureDefinition definition) {
        if (definition.getDerivation() == TypeDerivationRule.CONSTRAINT) {
            return false;
        }
        return definition.getKind() != StructureDefinitionKind.RESOURCE || profiledTypes.contains(definition.getType());
    }

    @Override
    public String getName() {
        return "R4 core definitions, enumerating data types and the profiled resource types";
    }
}
