package org.referralmonitor.ingest.sync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.stereotype.Component;

/**
 * Plain HTTP GET of FHIR pages with the JDK client. Redirects are not followed automatically, so
 * credentials can never be carried to another host; the URL is requested exactly as given.
 */
@Component
class FhirHttpClient {

    /** The status, headers and body of one response. */
    record Response(int status, HttpHeaders headers, byte[] body, long durationMs) {

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient client;
    private final Duration requestTimeout;

    FhirHttpClient(IngestProperties properties) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(properties.http().connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.requestTimeout = properties.http().requestTimeout();
    }

    Response get(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", "application/fhir+json")
                .GET()
                .build();
        long start = System.nanoTime();
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Response(response.statusCode(), response.headers(), response.body(),
                (System.nanoTime() - start) / 1_000_000);
    }
}
