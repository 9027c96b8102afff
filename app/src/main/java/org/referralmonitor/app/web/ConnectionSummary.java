package org.referralmonitor.app.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.referralmonitor.ingest.capability.ConnectionCheck;
import org.referralmonitor.ingest.capability.ServerCapabilities;
import org.referralmonitor.ingest.capability.ServerCapabilities.TypeSupport;

/**
 * What "Test connection" found, in sentences: what the server declares, what it refuses and why,
 * what to watch out for. {@code error} is set instead when the server could not be asked at all.
 *
 * @param resources per resource type the monitor reads, what the server allows with it
 */
record ConnectionSummary(boolean ok, String error, String server, List<Resource> resources, String populationSearch,
        String bulkExport, String smart, List<String> refusals, List<String> warnings, String serverTime) {

    /** One resource type and what the server allows with it, e.g. "read, search by patient only". */
    record Resource(String type, String support) {
    }

    private static final List<String> TYPES = List.of("ServiceRequest", "Encounter", "Patient", "Group",
            "PractitionerRole", "Practitioner", "Organization");
    private static final List<String> PULLED = List.of("ServiceRequest", "Encounter");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    static ConnectionSummary of(ConnectionCheck.Report report) {
        ServerCapabilities c = report.capabilities();
        List<Resource> resources = TYPES.stream().map(t -> new Resource(t, support(c.type(t)))).toList();
        return new ConnectionSummary(report.ok(), null, server(c), resources, populationSearch(c), bulkExport(c),
                smart(c), report.refusals(), report.warnings(), time(report.serverTime()));
    }

    static ConnectionSummary unreachable(String why) {
        return new ConnectionSummary(false, why, null, List.of(), null, null, null, List.of(), List.of(), null);
    }

    private static String server(ServerCapabilities c) {
        String software = c.software() == null ? "A FHIR server" : c.software();
        return c.fhirVersion() == null ? software : software + ", FHIR " + c.fhirVersion();
    }

    private static String support(TypeSupport t) {
        List<String> parts = new ArrayList<>();
        if (t.read()) {
            parts.add("read");
        }
        if (t.search()) {
            parts.add(t.patientRequired() ? "search by patient only" : "search across all patients");
        }
        if (t.search() && t.lastUpdated()) {
            parts.add("changes since (_lastUpdated)");
        }
        return parts.isEmpty() ? "not declared" : String.join(", ", parts);
    }

    private static String populationSearch(ServerCapabilities c) {
        List<String> anchored = PULLED.stream().filter(t -> !c.type(t).populationSearch()).toList();
        if (anchored.isEmpty()) {
            return "Allowed: referrals and visits can be searched across all patients (strategy search).";
        }
        return "Not allowed for " + String.join(" and ", anchored) + ": they can only be read patient by patient "
                + "(strategy roster, or bulk where $export is declared).";
    }

    private static String bulkExport(ServerCapabilities c) {
        List<String> levels = new ArrayList<>();
        if (c.systemExport()) {
            levels.add("system level ($export)");
        }
        if (c.groupExport()) {
            levels.add("per Group (Group/[id]/$export)");
        }
        if (c.patientExport()) {
            levels.add("per patient (Patient/$export)");
        }
        return levels.isEmpty() ? "Not declared." : "Declared at " + String.join(", ", levels) + ".";
    }

    private static String smart(ServerCapabilities c) {
        if (!c.smartFound()) {
            return "No SMART configuration published (/.well-known/smart-configuration): use no auth, basic or "
                    + "bearer, or give the token URL.";
        }
        String methods = c.tokenAuthMethods().isEmpty() ? "none listed" : String.join(", ", c.tokenAuthMethods());
        String algorithms = c.signingAlgorithms().isEmpty() ? "none listed" : String.join(", ", c.signingAlgorithms());
        return "Token endpoint " + (c.tokenEndpoint() == null ? "not given" : c.tokenEndpoint())
                + "; client authentication: " + methods + "; signing algorithms: " + algorithms + ".";
    }

    private static String time(Instant at) {
        return at == null ? null : TIME.format(at);
    }
}
