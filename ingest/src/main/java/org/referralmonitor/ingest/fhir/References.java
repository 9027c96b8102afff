package org.referralmonitor.ingest.fhir;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.referralmonitor.profiles.Npi;

/**
 * Reads a FHIR reference in any of the forms EMRs use (relative, absolute, identifier-only,
 * contained, display-only). Never throws: an unusable reference becomes {@link Ref#NONE} or a
 * display/foreign form, so a referral is never lost because of how its requester was written.
 */
public final class References {

    // Type/id, optionally followed by /_history/version. Ids: [A-Za-z0-9\-\.]{1,64} per FHIR.
    private static final Pattern TYPE_ID = Pattern.compile("([A-Z][A-Za-z]+)/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?/?");

    private References() {
    }

    public static Ref parse(Reference reference, URI base, List<Resource> contained) {
        if (reference == null || reference.isEmpty()) {
            return Ref.NONE;
        }
        String declaredType = reference.hasType() ? reference.getType() : null;
        if (reference.hasReference()) {
            String value = reference.getReference().trim();
            if (value.startsWith("#")) {
                return contained(value.substring(1), contained, declaredType);
            }
            Matcher relative = TYPE_ID.matcher(value);
            if (relative.matches()) {
                return new Ref(relative.group(1), relative.group(2), null, Ref.Form.RELATIVE);
            }
            if (value.startsWith("http://") || value.startsWith("https://")) {
                String baseText = base.toString();
                if (value.startsWith(baseText)) {
                    Matcher absolute = TYPE_ID.matcher(value.substring(baseText.length()));
                    if (absolute.matches()) {
                        return new Ref(absolute.group(1), absolute.group(2), null, Ref.Form.ABSOLUTE);
                    }
                }
                Matcher foreign = Pattern.compile(".*/" + TYPE_ID.pattern()).matcher(value);
                return new Ref(foreign.matches() ? foreign.group(1) : declaredType, null, null, Ref.Form.FOREIGN);
            }
        }
        if (reference.hasIdentifier()) {
            String npi = npi(List.of(reference.getIdentifier())).orElse(null);
            return new Ref(declaredType, null, npi, Ref.Form.IDENTIFIER);
        }
        if (reference.hasDisplay()) {
            return new Ref(declaredType, null, null, Ref.Form.DISPLAY);
        }
        return new Ref(declaredType, null, null, Ref.Form.NONE);
    }

    private static Ref contained(String localId, List<Resource> contained, String declaredType) {
        for (Resource resource : contained) {
            String id = resource.getIdElement().getIdPart();
            if (localId.equals(id) || ("#" + localId).equals(resource.getId())) {
                String npi = null;
                if (resource instanceof Practitioner p) {
                    npi = npi(p.getIdentifier()).orElse(null);
                } else if (resource instanceof Organization o) {
                    npi = npi(o.getIdentifier()).orElse(null);
                }
                return new Ref(resource.fhirType(), null, npi, Ref.Form.CONTAINED);
            }
        }
        return new Ref(declaredType, null, null, Ref.Form.CONTAINED);
    }

    /** The first identifier with the NPI system and a valid check digit. */
    public static Optional<String> npi(List<Identifier> identifiers) {
        return identifiers.stream()
                .filter(i -> Npi.SYSTEM.equals(i.getSystem()))
                .map(Identifier::getValue)
                .filter(Npi::isValid)
                .findFirst();
    }
}
