package org.referralmonitor.ingest.sandbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A read-only FHIR R4 server over a {@link SandboxWorld}, built on WireMock: one base URL per
 * clinic ({@code http://127.0.0.1:<port>/fhir/<clinic>/}), serving {@code metadata}, read by id,
 * and search with {@code _count}, {@code _id}, {@code _lastUpdated}, {@code patient} and
 * {@code practitioner}, paged by an opaque {@code _offset} in the next link.
 */
public final class SandboxFhirServer implements AutoCloseable {

    private static final String TRANSFORMER = "sandbox-fhir";
    private static final Set<String> TYPES =
            Set.of("ServiceRequest", "Encounter", "Organization", "Practitioner", "PractitionerRole");

    private final SandboxWorld world;
    private final WireMockServer server;
    private final Map<String, Map<String, List<SandboxWorld.Resource>>> index;

    public SandboxFhirServer(SandboxWorld world) {
        this.world = world;
        this.index = world.clinics().stream().collect(Collectors.toMap(SandboxWorld.Clinic::id,
                c -> c.resources().stream()
                        .sorted(Comparator.comparing(SandboxWorld.Resource::lastUpdated)
                                .thenComparing(SandboxWorld.Resource::id))
                        .collect(Collectors.groupingBy(SandboxWorld.Resource::type))));
        this.server = new WireMockServer(options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .disableRequestJournal()
                .containerThreads(16)
                .extensions(new Responder()));
        server.stubFor(any(urlPathMatching("/fhir/.*")).willReturn(aResponse().withTransformers(TRANSFORMER)));
        server.start();
    }

    public SandboxWorld world() {
        return world;
    }

    public int port() {
        return server.port();
    }

    /** The FHIR base URL of a clinic's EMR, ending with a slash. */
    public URI baseUrl(String clinicId) {
        return URI.create("http://127.0.0.1:" + server.port() + "/fhir/" + clinicId + "/");
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Responder implements ResponseDefinitionTransformerV2 {

        @Override
        public String getName() {
            return TRANSFORMER;
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request request = event.getRequest();
            String path = URI.create(request.getUrl()).getPath();
            String[] parts = path.split("/");
            // "", "fhir", clinic, Type[, id]
            if (parts.length < 4 || !index.containsKey(parts[2])) {
                return outcome(404, "not-found", "No sandbox EMR at " + path);
            }
            String clinic = parts[2];
            String type = parts[3];
            if (parts.length == 4 && type.equals("metadata")) {
                return json(200, capabilityStatement());
            }
            if (!TYPES.contains(type)) {
                return outcome(404, "not-supported", "Resource type " + type + " is not served by the sandbox");
            }
            List<SandboxWorld.Resource> all = index.get(clinic).getOrDefault(type, List.of());
            if (parts.length == 5) {
                return all.stream().filter(r -> r.id().equals(parts[4])).findFirst()
                        .map(r -> json(200, r.json()))
                        .orElseGet(() -> outcome(404, "not-found", type + "/" + parts[4] + " is not known"));
            }
            try {
                return search(request, clinic, type, all);
            } catch (IllegalArgumentException e) {
                return outcome(400, "invalid", e.getMessage());
            }
        }

        private ResponseDefinition search(Request request, String clinic, String type, List<SandboxWorld.Resource> all) {
            int count = intParam(request, "_count", 50, 1, 1000);
            int offset = intParam(request, "_offset", 0, 0, Integer.MAX_VALUE);
            Predicate<SandboxWorld.Resource> filter = r -> true;
            List<String> ids = listParam(request, "_id");
            if (ids != null) {
                Set<String> wanted = Set.copyOf(ids);
                filter = filter.and(r -> wanted.contains(r.id()));
            }
            List<String> practitioners = listParam(request, "practitioner");
            if (practitioners != null) {
                Set<String> wanted = practitioners.stream().map(p -> p.replaceFirst("^Practitioner/", ""))
                        .collect(Collectors.toSet());
                filter = filter.and(r -> r.practitionerId() != null && wanted.contains(r.practitionerId()));
            }
            List<String> patients = listParam(request, "patient");
            if (patients != null) {
                Set<String> wanted = patients.stream().map(p -> p.replaceFirst("^Patient/", ""))
                        .collect(Collectors.toSet());
                filter = filter.and(r -> r.patientId() != null && wanted.contains(r.patientId()));
            }
            QueryParameter lastUpdated = request.queryParameter("_lastUpdated");
            if (lastUpdated.isPresent()) {
                for (String value : lastUpdated.values()) {
                    filter = filter.and(lastUpdatedFilter(value));
                }
            }
            List<SandboxWorld.Resource> matches = all.stream().filter(filter).toList();
            List<SandboxWorld.Resource> page = matches.subList(Math.min(offset, matches.size()),
                    Math.min(offset + count, matches.size()));
            String self = baseUrl(clinic) + type + "?" + query(request, offset);
            StringBuilder body = new StringBuilder(page.size() * 1200 + 400);
            body.append("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":").append(matches.size())
                    .append(",\"link\":[{\"relation\":\"self\",\"url\":\"").append(self).append("\"}");
            if (offset + count < matches.size()) {
                body.append(",{\"relation\":\"next\",\"url\":\"").append(baseUrl(clinic)).append(type).append('?')
                        .append(query(request, offset + count)).append("\"}");
            }
            body.append("],\"entry\":[");
            for (int i = 0; i < page.size(); i++) {
                SandboxWorld.Resource r = page.get(i);
                body.append(i == 0 ? "" : ",").append("{\"fullUrl\":\"").append(baseUrl(clinic)).append(type)
                        .append('/').append(r.id()).append("\",\"resource\":").append(r.json())
                        .append(",\"search\":{\"mode\":\"match\"}}");
            }
            body.append("]}");
            return json(200, body.toString());
        }

        /** The request's query with {@code _offset} replaced: every other parameter is kept as sent. */
        private String query(Request request, int offset) {
            String raw = URI.create(request.getUrl()).getRawQuery();
            String kept = raw == null ? "" : Arrays.stream(raw.split("&"))
                    .filter(p -> !p.startsWith("_offset=") && !p.isEmpty())
                    .collect(Collectors.joining("&"));
            return (kept.isEmpty() ? "" : kept + "&") + "_offset=" + offset;
        }

        private Predicate<SandboxWorld.Resource> lastUpdatedFilter(String value) {
            String prefix = value.length() > 2 && Character.isLetter(value.charAt(0)) ? value.substring(0, 2) : "eq";
            String instantText = prefix.equals("eq") ? value : value.substring(2);
            Instant at;
            try {
                at = OffsetDateTime.parse(instantText).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("_lastUpdated '" + value + "' is not an instant with a time zone");
            }
            return switch (prefix) {
                case "ge" -> r -> !r.lastUpdated().isBefore(at);
                case "gt" -> r -> r.lastUpdated().isAfter(at);
                case "le" -> r -> !r.lastUpdated().isAfter(at);
                case "lt" -> r -> r.lastUpdated().isBefore(at);
                case "eq" -> r -> r.lastUpdated().equals(at);
                default -> throw new IllegalArgumentException("_lastUpdated prefix '" + prefix + "' is not supported");
            };
        }

        private int intParam(Request request, String name, int fallback, int min, int max) {
            QueryParameter p = request.queryParameter(name);
            if (!p.isPresent()) {
                return fallback;
            }
            try {
                return Math.max(min, Math.min(max, Integer.parseInt(p.firstValue())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, got '" + p.firstValue() + "'");
            }
        }

        private List<String> listParam(Request request, String name) {
            QueryParameter p = request.queryParameter(name);
            return p.isPresent() ? p.values().stream().flatMap(v -> Arrays.stream(v.split(","))).toList() : null;
        }

        private String capabilityStatement() {
            String resources = TYPES.stream().sorted().map(t -> "{\"type\":\"" + t
                    + "\",\"interaction\":[{\"code\":\"read\"},{\"code\":\"search-type\"}],\"searchParam\":["
                    + "{\"name\":\"_id\",\"type\":\"token\"},{\"name\":\"_lastUpdated\",\"type\":\"date\"}"
                    + (t.equals("ServiceRequest") || t.equals("Encounter")
                            ? ",{\"name\":\"patient\",\"type\":\"reference\"}" : "")
                    + (t.equals("PractitionerRole") ? ",{\"name\":\"practitioner\",\"type\":\"reference\"}" : "")
                    + "]}").collect(Collectors.joining(","));
            return "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":\"" + Instant.now()
                    + "\",\"kind\":\"instance\",\"software\":{\"name\":\"referral-monitor sandbox EMR\"},"
                    + "\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"],\"rest\":[{\"mode\":\"server\",\"resource\":["
                    + resources + "]}]}";
        }

        private ResponseDefinition json(int status, String body) {
            return aResponse().withStatus(status).withHeader("Content-Type", "application/fhir+json;charset=utf-8")
                    .withBody(body).build();
        }

        private ResponseDefinition outcome(int status, String code, String text) {
            return json(status, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
                    + code + "\",\"diagnostics\":\"" + text.replace("\"", "'") + "\"}]}");
        }
    }
}
