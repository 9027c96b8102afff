package org.referralmonitor.ingest.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The sandbox EMR's population search finds a window's resources by binary search over its sorted
 * list (the benchmarks page through a million resources); every comparator and the edges of a window
 * must give exactly what a filter over all resources gives, in (lastUpdated, id) order.
 */
class SandboxFhirServerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final SandboxFhirServer SANDBOX = new SandboxFhirServer(new SandboxWorldGenerator(FhirContext.forR4Cached())
            .generate(SandboxSpec.demo(11, LocalDate.of(2026, 11, 23), 12, 10)));
    static final String CLINIC = SANDBOX.world().clinics().get(0).id();

    @AfterAll
    static void stop() {
        SANDBOX.close();
    }

    @Test
    void aPopulationSearchWindowHoldsExactlyTheResourcesWithinItsBounds() throws Exception {
        List<SandboxWorld.Resource> all = SANDBOX.world().clinics().get(0).resources().stream()
                .filter(r -> r.type().equals("ServiceRequest"))
                .sorted(Comparator.comparing(SandboxWorld.Resource::lastUpdated).thenComparing(SandboxWorld.Resource::id))
                .toList();
        assertThat(all).hasSizeGreaterThan(100);
        // an instant some resources have exactly (the edge of a window), and one between two resources
        Instant edge = all.get(all.size() / 3).lastUpdated();
        Instant later = all.get(2 * all.size() / 3).lastUpdated();
        Instant between = all.get(all.size() / 2).lastUpdated().plusNanos(1_000_000);

        check("ge" + edge, "lt" + later, r -> !r.lastUpdated().isBefore(edge) && r.lastUpdated().isBefore(later), all);
        check("gt" + edge, "le" + later, r -> r.lastUpdated().isAfter(edge) && !r.lastUpdated().isAfter(later), all);
        check("eq" + edge, null, r -> r.lastUpdated().equals(edge), all);
        check("ge" + between, null, r -> !r.lastUpdated().isBefore(between), all);
        check("lt" + between, null, r -> r.lastUpdated().isBefore(between), all);
        check("ge" + later, "lt" + edge, r -> false, all);
    }

    private static void check(String first, String second, Predicate<SandboxWorld.Resource> expected,
            List<SandboxWorld.Resource> all) throws Exception {
        List<String> want = all.stream().filter(expected).map(SandboxWorld.Resource::id).toList();
        String query = "ServiceRequest?_lastUpdated=" + first + (second == null ? "" : "&_lastUpdated=" + second)
                + "&_count=37";
        List<String> got = new ArrayList<>();
        URI next = SANDBOX.baseUrl(CLINIC).resolve(query.replace("+", "%2B"));
        int total = -1;
        while (next != null) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(next).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(query).isEqualTo(200);
            JsonNode bundle = JSON.readTree(response.body());
            total = bundle.path("total").asInt();
            bundle.path("entry").forEach(e -> got.add(e.path("resource").path("id").asText()));
            next = null;
            for (JsonNode link : bundle.path("link")) {
                if (link.path("relation").asText().equals("next")) {
                    next = URI.create(link.path("url").asText());
                }
            }
        }
        assertThat(got).as(query).containsExactlyElementsOf(want);
        assertThat(total).as(query + ": Bundle.total").isEqualTo(want.size());
    }
}
