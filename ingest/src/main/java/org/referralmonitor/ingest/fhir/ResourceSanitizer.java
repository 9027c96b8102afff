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
 * notes, comments, descriptions, patient instructions, string extensions), contained Patients and
 * the subject's display; the subject reference becomes the keyed patient hash.
 */
@org.springframework.stereotype.Component
public class ResourceSanitizer {

    /** The identifier system of the keyed patient hash that replaces the subject reference. */
    public static final String PATIENT_HASH_SYSTEM = "urn:referral-monitor:patient-hash";

    private static final Set<String> FREE_TEXT = Set.of("text", "note", "comment", "description",
            "patientInstruction", "valueString", "valueMarkdown");

    public String sanitize(ObjectNode resource, String patientHash) {
        ObjectNode copy = resource.deepCopy();
        strip(copy);
        if (copy.has("subject")) {
            if (patientHash == null) {
                copy.remove("subject");
            } else {
                ObjectNode subject = copy.putObject("subject");
                subject.putObject("identifier").put("system", PATIENT_HASH_SYSTEM).put("value", patientHash);
            }
        }
        JsonNode contained = copy.get("contained");
        if (contained instanceof ArrayNode array) {
            for (Iterator<JsonNode> items = array.elements(); items.hasNext(); ) {
                if ("Patient".equals(items.next().path("resourceType").asText())) {
                    items.remove();
                }
            }
            if (array.isEmpty()) {
                copy.remove("contained");
            }
        }
        return copy.toString();
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
