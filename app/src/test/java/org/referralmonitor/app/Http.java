package org.referralmonitor.app;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/** A plain HTTP client against the running test server: status, headers and JSON body, errors included. */
public final class Http {

    /** A response, with JSONPath reads of its body. */
    public record Reply(int status, HttpHeaders headers, String body) {

        public <T> T json(String path) {
            return JsonPath.read(body, path);
        }

        public List<Object> list(String path) {
            return JsonPath.read(body, path);
        }
    }

    private final RestClient client;

    public Http(int port) {
        this.client = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    public Reply get(String path, String user, String password) {
        return call(HttpMethod.GET, path, user, password);
    }

    public Reply post(String path, String user, String password) {
        return call(HttpMethod.POST, path, null, null, user, password);
    }

    public Reply post(String path, String body, String contentType, String user, String password) {
        return call(HttpMethod.POST, path, body, contentType, user, password);
    }

    /** Any method with a JSON body. */
    public Reply call(String method, String path, String json, String user, String password) {
        return call(HttpMethod.valueOf(method), path, json, "application/json", user, password);
    }

    public Reply put(String path, String user, String password) {
        return call(HttpMethod.PUT, path, user, password);
    }

    public Reply delete(String path, String user, String password) {
        return call(HttpMethod.DELETE, path, user, password);
    }

    private Reply call(HttpMethod method, String path, String user, String password) {
        return call(method, path, null, null, user, password);
    }

    private Reply call(HttpMethod method, String path, String body, String contentType, String user, String password) {
        RestClient.RequestBodySpec request = client.method(method).uri(URI.create(path).toString());
        if (body != null) {
            request = request.contentType(org.springframework.http.MediaType.parseMediaType(contentType)).body(body);
        }
        ResponseEntity<String> response = request
                .headers(h -> {
                    if (user != null) {
                        h.set(HttpHeaders.AUTHORIZATION, "Basic " + Base64.getEncoder()
                                .encodeToString((user + ":" + password).getBytes()));
                    }
                    h.setAccept(List.of(org.springframework.http.MediaType.APPLICATION_JSON));
                })
                .retrieve()
                .onStatus(status -> true, (req, reply) -> { })
                .toEntity(String.class);
        return new Reply(response.getStatusCode().value(), response.getHeaders(), response.getBody());
    }
}
