package org.referralmonitor.ingest.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The JSON kept of a ServiceRequest or Encounter: what classification and counting can use again,
 * without what identifies the patient. Removed: the narrative and every free-text field (text,
 * notes, comments, descriptions, patient instructions, string extensions), every contained resource
 * but the practices, providers and roles that credit the referral (a contained Patient or
 * RelatedPerson, with its name, birth date, telecom and address, goes whole), the resource's own
 * identifiers (order, visit, account numbers), extension values that name or locate someone, and the
 * subject's display; the subject reference becomes the keyed patient hash, any other reference to a
 * patient or a related person (a patient as requester, a relative as participant) keeps only its
 * type, and every other reference loses its display and any identifier but an NPI.
 */
@org.springframework.stereotype.Component
public class ResourceSanitizer {

    /** The identifier system of the keyed patient hash that replaces the subject reference. */
    public static final String PATIENT_HASH_SYSTEM = "urn:referral-monitor:patient-hash";

    /** Free text, and extension values that can name or locate a person; removed wherever they are. */
    private static final Set<String> FREE_TEXT = Set.of("text", "note", "comment", "description",
            "patientInstruction", "valueString", "valueMarkdown", "valueHumanName", "valueAddress",
            "valueContactPoint", "valueIdentifier");

    /** The identifier system of an NPI: a provider's, kept where a reference names one. */
    private static final String NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi";

    /** Contained resources kept: those that tell who referred (References.parse reads them). */
    private static final Set<String> KEPT_CONTAINED = Set.of("Practitioner", "PractitionerRole", "Organization");

    /** Resource types that are people we must not identify: a reference to one keeps only its type. */
    public static final Set<String> PERSONAL = Set.of("Patient", "RelatedPerson");

    private static final java.util.regex.Pattern PERSONAL_REFERENCE =
            java.util.regex.Pattern.compile("(?:^|/)(Patient|RelatedPerson)/[^/]+(?:/_history/[^/]+)?/?$");

    public String sanitize(ObjectNode resource, String patientHash) {
        ObjectNode copy = resource.deepCopy();
        strip(copy);
        // the request's or visit's own business identifiers (order, visit and account numbers)
        copy.remove("identifier");
        if (copy.has("subject")) {
            if (patientHash == null) {
                copy.remove("subject");
            } else {
                ObjectNode subject = copy.putObject("subject");
                subject.putObject("identifier").put("system", PATIENT_HASH_SYSTEM).put("value", patientHash);
            }
        }
        Map<String, String> removed = new java.util.HashMap<>();
        JsonNode contained = copy.get("contained");
        if (contained instanceof ArrayNode array) {
            for (Iterator<JsonNode> items = array.elements(); items.hasNext(); ) {
                JsonNode item = items.next();
                String type = item.path("resourceType").asText();
                if (!KEPT_CONTAINED.contains(type)) {
                    removed.put("#" + item.path("id").asText(), type);
                    items.remove();
                }
            }
            if (array.isEmpty()) {
                copy.remove("contained");
            }
        }
        forgetPeople(copy, removed);
        return copy.toString();
    }

    /**
     * Every reference (but the subject, already the hash) to a patient or a related person, or to a
     * contained resource removed, keeps only the type it names.
     */
    private static void forgetPeople(JsonNode node, Map<String, String> removed) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getValue() instanceof ObjectNode reference && !"subject".equals(field.getKey())
                        && personalType(reference, removed) != null) {
                    field.setValue(reference.objectNode().put("type", personalType(reference, removed)));
                } else {
                    if (!"subject".equals(field.getKey())) {
                        anonymousReference(field.getValue());
                    }
                    forgetPeople(field.getValue(), removed);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i) instanceof ObjectNode reference && personalType(reference, removed) != null) {
                    array.set(i, reference.objectNode().put("type", personalType(reference, removed)));
                } else {
                    anonymousReference(array.get(i));
                    forgetPeople(array.get(i), removed);
                }
            }
        }
    }

    /**
     * A Reference to anyone else keeps what it points at but not its display (a display-only reference
     * may be "Mary Doe (mother)") nor an identifier other than an NPI (a member or record number).
     */
    private static void anonymousReference(JsonNode node) {
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        boolean reference = o.path("reference").isTextual() || o.get("identifier") instanceof ObjectNode
                || (o.path("display").isTextual() && !o.has("code") && !o.has("system"));
        if (!reference) {
            return;
        }
        o.remove("display");
        if (o.get("identifier") instanceof ObjectNode identifier
                && !NPI_SYSTEM.equals(identifier.path("system").asText())) {
            o.remove("identifier");
        }
    }

    /** The type of person a Reference names (a patient, a related person, a removed contained resource), else null. */
    private static String personalType(ObjectNode reference, Map<String, String> removed) {
        JsonNode ref = reference.get("reference");
        if (ref != null && ref.isTextual()) {
            if (removed.containsKey(ref.asText())) {
                return removed.get(ref.asText());
            }
            java.util.regex.Matcher m = PERSONAL_REFERENCE.matcher(ref.asText());
            if (m.find()) {
                return m.group(1);
            }
        }
        JsonNode type = reference.get("type");
        return type != null && type.isTextual() && PERSONAL.contains(type.asText())
                && (ref != null || reference.has("identifier") || reference.has("display")) ? type.asText() : null;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (FREE_TEXT.contains(field.getKey())) {
                    fields.remove();
                } else {
                    strip(field.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(ResourceSanitizer::strip);
        }
    }
}
