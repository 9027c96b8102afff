package org.referralmonitor.ingest.sync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.auth.AuthenticationException;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.MalformedPageException;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.http.Body;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.RefusedUrlException;
import org.referralmonitor.ingest.http.RetryAfter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Requests to an EMR during a sync, and what their failures mean: 408, 429, 5xx, timeouts, network
 * errors and malformed pages are worth retrying ({@link RetryableSyncException}, carrying the
 * server's Retry-After); refused credentials, refused URLs and other 4xx end the sync
 * ({@link SyncFailedException}), with the server's words.
 */
@Component
class PageFetcher {

    private static final Logger log = LoggerFactory.getLogger(PageFetcher.class);
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(408, 429, 500, 502, 503, 504);

    private final BundlePageParser parser;
    private final IngestProperties properties;
    private final Clock clock;

    PageFetcher(BundlePageParser parser, IngestProperties properties, Optional<Clock> clock) {
        this.clock = clock.orElse(Clock.systemUTC());
        this.parser = parser;
        this.properties = properties;
    }

    /** GETs a search page and reads it. Safe to call from worker threads. */
    SyncContext.Fetched fetch(SyncContext ctx, SyncContext.PageRequest request, int attempt)
            throws RetryableSyncException, SyncFailedException, InterruptedException {
        if (endsWithLt(request.url()) && "le".equals(upperComparator(ctx))) {
            // planned before the server refused lt for another window (or on another thread)
            request = withLe(request);
        }
        int number = request.window() != null ? request.window().pages + 1 : ctx.pages + 1;
        String where = request.resourceType() + " page " + number + " (" + request.url() + ")";
        FhirHttpClient.Response response = send(ctx, "GET", request.url(), Map.of("Accept", "application/fhir+json"),
                where, true);
        if (response.status() == 400 && endsWithLt(request.url())) {
            if (switchToLe(ctx)) {
                log.info("{}: the server refused _lastUpdated=lt{}; windows of this sync end with le instead", where,
                        describe(response));
            }
            return fetch(ctx, withLe(request), attempt);
        }
        // only a first page: a later one comes from the server's next link, and its page of the full
        // search would mix with the first page of what changed
        if (response.status() == 400 && request.purpose() == SyncContext.Purpose.ROSTER_CHANGES
                && SINCE.matcher(request.url().toString()).find()) {
            if (refuseSince(ctx)) {
                log.info("{}: the server refused _lastUpdated with a patient search{}; this sync reads every patient "
                        + "in full", where, describe(response));
            }
            return fetch(ctx, new SyncContext.PageRequest(request.resourceType(),
                    URI.create(SINCE.matcher(request.url().toString()).replaceFirst("")), SyncContext.Purpose.ROSTER,
                    request.window()), attempt);
        }
        ok(response, where);
        try {
            ParsedPage page = parser.parse(response.content().stream(), ctx.mapping);
            return new SyncContext.Fetched(request, response.withoutContent(), page, attempt);
        } catch (MalformedPageException e) {
            throw new RetryableSyncException(where + ": " + e.getMessage(), null, e);
        }
    }

    /** The start of a roster crawl's read of what changed since a patient's mark. */
    private static final java.util.regex.Pattern SINCE = java.util.regex.Pattern.compile("&_lastUpdated=ge[^&]*");

    /** The roster crawl reads every patient in full for the rest of this sync; true the first time. */
    private static boolean refuseSince(SyncContext ctx) {
        synchronized (ctx) {
            boolean first = !ctx.sinceRefused;
            ctx.sinceRefused = true;
            return first;
        }
    }

    private static boolean endsWithLt(URI url) {
        return url.toString().contains("_lastUpdated=lt");
    }

    /** The request with its window ending in le; its window's first page too (a second pass asks that). */
    private static SyncContext.PageRequest withLe(SyncContext.PageRequest request) {
        URI le = URI.create(request.url().toString().replace("_lastUpdated=lt", "_lastUpdated=le"));
        SearchWindow window = request.window();
        if (window != null) {
            synchronized (window) {
                if (request.url().equals(window.firstPage)) {
                    window.firstPage = le;
                }
            }
        }
        return new SyncContext.PageRequest(request.resourceType(), le, request.purpose(), window);
    }

    private static String upperComparator(SyncContext ctx) {
        synchronized (ctx) {
            return ctx.upperComparator;
        }
    }

    /** Windows of this sync end with le from now on; true the first time. */
    private static boolean switchToLe(SyncContext ctx) {
        synchronized (ctx) {
            if ("lt".equals(ctx.upperComparator)) {
                ctx.upperComparator = "le";
                return true;
            }
            return false;
        }
    }

    /**
     * Sends a request; throws for what is worth retrying and for what is not, and returns any other
     * answer (including 4xx when {@code lenient4xx}, for the caller to judge).
     */
    FhirHttpClient.Response send(SyncContext ctx, String method, URI url, Map<String, String> headers, String where,
            boolean lenient4xx) throws RetryableSyncException, SyncFailedException, InterruptedException {
        FhirHttpClient.Response response = call(where, () -> ctx.session.send(method, url, headers));
        int status = response.status();
        if (retryable(status)) {
            Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), response.header("Date"),
                    clock.instant());
            throw new RetryableSyncException(where + ": HTTP " + status + describe(response), retryAfter, null, status);
        }
        if (status == 401 || status == 403) {
            throw new SyncFailedException(where + ": HTTP " + status + ", the EMR refused our credentials"
                    + (status == 401 && ctx.session.renewals() > 0 ? " even after a fresh token"
                            : status == 401 ? " (the endpoint's static credentials are wrong, expired or revoked)" : "")
                    + describe(response));
        }
        if (!lenient4xx) {
            ok(response, where);
        }
        return response;
    }

    /** A request to the EMR, by the session. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException, InterruptedException, AuthenticationException, RefusedUrlException;
    }

    /**
     * Makes a request and says what its failure means: timeouts, network errors and token endpoints
     * that are down or busy are worth retrying (after their Retry-After); refused credentials and
     * refused URLs end the sync.
     */
    <T> T call(String where, Call<T> call) throws RetryableSyncException, SyncFailedException, InterruptedException {
        try {
            return call.run();
        } catch (HttpTimeoutException e) {
            throw new RetryableSyncException(where + ": no answer within " + properties.http().requestTimeout(), null, e);
        } catch (IOException e) {
            throw new RetryableSyncException(where + ": could not reach the EMR: " + e, null, e);
        } catch (AuthenticationException e) {
            if (e.retryable()) {
                throw new RetryableSyncException(where + ": " + e.getMessage(), RetryAfter.of(e), e);
            }
            throw new SyncFailedException(where + ": " + e.getMessage());
        } catch (RefusedUrlException e) {
            throw new SyncFailedException(where + ": " + e.getMessage());
        }
    }

    /** Whether an HTTP status is worth retrying (408, 429, 5xx that mean "later"). */
    static boolean retryable(int status) {
        return RETRYABLE_STATUS.contains(status);
    }

    /** Throws unless the answer is a success. */
    static void ok(FhirHttpClient.Response response, String where) throws SyncFailedException {
        int status = response.status();
        if (status < 200 || status > 299) {
            throw new SyncFailedException(where + ": HTTP " + status + describe(response));
        }
    }

    /** The start of a response body, on one line, for messages. */
    static String describe(FhirHttpClient.Response response) {
        Body body = response.content();
        if (body == null || body.length() == 0) {
            return "";
        }
        String text = body.start(300).replaceAll("\\s+", " ");
        return ": " + text;
    }
}
