package org.referralmonitor.ingest.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.fhir.BundlePageParserTest;

/** A page read as the client delivers it: in pieces, never one array, and read back exactly. */
class FhirHttpClientTest {

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    /** Half a G1 region in a 512 MB heap: an array this large or larger is a humongous object. */
    private static final int HUMONGOUS = 512 * 1024;

    @Test
    void readsALargePageInPiecesAndParsesItAsOne() throws Exception {
        byte[] page = bundle(5000);
        assertThat(page.length).as("the page is larger than a humongous object").isGreaterThan(2 * HUMONGOUS);
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/fhir+json").withBody(page)));

        FhirHttpClient.Response response = client().send("GET", URI.create(emr.baseUrl() + "/fhir/ServiceRequest"),
                Map.of("Accept", "application/fhir+json"));

        Body body = response.content();
        assertThat(response.status()).isEqualTo(200);
        assertThat(body.length()).isEqualTo(page.length);
        assertThat(body.largestPiece()).as("no piece is a humongous object").isLessThan(HUMONGOUS);
        try (InputStream in = body.stream()) {
            assertThat(in.readAllBytes()).isEqualTo(page);
        }
        assertThat(response.body()).isEqualTo(page);
        assertThat(body.start(40)).isEqualTo(new String(page, 0, 40, StandardCharsets.UTF_8));

        BundlePageParser parser = BundlePageParserTest.parser();
        ParsedPage streamed = parser.parse(body.stream(), BundlePageParserTest.CTX);
        ParsedPage whole = parser.parse(page, BundlePageParserTest.CTX);
        assertThat(streamed.resources()).hasSize(5000);
        assertThat(streamed.resources().stream().map(r -> r.resourceId()).toList())
                .isEqualTo(whole.resources().stream().map(r -> r.resourceId()).toList());
        assertThat(response.withoutContent().content()).isNull();
        assertThat(response.withoutContent().status()).isEqualTo(200);
    }

    @Test
    void joinsPiecesAndCutsTheStart() {
        Body body = Body.of(List.of("{\"resourceType\":".getBytes(StandardCharsets.UTF_8),
                "\"Bundle\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(body.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"resourceType\":\"Bundle\"}");
        assertThat(body.length()).isEqualTo(25);
        assertThat(body.start(20)).isEqualTo("{\"resourceType\":\"Bun");
        assertThat(body.start(300)).isEqualTo("{\"resourceType\":\"Bundle\"}");
        assertThat(Body.of((byte[]) null).length()).isZero();
        assertThat(Body.of((byte[]) null).start(300)).isEmpty();
    }

    /**
     * A streamed body: a reader busy elsewhere between reads (writing what it read) for longer than
     * the idle timeout is not cut off; a server that stalls mid-body is, with an HttpTimeoutException.
     */
    @Test
    void aStreamGivesUpOnAStalledServerButWaitsForASlowReader() throws Exception {
        byte[] page = bundle(2000);
        emr.stubFor(get(urlPathEqualTo("/files/steady.ndjson")).willReturn(aResponse().withStatus(200).withBody(page)));
        emr.stubFor(get(urlPathEqualTo("/files/stalling.ndjson")).willReturn(aResponse().withStatus(200)
                .withBody(page).withChunkedDribbleDelay(2, 4_000)));
        FhirHttpClient client = client(Duration.ofMillis(300));

        try (InputStream in = client.stream(URI.create(emr.baseUrl() + "/files/steady.ndjson"), Map.of()).body()) {
            byte[] first = in.readNBytes(100);
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true); // busy elsewhere
            assertThat(first.length + in.readAllBytes().length).isEqualTo(page.length);
        }
        try (InputStream in = client.stream(URI.create(emr.baseUrl() + "/files/stalling.ndjson"), Map.of()).body()) {
            long start = System.nanoTime();
            assertThatThrownBy(in::readAllBytes).isInstanceOf(HttpTimeoutException.class)
                    .hasMessageContaining("no data for 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not the 2 s the server stalls")
                    .isLessThan(Duration.ofMillis(1500));
        }
    }

    private static FhirHttpClient client() {
        return client(Duration.ofSeconds(30));
    }

    private static FhirHttpClient client(Duration readIdleTimeout) {
        return new FhirHttpClient(new IngestProperties(List.of(), List.of(), false, "-", null,
                new IngestProperties.Http(Duration.ofSeconds(5), Duration.ofSeconds(30), readIdleTimeout),
                null, null, null, null, null));
    }

    private static byte[] bundle(int entries) {
        StringBuilder json = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
        for (int i = 0; i < entries; i++) {
            json.append(i == 0 ? "" : ",").append("""
                    {"fullUrl":"https://emr.example.org/fhir/ServiceRequest/sr-%1$d","resource":{
                     "resourceType":"ServiceRequest","id":"sr-%1$d","meta":{"versionId":"1",
                     "lastUpdated":"2026-10-01T10:00:00Z"},"status":"active","intent":"order",
                     "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                     "subject":{"reference":"Patient/p-%1$d"},"authoredOn":"2026-10-01",
                     "requester":{"reference":"Practitioner/pr-%2$d","display":"Dr. Someone %2$d"}}}""".formatted(i, i % 50));
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
