package org.referralmonitor.ingest.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.stereotype.Component;

/**
 * Plain HTTP with the JDK client. Redirects are never followed automatically, so credentials can
 * never be carried to another host; URLs are requested exactly as given.
 */
@Component
public class FhirHttpClient {

    /** The status, headers and body of one response. */
    public record Response(int status, HttpHeaders headers, Body content, long durationMs) {

        /** The body as one array: for small bodies; pages are read from {@link #content()}. */
        public byte[] body() {
            return content == null ? null : content.bytes();
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The same response without its body, once read: a page waiting to be written keeps only this. */
        public Response withoutContent() {
            return new Response(status, headers, null, durationMs);
        }
    }

    /** A response whose body is still to be read, for files too large to hold in memory. */
    public record Stream(int status, HttpHeaders headers, InputStream body) {

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpClient client;
    private final Duration requestTimeout;
    private final Duration readIdleTimeout;

    public FhirHttpClient(IngestProperties properties) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(properties.http().connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.requestTimeout = properties.http().requestTimeout();
        this.readIdleTimeout = properties.http().readIdleTimeout();
    }

    /** The shared JDK client, for token requests. */
    public HttpClient client() {
        return client;
    }

    public Response send(String method, URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        long start = System.nanoTime();
        // the body in the pieces the client reads, not joined (see Body); the client delivers them one
        // after the other and send returns after the last
        List<byte[]> pieces = new ArrayList<>();
        HttpResponse<Void> response = client.send(request(method, uri, headers, requestTimeout),
                HttpResponse.BodyHandlers.ofByteArrayConsumer(piece -> piece.ifPresent(pieces::add)));
        return new Response(response.statusCode(), response.headers(), Body.of(pieces),
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Starts reading a large body; the caller closes the stream. No overall timeout (files may be
     * large), but a read that waits longer than the read-idle-timeout for data fails with an
     * {@link java.net.http.HttpTimeoutException}, so a stalled download cannot hang forever.
     */
    public Stream stream(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = client.send(request("GET", uri, headers, null),
                info -> new IdleTimeoutBody(uri, readIdleTimeout));
        return new Stream(response.statusCode(), response.headers(), response.body());
    }

    private static HttpRequest request(String method, URI uri, Map<String, String> headers, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
        if (timeout != null) {
            request.timeout(timeout);
        }
        headers.forEach(request::header);
        return request.build();
    }
}
