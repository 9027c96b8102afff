package org.referralmonitor.ingest.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IJsonLikeParser;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Resource;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.referralmonitor.profiles.conformance.Finding;
import org.referralmonitor.profiles.conformance.ValidationReport;
import org.springframework.stereotype.Component;

/**
 * Reads a searchset Bundle page entry by entry (Jackson streaming, then HAPI per resource), so
 * that one unreadable resource goes to the review table while the rest of the page is kept. Each
 * kept resource is validated against the monitor's profiles at the endpoint's level: strict sends
 * a resource with errors to review, lenient keeps it and records its deviations.
 */
@Component
public class BundlePageParser {

    private final FhirContext fhir;
    private final ResourceMapper mapper;
    private final FhirValidation validation;
    private final ObjectMapper json = new ObjectMapper();
    private final JsonFactory factory = json.getFactory();

    public BundlePageParser(FhirContext fhir, ResourceMapper mapper, FhirValidation validation) {
        this.fhir = fhir;
        this.mapper = mapper;
        this.validation = validation;
    }

    public ParsedPage parse(byte[] body, MappingContext ctx) throws MalformedPageException {
        return parse(new java.io.ByteArrayInputStream(body), ctx);
    }

    /**
     * Reads a page as it streams in (a body in pieces, {@code Body.stream()}), never holding it as one
     * array. A read error, like a syntax error, makes the page malformed as a whole.
     */
    public ParsedPage parse(InputStream body, MappingContext ctx) throws MalformedPageException {
        try {
            return parse(factory.createParser(body), ctx);
        } catch (IOException e) {
            throw new MalformedPageException("the page could not be read: " + e.getMessage(), e);
        }
    }

    private ParsedPage parse(JsonParser parser, MappingContext ctx) throws MalformedPageException {
        List<MappedResource> resources = new ArrayList<>();
        List<ParsedPage.Rejection> rejections = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<ParsedPage.ResourceIssues> issues = new ArrayList<>();
        String next = null;
        Integer total = null;
        String resourceType = null;
        int entries = 0;
        int ignored = 0;
        try (JsonParser p = parser) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedPageException("the response is not a JSON object (a FHIR Bundle was expected)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "resourceType" -> resourceType = p.getValueAsString();
                    case "total" -> total = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : null;
                    case "link" -> next = nextLink(p.readValueAsTree());
                    case "entry" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw new MalformedPageException("Bundle.entry is not an array");
                        }
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            entries++;
                            JsonNode entry = p.readValueAsTree();
                            ignored += readEntry(entry, entries, ctx, resources, rejections, warnings, issues) ? 0 : 1;
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new MalformedPageException("the page is not valid JSON"
                    + (where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedPageException("the page could not be read: " + e.getMessage(), e);
        }
        if (!"Bundle".equals(resourceType)) {
            throw new MalformedPageException(resourceType == null
                    ? "the response has no resourceType (a FHIR Bundle was expected)"
                    : "the response is a " + resourceType + ", not a Bundle");
        }
        return new ParsedPage(resources, rejections, next, total, entries, ignored, warnings, issues);
    }

    /**
     * Reads lines of an NDJSON file (a Bulk Data export), one resource per line, as one chunk. A line
     * that is not a JSON object goes to review with its line number; the other lines are kept.
     *
     * @param firstLine the number of the first line in the file, from 1
     */
    public ParsedPage parseLines(List<String> lines, int firstLine, String file, MappingContext ctx) {
        List<MappedResource> resources = new ArrayList<>();
        List<ParsedPage.Rejection> rejections = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<ParsedPage.ResourceIssues> issues = new ArrayList<>();
        int ignored = 0;
        int entries = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            entries++;
            String where = "line " + (firstLine + i) + " of " + file;
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (JsonProcessingException e) {
                rejections.add(new ParsedPage.Rejection(null, null, where + " is not valid JSON: "
                        + e.getOriginalMessage(), where, fingerprint(ctx.endpointId(), line)));
                continue;
            }
            ignored += readResource(node, where, where, ctx, resources, rejections, warnings, issues) ? 0 : 1;
        }
        return new ParsedPage(resources, rejections, null, null, entries, ignored, warnings, issues);
    }

    /** {@link PatientPseudonymizer#fingerprint} of content that arrived without a type or id to tell it by. */
    public String fingerprint(String endpointId, String content) {
        return mapper.fingerprint(endpointId, content);
    }

    /** @return false when the entry holds nothing we keep */
    private boolean readEntry(JsonNode entry, int position, MappingContext ctx, List<MappedResource> resources,
            List<ParsedPage.Rejection> rejections, List<String> warnings, List<ParsedPage.ResourceIssues> issues) {
        JsonNode resource = entry.get("resource");
        if (resource == null || !resource.isObject()) {
            rejections.add(new ParsedPage.Rejection(null, null,
                    "Bundle entry " + position + " has no resource", "Bundle.entry[" + (position - 1) + "]",
                    fingerprint(ctx.endpointId(), entry.toString())));
            return true;
        }
        return readResource(resource, "Bundle entry " + position, "Bundle.entry[" + (position - 1) + "].resource", ctx, resources, rejections, warnings, issues);
    }

    /** @return false when the resource is nothing we keep */
    private boolean readResource(JsonNode resource, String where, String location, MappingContext ctx, List<MappedResource> resources,
            List<ParsedPage.Rejection> rejections, List<String> warnings, List<ParsedPage.ResourceIssues> issues) {
        if (!resource.isObject()) {
            rejections.add(new ParsedPage.Rejection(null, null, where + " is not a JSON object", location,
                    fingerprint(ctx.endpointId(), resource.toString())));
            return true;
        }
        String type = resource.path("resourceType").asText(null);
        String id = resource.path("id").asText(null);
        if ("OperationOutcome".equals(type)) {
            warnings.addAll(diagnostics((ObjectNode) resource));
            return false;
        }
        if (type == null) {
            rejections.add(new ParsedPage.Rejection(null, id, where + " has a resource without resourceType",
                    location, fingerprint(ctx.endpointId(), resource.toString())));
            return true;
        }
        if (!ResourceMapper.KEPT_TYPES.contains(type)) {
            return false;
        }
        try {
            Resource parsed = (Resource) parse(type, (ObjectNode) resource);
            MappedResource mapped = mapper.map(parsed, (ObjectNode) resource, ctx);
            if (ctx.validation() != ValidationLevel.OFF) {
                ValidationReport report = validation.validate((ObjectNode) resource);
                if (ctx.validation() == ValidationLevel.STRICT && !report.conforms()) {
                    Finding first = report.errors().get(0);
                    rejections.add(new ParsedPage.Rejection(type, mapped.resourceId(), report.errors().stream()
                            .map(Finding::message).collect(Collectors.joining("; ")), first.location()));
                    return true;
                }
                if (!report.deviations().isEmpty()) {
                    issues.add(new ParsedPage.ResourceIssues(type, mapped.resourceId(), report.deviations()));
                }
            }
            resources.add(mapped);
        } catch (DataFormatException e) {
            rejections.add(new ParsedPage.Rejection(type, id,
                    type + " " + (id == null ? "(no id)" : id) + " is not valid FHIR R4 JSON: " + plain(e.getMessage()),
                    type, id == null ? fingerprint(ctx.endpointId(), resource.toString()) : null));
        } catch (RejectedResourceException e) {
            rejections.add(new ParsedPage.Rejection(e.resourceType(), e.resourceId(), e.getMessage(), e.location(),
                    e.resourceId() == null ? fingerprint(ctx.endpointId(), resource.toString()) : null));
        }
        return true;
    }

    private IBaseResource parse(String type, ObjectNode node) {
        IParser parser = fhir.newJsonParser();
        LenientErrorHandler errors = new LenientErrorHandler(false);
        errors.setErrorOnInvalidValue(true);
        parser.setParserErrorHandler(errors);
        JacksonStructure structure = new JacksonStructure();
        structure.setNativeObject(node);
        return ((IJsonLikeParser) parser).parseResource(fhir.getResourceDefinition(type).getImplementingClass(),
                structure);
    }

    private List<String> diagnostics(ObjectNode node) {
        try {
            OperationOutcome outcome = (OperationOutcome) parse("OperationOutcome", node);
            return outcome.getIssue().stream()
                    .map(i -> i.getSeverity() + ": " + (i.hasDiagnostics() ? i.getDiagnostics() : i.getDetails().getText()))
                    .toList();
        } catch (DataFormatException e) {
            return List.of("unreadable OperationOutcome: " + plain(e.getMessage()));
        }
    }

    private static String nextLink(JsonNode links) {
        if (links == null || !links.isArray()) {
            return null;
        }
        for (JsonNode link : links) {
            if ("next".equals(link.path("relation").asText()) && link.hasNonNull("url")) {
                return link.get("url").asText();
            }
        }
        return null;
    }

    /** HAPI messages start with an internal code ("HAPI-1821: "); the reader does not need it. */
    static String plain(String message) {
        return message == null ? "unknown parse error" : message.replaceFirst("^HAPI-\\d+:\\s*", "");
    }
}
