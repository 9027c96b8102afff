package org.referralmonitor.ingest.sandbox;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A FHIR R4 server over a {@link SandboxWorld}, built on WireMock: one base URL per clinic
 * ({@code http://127.0.0.1:<port>/fhir/<clinic>/}). It serves {@code metadata}; read by id;
 * search with {@code _count}, {@code _id}, {@code _lastUpdated}, {@code patient} and
 * {@code practitioner}, paged by an opaque {@code _offset} and evaluated afresh for every page, as
 * real servers do; a patient roster (Patient search and a Group of all patients); and Bulk Data
 * {@code $export} (system and Group level) with polling, NDJSON files and deleted resources.
 *
 * <p>Its content can change while it serves (resources put or deleted), and each clinic's server
 * can be made to behave like a particular EMR ({@link Behavior}): patient-anchored search only,
 * a clock ahead or behind, no Bulk Data, slow answers.
 */
public final class SandboxFhirServer implements AutoCloseable {

    private static final String TRANSFORMER = "sandbox-fhir";
    private static final List<String> SEARCHABLE =
            List.of("ServiceRequest", "Encounter", "Organization", "Practitioner", "PractitionerRole");
    private static final Set<String> PATIENT_COMPARTMENT = Set.of("ServiceRequest", "Encounter");
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /**
     * How one clinic's server behaves.
     *
     * @param populationSearch whether ServiceRequest and Encounter may be searched without a patient
     *     (false: patient-anchored only, as Oracle Health and US Core servers)
     * @param clockOffset how far the server's clock is ahead of ours (negative: behind)
     * @param bulkExport whether it offers {@code $export}
     * @param exportPolls how many status polls answer "in progress" before the manifest
     * @param retryAfterSeconds the Retry-After it asks between polls
     * @param filesPerType NDJSON files each exported type is split into
     * @param exportTypes the types it can export
     * @param delayMs how long each answer takes
     * @param refusesLt whether {@code _lastUpdated=lt} is refused with a 400 (servers that only
     *     implement ge and le)
     */
    public record Behavior(boolean populationSearch, Duration clockOffset, boolean bulkExport, int exportPolls,
            int retryAfterSeconds, int filesPerType, Set<String> exportTypes, int delayMs, boolean refusesLt) {

        public static final Behavior DEFAULT = new Behavior(true, Duration.ZERO, true, 1, 1, 1,
                Set.copyOf(SEARCHABLE), 0, false);

        /** Refuses {@code _lastUpdated=lt} (400), as servers that implement only ge and le. */
        public Behavior refusingLt() {
            return new Behavior(populationSearch, clockOffset, bulkExport, exportPolls, retryAfterSeconds, filesPerType,
                    exportTypes, delayMs, true);
        }

        public Behavior patientAnchoredOnly() {
            return new Behavior(false, clockOffset, bulkExport, exportPolls, retryAfterSeconds, filesPerType,
                    exportTypes, delayMs, refusesLt);
        }

        public Behavior clockOffset(Duration offset) {
            return new Behavior(populationSearch, offset, bulkExport, exportPolls, retryAfterSeconds, filesPerType,
                    exportTypes, delayMs, refusesLt);
        }

        public Behavior export(int polls, int retryAfter, int files, Set<String> types) {
            return new Behavior(populationSearch, clockOffset, true, polls, retryAfter, files, Set.copyOf(types),
                    delayMs, refusesLt);
        }

        public Behavior noExport() {
            return new Behavior(populationSearch, clockOffset, false, exportPolls, retryAfterSeconds, filesPerType,
                    exportTypes, delayMs, refusesLt);
        }

        public Behavior delay(int ms) {
            return new Behavior(populationSearch, clockOffset, bulkExport, exportPolls, retryAfterSeconds, filesPerType,
                    exportTypes, ms, refusesLt);
        }
    }

    /** Told after each search page is served, so a test can change the data between two pages. */
    @FunctionalInterface
    public interface PageListener {
        void served(String clinicId, String type, int offset);
    }

    private final SandboxWorld world;
    private final WireMockServer server;
    private final Map<String, ClinicData> clinics = new LinkedHashMap<>();
    private final List<PageListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger jobSeq = new AtomicInteger();

    public SandboxFhirServer(SandboxWorld world) {
        this.world = world;
        world.clinics().forEach(c -> clinics.put(c.id(), new ClinicData(c)));
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

    public void behave(String clinicId, Behavior behavior) {
        data(clinicId).behavior = behavior;
    }

    public Behavior behavior(String clinicId) {
        return data(clinicId).behavior;
    }

    /** The clinic server's clock. */
    public Instant serverNow(String clinicId) {
        return Instant.now().plus(data(clinicId).behavior.clockOffset());
    }

    /** Adds a resource, or replaces the one with the same type and id. */
    public void put(String clinicId, SandboxWorld.Resource resource) {
        data(clinicId).put(resource);
    }

    /** Deletes a resource, as of the server's clock. */
    public void delete(String clinicId, String type, String id) {
        ClinicData data = data(clinicId);
        data.delete(type, id, Instant.now().plus(data.behavior.clockOffset()));
    }

    /** The resource as currently served, if any. */
    public java.util.Optional<SandboxWorld.Resource> find(String clinicId, String type, String id) {
        return java.util.Optional.ofNullable(data(clinicId).byKey.get(type + "/" + id));
    }

    /** How many resources of a type are currently served. */
    public int count(String clinicId, String type) {
        return data(clinicId).sorted(type).size();
    }

    public void onPageServed(PageListener listener) {
        listeners.add(listener);
    }

    public void clearListeners() {
        listeners.clear();
    }

    @Override
    public void close() {
        server.stop();
    }

    private ClinicData data(String clinicId) {
        ClinicData data = clinics.get(clinicId);
        if (data == null) {
            throw new IllegalArgumentException("No sandbox clinic " + clinicId);
        }
        return data;
    }

    /** One clinic's content: resources by type and id, deletions, export jobs. */
    private static final class ClinicData {

        final String id;
        final String rosterGroupId;
        volatile Behavior behavior = Behavior.DEFAULT;
        final Map<String, SandboxWorld.Resource> byKey = new ConcurrentHashMap<>();
        final Map<String, Instant> deletedAt = new ConcurrentHashMap<>();
        final Map<String, ExportJob> jobs = new ConcurrentHashMap<>();
        private volatile Map<String, List<SandboxWorld.Resource>> sorted;

        ClinicData(SandboxWorld.Clinic clinic) {
            this.id = clinic.id();
            this.rosterGroupId = clinic.id() + "-patients";
            clinic.resources().forEach(r -> byKey.put(r.type() + "/" + r.id(), r));
        }

        synchronized void put(SandboxWorld.Resource resource) {
            byKey.put(resource.type() + "/" + resource.id(), resource);
            deletedAt.remove(resource.type() + "/" + resource.id());
            sorted = null;
        }

        synchronized void delete(String type, String id, Instant at) {
            if (byKey.remove(type + "/" + id) != null) {
                deletedAt.put(type + "/" + id, at);
            }
            sorted = null;
        }

        /** Resources of a type in search order: by lastUpdated, then id. */
        List<SandboxWorld.Resource> sorted(String type) {
            Map<String, List<SandboxWorld.Resource>> current = sorted;
            if (current == null) {
                synchronized (this) {
                    if (sorted == null) {
                        sorted = byKey.values().stream()
                                .sorted(Comparator.comparing(SandboxWorld.Resource::lastUpdated)
                                        .thenComparing(SandboxWorld.Resource::id))
                                .collect(Collectors.groupingBy(SandboxWorld.Resource::type));
                    }
                    current = sorted;
                }
            }
            return current.getOrDefault(type, List.of());
        }

        /** Patients with anything in the EMR, by id. */
        List<String> patients() {
            TreeSet<String> ids = new TreeSet<>();
            for (String type : PATIENT_COMPARTMENT) {
                sorted(type).stream().map(SandboxWorld.Resource::patientId).filter(p -> p != null).forEach(ids::add);
            }
            return List.copyOf(ids);
        }

        boolean exportRunning() {
            return jobs.values().stream().anyMatch(j -> j.pollsLeft.get() > 0);
        }
    }

    /** A Bulk Data export: a snapshot taken at kick-off, served as files once its polls are used up. */
    private record ExportJob(String id, Instant transactionTime, String request, Map<String, List<List<String>>> files,
            List<String> deleted, AtomicInteger pollsLeft, int pollsTotal) {
    }

    /** One {@code _lastUpdated} value: its prefix (eq when none) and instant. */
    private record Bound(String prefix, Instant at) {

        static Bound parse(String value) {
            boolean prefixed = value.length() > 2 && Character.isLetter(value.charAt(0));
            String prefix = prefixed ? value.substring(0, 2) : "eq";
            String instantText = prefixed ? value.substring(2) : value;
            if (!List.of("eq", "ge", "gt", "le", "lt").contains(prefix)) {
                throw new IllegalArgumentException("_lastUpdated prefix '" + prefix + "' is not supported");
            }
            try {
                return new Bound(prefix, OffsetDateTime.parse(instantText).toInstant());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("_lastUpdated '" + value + "' is not an instant with a time zone");
            }
        }
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
            // "", "fhir", clinic, Type or operation[, id[, operation]]
            if (parts.length < 4 || !clinics.containsKey(parts[2])) {
                return outcome(null, 404, "not-found", "No sandbox EMR at " + path);
            }
            ClinicData data = clinics.get(parts[2]);
            try {
                return route(request, data, parts);
            } catch (IllegalArgumentException e) {
                return outcome(data, 400, "invalid", e.getMessage());
            }
        }

        private ResponseDefinition route(Request request, ClinicData data, String[] parts) {
            String first = parts[3];
            boolean get = RequestMethod.GET.equals(request.getMethod());
            if (parts.length == 4 && first.equals("metadata")) {
                return json(data, 200, capabilityStatement(data));
            }
            if (first.equals(".well-known")) {
                return outcome(data, 404, "not-found", "This sandbox EMR does not publish a SMART configuration");
            }
            if (first.equals("$export") && parts.length == 4) {
                return kickOff(request, data, null);
            }
            if (first.equals("Group") && parts.length == 6 && parts[5].equals("$export")) {
                if (!parts[4].equals(data.rosterGroupId)) {
                    return outcome(data, 404, "not-found", "Group/" + parts[4] + " is not known");
                }
                return kickOff(request, data, parts[4]);
            }
            if (first.equals("$export-status") && parts.length == 5) {
                return exportStatus(request, data, parts[4]);
            }
            if (first.equals("$export-file") && parts.length == 6 && get) {
                return exportFile(data, parts[4], parts[5]);
            }
            if (!get) {
                return outcome(data, 405, "not-supported", request.getMethod() + " is not supported here");
            }
            if (first.equals("Group")) {
                return parts.length == 5 && parts[4].equals(data.rosterGroupId) ? json(data, 200, group(data))
                        : outcome(data, 404, "not-found", "Group " + (parts.length > 4 ? parts[4] : "") + " is not known");
            }
            if (first.equals("Patient")) {
                return parts.length == 5 ? patientRead(data, parts[4]) : patientSearch(request, data);
            }
            if (!SEARCHABLE.contains(first)) {
                return outcome(data, 404, "not-supported", "Resource type " + first + " is not served by the sandbox");
            }
            if (parts.length == 5) {
                SandboxWorld.Resource r = data.byKey.get(first + "/" + parts[4]);
                if (r == null) {
                    return data.deletedAt.containsKey(first + "/" + parts[4])
                            ? outcome(data, 410, "deleted", first + "/" + parts[4] + " was deleted")
                            : outcome(data, 404, "not-found", first + "/" + parts[4] + " is not known");
                }
                return json(data, 200, r.json());
            }
            return search(request, data, first);
        }

        private ResponseDefinition search(Request request, ClinicData data, String type) {
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
            if (patients == null) {
                patients = listParam(request, "subject");
            }
            if (patients != null) {
                Set<String> wanted = patients.stream().map(p -> p.replaceFirst("^Patient/", ""))
                        .collect(Collectors.toSet());
                filter = filter.and(r -> r.patientId() != null && wanted.contains(r.patientId()));
            } else if (!data.behavior.populationSearch() && PATIENT_COMPARTMENT.contains(type)) {
                return outcome(data, 400, "required", "A " + type + " search requires the patient parameter");
            }
            // sorted by lastUpdated: the window is a range of them, then the other parameters filter it
            List<SandboxWorld.Resource> window = lastUpdatedRange(data.sorted(type), request, data.behavior);
            List<SandboxWorld.Resource> matches = ids == null && practitioners == null && patients == null ? window
                    : window.stream().filter(filter).toList();
            ResponseDefinition page = bundle(request, data, type, matches.size(), offset, count,
                    matches.subList(Math.min(offset, matches.size()), Math.min(offset + count, matches.size()))
                            .stream().map(r -> new Entry(type, r.id(), r.json())).toList());
            listeners.forEach(l -> l.served(data.id, type, offset));
            return page;
        }

        private ResponseDefinition patientSearch(Request request, ClinicData data) {
            int count = intParam(request, "_count", 50, 1, 1000);
            int offset = intParam(request, "_offset", 0, 0, Integer.MAX_VALUE);
            List<String> all = data.patients();
            List<Entry> entries = all.subList(Math.min(offset, all.size()), Math.min(offset + count, all.size()))
                    .stream().map(p -> new Entry("Patient", p, patient(p))).toList();
            return bundle(request, data, "Patient", all.size(), offset, count, entries);
        }

        private ResponseDefinition patientRead(ClinicData data, String id) {
            return data.patients().contains(id) ? json(data, 200, patient(id))
                    : outcome(data, 404, "not-found", "Patient/" + id + " is not known");
        }

        private record Entry(String type, String id, String json) {
        }

        private ResponseDefinition bundle(Request request, ClinicData data, String type, int total, int offset,
                int count, List<Entry> page) {
            String base = baseUrl(data.id).toString();
            String self = base + type + "?" + query(request, offset);
            StringBuilder body = new StringBuilder(page.size() * 1200 + 400);
            body.append("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":").append(total)
                    .append(",\"link\":[{\"relation\":\"self\",\"url\":\"").append(self).append("\"}");
            if (offset + count < total) {
                body.append(",{\"relation\":\"next\",\"url\":\"").append(base).append(type).append('?')
                        .append(query(request, offset + count)).append("\"}");
            }
            body.append("],\"entry\":[");
            for (int i = 0; i < page.size(); i++) {
                Entry e = page.get(i);
                body.append(i == 0 ? "" : ",").append("{\"fullUrl\":\"").append(base).append(e.type()).append('/')
                        .append(e.id()).append("\",\"resource\":").append(e.json())
                        .append(",\"search\":{\"mode\":\"match\"}}");
            }
            body.append("]}");
            return json(data, 200, body.toString());
        }

        private ResponseDefinition kickOff(Request request, ClinicData data, String groupId) {
            Behavior behavior = data.behavior;
            if (!behavior.bulkExport()) {
                return outcome(data, 404, "not-supported", "This server does not support $export");
            }
            if (!request.containsHeader("Prefer") || !request.getHeader("Prefer").contains("respond-async")) {
                return outcome(data, 400, "invalid", "$export requires the header Prefer: respond-async");
            }
            if (data.exportRunning()) {
                return builder(data, 429).withHeader("Retry-After", String.valueOf(behavior.retryAfterSeconds()))
                        .withHeader("Content-Type", "application/fhir+json")
                        .withBody(outcomeJson("throttled", "An export is already running for this client")).build();
            }
            List<String> types = listParam(request, "_type");
            List<String> wanted = types == null ? List.copyOf(behavior.exportTypes()) : types;
            for (String t : wanted) {
                if (!behavior.exportTypes().contains(t)) {
                    return outcome(data, 400, "not-supported", "_type " + t + " cannot be exported by this server");
                }
            }
            QueryParameter sinceParam = request.queryParameter("_since");
            Instant since = null;
            if (sinceParam.isPresent()) {
                try {
                    since = OffsetDateTime.parse(sinceParam.firstValue()).toInstant();
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("_since '" + sinceParam.firstValue() + "' is not an instant");
                }
            }
            Instant transactionTime = Instant.now().plus(behavior.clockOffset());
            Instant from = since;
            Map<String, List<List<String>>> files = new LinkedHashMap<>();
            for (String type : wanted.stream().sorted().toList()) {
                List<String> lines = data.sorted(type).stream()
                        .filter(r -> from == null || !r.lastUpdated().isBefore(from))
                        .filter(r -> groupId == null || !PATIENT_COMPARTMENT.contains(type) || r.patientId() != null)
                        .map(SandboxWorld.Resource::json).toList();
                if (lines.isEmpty()) {
                    continue;
                }
                int n = Math.max(1, Math.min(behavior.filesPerType(), lines.size()));
                List<List<String>> parts = new ArrayList<>();
                int size = (lines.size() + n - 1) / n;
                for (int i = 0; i < lines.size(); i += size) {
                    parts.add(lines.subList(i, Math.min(lines.size(), i + size)));
                }
                files.put(type, parts);
            }
            List<String> deleted = data.deletedAt.entrySet().stream()
                    .filter(e -> from == null || !e.getValue().isBefore(from))
                    .map(Map.Entry::getKey).sorted().toList();
            String jobId = "job-" + jobSeq.incrementAndGet();
            data.jobs.put(jobId, new ExportJob(jobId, transactionTime, request.getAbsoluteUrl(), files, deleted,
                    new AtomicInteger(behavior.exportPolls()), behavior.exportPolls()));
            return builder(data, 202).withHeader("Content-Location", baseUrl(data.id) + "$export-status/" + jobId)
                    .build();
        }

        private ResponseDefinition exportStatus(Request request, ClinicData data, String jobId) {
            ExportJob job = data.jobs.get(jobId);
            if (RequestMethod.DELETE.equals(request.getMethod())) {
                if (data.jobs.remove(jobId) == null) {
                    return outcome(data, 404, "not-found", "No export " + jobId);
                }
                return builder(data, 202).build();
            }
            if (job == null) {
                return outcome(data, 404, "not-found", "No export " + jobId);
            }
            int left = job.pollsLeft().getAndUpdate(n -> Math.max(0, n - 1));
            if (left > 0) {
                int done = job.pollsTotal() - left;
                return builder(data, 202)
                        .withHeader("X-Progress", "in progress: step " + (done + 1) + " of " + (job.pollsTotal() + 1))
                        .withHeader("Retry-After", String.valueOf(data.behavior.retryAfterSeconds()))
                        .build();
            }
            String base = baseUrl(data.id).toString();
            StringBuilder out = new StringBuilder();
            job.files().forEach((type, parts) -> {
                for (int i = 0; i < parts.size(); i++) {
                    out.append(out.isEmpty() ? "" : ",").append("{\"type\":\"").append(type).append("\",\"url\":\"")
                            .append(base).append("$export-file/").append(jobId).append('/').append(type).append('-')
                            .append(i + 1).append(".ndjson\",\"count\":").append(parts.get(i).size()).append('}');
                }
            });
            String deleted = job.deleted().isEmpty() ? "" : "{\"type\":\"Bundle\",\"url\":\"" + base + "$export-file/"
                    + jobId + "/deleted-1.ndjson\"}";
            String manifest = "{\"transactionTime\":\"" + job.transactionTime() + "\",\"request\":\""
                    + job.request().replace("\"", "%22") + "\",\"requiresAccessToken\":true,\"output\":[" + out
                    + "],\"deleted\":[" + deleted + "],\"error\":[]}";
            return builder(data, 200).withHeader("Content-Type", "application/json").withBody(manifest).build();
        }

        private ResponseDefinition exportFile(ClinicData data, String jobId, String name) {
            ExportJob job = data.jobs.get(jobId);
            if (job == null || !name.endsWith(".ndjson")) {
                return outcome(data, 404, "not-found", "No export file " + jobId + "/" + name);
            }
            String stem = name.substring(0, name.length() - ".ndjson".length());
            String body;
            if (stem.equals("deleted-1")) {
                body = job.deleted().stream().map(key -> "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
                        + "\"entry\":[{\"request\":{\"method\":\"DELETE\",\"url\":\"" + key + "\"}}]}")
                        .collect(Collectors.joining("\n", "", "\n"));
            } else {
                int dash = stem.lastIndexOf('-');
                List<List<String>> parts = dash < 0 ? null : job.files().get(stem.substring(0, dash));
                int index;
                try {
                    index = dash < 0 ? -1 : Integer.parseInt(stem.substring(dash + 1)) - 1;
                } catch (NumberFormatException e) {
                    index = -1;
                }
                if (parts == null || index < 0 || index >= parts.size()) {
                    return outcome(data, 404, "not-found", "No export file " + jobId + "/" + name);
                }
                body = String.join("\n", parts.get(index)) + "\n";
            }
            return builder(data, 200).withHeader("Content-Type", "application/fhir+ndjson").withBody(body).build();
        }

        /** The request's query with {@code _offset} replaced: every other parameter is kept as sent. */
        private String query(Request request, int offset) {
            String raw = URI.create(request.getUrl()).getRawQuery();
            String kept = raw == null ? "" : Arrays.stream(raw.split("&"))
                    .filter(p -> !p.startsWith("_offset=") && !p.isEmpty())
                    .collect(Collectors.joining("&"));
            return (kept.isEmpty() ? "" : kept + "&") + "_offset=" + offset;
        }

        /** The resources, sorted by lastUpdated, within the request's _lastUpdated bounds (binary search). */
        private List<SandboxWorld.Resource> lastUpdatedRange(List<SandboxWorld.Resource> sorted, Request request,
                Behavior behavior) {
            int from = 0;
            int to = sorted.size();
            QueryParameter lastUpdated = request.queryParameter("_lastUpdated");
            for (String value : lastUpdated.isPresent() ? lastUpdated.values() : List.<String>of()) {
                Bound bound = Bound.parse(value);
                if (behavior.refusesLt() && bound.prefix().equals("lt")) {
                    throw new IllegalArgumentException("_lastUpdated prefix 'lt' is not supported; use le");
                }
                int atOrAfter = firstIndex(sorted, bound.at(), false);
                int after = firstIndex(sorted, bound.at(), true);
                switch (bound.prefix()) {
                    case "ge" -> from = Math.max(from, atOrAfter);
                    case "gt" -> from = Math.max(from, after);
                    case "le" -> to = Math.min(to, after);
                    case "lt" -> to = Math.min(to, atOrAfter);
                    default -> {
                        from = Math.max(from, atOrAfter);
                        to = Math.min(to, after);
                    }
                }
            }
            return from >= to ? List.of() : sorted.subList(from, to);
        }

        /** The first index whose lastUpdated is at or after (or, strictly, after) the instant. */
        private static int firstIndex(List<SandboxWorld.Resource> sorted, Instant at, boolean strictly) {
            int lo = 0;
            int hi = sorted.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                int c = sorted.get(mid).lastUpdated().compareTo(at);
                if (c < 0 || (strictly && c == 0)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
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

        private String patient(String id) {
            return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"active\":true}";
        }

        private String group(ClinicData data) {
            String members = data.patients().stream()
                    .map(p -> "{\"entity\":{\"reference\":\"Patient/" + p + "\"}}")
                    .collect(Collectors.joining(","));
            return "{\"resourceType\":\"Group\",\"id\":\"" + data.rosterGroupId + "\",\"type\":\"person\","
                    + "\"actual\":true,\"quantity\":" + data.patients().size() + ",\"member\":[" + members + "]}";
        }

        private String capabilityStatement(ClinicData data) {
            Behavior behavior = data.behavior;
            String patientOnly = "{\"url\":\"http://hl7.org/fhir/StructureDefinition/"
                    + "capabilitystatement-search-parameter-combination\",\"extension\":[{\"url\":\"required\","
                    + "\"valueString\":\"patient\"}]}";
            String resources = SEARCHABLE.stream().sorted().map(t -> "{\"type\":\"" + t + "\""
                    + (PATIENT_COMPARTMENT.contains(t) && !behavior.populationSearch()
                            ? ",\"extension\":[" + patientOnly + "]" : "")
                    + ",\"interaction\":[{\"code\":\"read\"},{\"code\":\"search-type\"}],\"searchParam\":["
                    + "{\"name\":\"_id\",\"type\":\"token\"},{\"name\":\"_lastUpdated\",\"type\":\"date\"}"
                    + (PATIENT_COMPARTMENT.contains(t) ? ",{\"name\":\"patient\",\"type\":\"reference\"}" : "")
                    + (t.equals("PractitionerRole") ? ",{\"name\":\"practitioner\",\"type\":\"reference\"}" : "")
                    + "]}").collect(Collectors.joining(","));
            String systemExport = ",\"operation\":[{\"name\":\"export\",\"definition\":"
                    + "\"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export\"}]";
            String groupExport = ",\"operation\":[{\"name\":\"export\",\"definition\":"
                    + "\"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export\"}]";
            resources += ",{\"type\":\"Patient\",\"interaction\":[{\"code\":\"read\"},{\"code\":\"search-type\"}],"
                    + "\"searchParam\":[{\"name\":\"_id\",\"type\":\"token\"}]}"
                    + ",{\"type\":\"Group\",\"interaction\":[{\"code\":\"read\"}]"
                    + (behavior.bulkExport() ? groupExport : "") + "}";
            return "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":\"" + Instant.now()
                    + "\",\"kind\":\"instance\",\"software\":{\"name\":\"referral-monitor sandbox EMR\"},"
                    + "\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"],\"rest\":[{\"mode\":\"server\",\"resource\":["
                    + resources + "]" + (behavior.bulkExport() ? systemExport : "") + "}]}";
        }

        private ResponseDefinitionBuilder builder(ClinicData data, int status) {
            ResponseDefinitionBuilder builder = aResponse().withStatus(status);
            if (data != null) {
                builder.withHeader("Date", HTTP_DATE.format(Instant.now().plus(data.behavior.clockOffset())));
                if (data.behavior.delayMs() > 0) {
                    builder.withFixedDelay(data.behavior.delayMs());
                }
            }
            return builder;
        }

        private ResponseDefinition json(ClinicData data, int status, String body) {
            return builder(data, status).withHeader("Content-Type", "application/fhir+json;charset=utf-8")
                    .withBody(body).build();
        }

        private ResponseDefinition outcome(ClinicData data, int status, String code, String text) {
            return json(data, status, outcomeJson(code, text));
        }

        private String outcomeJson(String code, String text) {
            return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + code
                    + "\",\"diagnostics\":\"" + text.replace("\"", "'") + "\"}]}";
        }
    }
}
