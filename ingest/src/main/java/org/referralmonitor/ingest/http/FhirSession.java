package org.referralmonitor.ingest.http;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.referralmonitor.ingest.auth.AuthenticationException;
import org.referralmonitor.ingest.auth.Authenticator;

/**
 * Requests to one endpoint, with its credentials: only to the endpoint's own scheme, host and port
 * (credentials never go anywhere else); a 401 causes exactly one re-authentication and one retry.
 */
public final class FhirSession {

    public static final String FHIR_JSON = "application/fhir+json";

    private final URI base;
    private final FhirHttpClient http;
    private final Authenticator auth;
    private final AtomicInteger renewals = new AtomicInteger();

    public FhirSession(URI base, FhirHttpClient http, Authenticator auth) {
        this.base = base;
        this.http = http;
        this.auth = auth;
    }

    public URI base() {
        return base;
    }

    /** How often credentials were renewed after a 401. */
    public int renewals() {
        return renewals.get();
    }

    public FhirHttpClient.Response get(URI uri) throws IOException, InterruptedException, AuthenticationException,
            RefusedUrlException {
        return send("GET", uri, Map.of("Accept", FHIR_JSON));
    }

    public FhirHttpClient.Response send(String method, URI uri, Map<String, String> headers) throws IOException,
            InterruptedException, AuthenticationException, RefusedUrlException {
        checkOrigin(uri);
        Map<String, String> sent = withAuth(headers);
        FhirHttpClient.Response response = http.send(method, uri, sent);
        if (response.status() == 401 && auth.canRenew()) {
            auth.invalidate(sent.get("Authorization"));
            renewals.incrementAndGet();
            response = http.send(method, uri, withAuth(headers));
        }
        return response;
    }

    /**
     * Starts downloading a file: on the endpoint's origin with credentials (when {@code authorized}),
     * following redirects by hand, and without credentials once a redirect leaves the origin. A file
     * that needs no credentials may be on any http(s) host (export files often are, in cloud storage).
     */
    public FhirHttpClient.Stream download(URI uri, boolean authorized, Map<String, String> headers) throws IOException,
            InterruptedException, AuthenticationException, RefusedUrlException {
        if (authorized) {
            checkOrigin(uri);
        } else {
            checkScheme(uri);
        }
        URI current = uri;
        boolean retried = false;
        for (int hop = 0; hop < 5; hop++) {
            boolean sameOrigin = NextLinks.sameOrigin(current, base);
            Map<String, String> sent = authorized && sameOrigin ? withAuth(headers) : headers;
            FhirHttpClient.Stream response = http.stream(current, sent);
            int status = response.status();
            if (status == 401 && authorized && sameOrigin && !retried && auth.canRenew()) {
                response.body().close();
                auth.invalidate(sent.get("Authorization"));
                renewals.incrementAndGet();
                retried = true;
                hop--;
                continue;
            }
            if (status >= 300 && status < 400 && response.header("Location") != null) {
                response.body().close();
                current = current.resolve(response.header("Location"));
                checkScheme(current);
                continue;
            }
            return response;
        }
        throw new IOException("more than 5 redirects downloading " + uri);
    }

    private static void checkScheme(URI uri) throws RefusedUrlException {
        String scheme = uri.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new RefusedUrlException(uri + " is not an http(s) URL; refusing to request it");
        }
    }

    private void checkOrigin(URI uri) throws RefusedUrlException {
        if (!NextLinks.sameOrigin(uri, base)) {
            throw new RefusedUrlException(uri.getScheme() + "://" + uri.getAuthority() + " is not the endpoint's own host "
                    + base.getScheme() + "://" + base.getAuthority() + "; refusing to request it (credentials are "
                    + "never sent to another host)");
        }
    }

    private Map<String, String> withAuth(Map<String, String> headers) throws AuthenticationException {
        Map<String, String> all = new LinkedHashMap<>(headers);
        auth.authorization().ifPresent(value -> all.put("Authorization", value));
        return all;
    }
}
