package org.referralmonitor.ingest.capability;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a CapabilityStatement and a SMART configuration (both as JSON) into {@link ServerCapabilities}. */
final class CapabilityParser {

    private static final String COMBINATION =
            "http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination";

    private CapabilityParser() {
    }

    static ServerCapabilities parse(JsonNode statement, JsonNode smart, OffsetDateTime at) {
        Map<String, ServerCapabilities.TypeSupport> types = new LinkedHashMap<>();
        boolean systemExport = false;
        boolean groupExport = false;
        boolean patientExport = false;
        for (JsonNode rest : statement.path("rest")) {
            if (!"server".equals(rest.path("mode").asText("server"))) {
                continue;
            }
            systemExport |= hasExport(rest.path("operation"));
            for (JsonNode resource : rest.path("resource")) {
                String type = resource.path("type").asText();
                Set<String> interactions = new LinkedHashSet<>();
                resource.path("interaction").forEach(i -> interactions.add(i.path("code").asText()));
                Set<String> params = new LinkedHashSet<>();
                resource.path("searchParam").forEach(p -> params.add(p.path("name").asText()));
                types.put(type, new ServerCapabilities.TypeSupport(interactions.contains("read"),
                        interactions.contains("search-type"), params, patientRequired(resource)));
                if (type.equals("Group")) {
                    groupExport |= hasExport(resource.path("operation"));
                }
                if (type.equals("Patient")) {
                    patientExport |= hasExport(resource.path("operation"));
                }
            }
        }
        return new ServerCapabilities(statement.path("fhirVersion").asText(null),
                (statement.path("software").path("name").asText("") + " "
                        + statement.path("software").path("version").asText("")).strip(),
                types, systemExport, groupExport, patientExport, smart != null && smart.isObject(),
                smart == null ? null : smart.path("token_endpoint").asText(null),
                strings(smart, "token_endpoint_auth_methods_supported"),
                strings(smart, "token_endpoint_auth_signing_alg_values_supported"),
                strings(smart, "scopes_supported"), strings(smart, "capabilities"), at);
    }

    private static boolean hasExport(JsonNode operations) {
        for (JsonNode operation : operations) {
            String name = operation.path("name").asText();
            String definition = operation.path("definition").asText("");
            if (name.equals("export") || name.equals("$export") || definition.endsWith("/export")
                    || definition.contains("/OperationDefinition/") && definition.contains("export")) {
                return true;
            }
        }
        return false;
    }

    /** True when the server declares search combinations and every one of them needs a patient. */
    private static boolean patientRequired(JsonNode resource) {
        List<Set<String>> combinations = new ArrayList<>();
        for (JsonNode extension : resource.path("extension")) {
            if (!COMBINATION.equals(extension.path("url").asText())) {
                continue;
            }
            Set<String> required = new LinkedHashSet<>();
            for (JsonNode part : extension.path("extension")) {
                if ("required".equals(part.path("url").asText())) {
                    required.add(part.path("valueString").asText());
                }
            }
            combinations.add(required);
        }
        return !combinations.isEmpty()
                && combinations.stream().allMatch(c -> c.contains("patient") || c.contains("subject"));
    }

    private static List<String> strings(JsonNode node, String field) {
        List<String> values = new ArrayList<>();
        if (node != null) {
            node.path(field).forEach(v -> values.add(v.asText()));
        }
        return List.copyOf(values);
    }
}
