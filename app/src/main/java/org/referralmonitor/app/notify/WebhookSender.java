package org.referralmonitor.app.notify;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON POST to a webhook (Slack, Teams, Mattermost, an incident tool): {@code text} for chat tools,
 * and the same facts as fields. The URL is read from where the channel names it each time (it usually
 * carries a token, so it is a secret): it is never stored, logged or put in an error. Redirects are
 * not followed; any answer but 2xx is a failure, retried.
 */
@Component
class WebhookSender implements Sender {

    private final AppProperties properties;
    private final JsonMapper json;
    private final HttpClient http;
    /** Where the URLs of webhooks entered at run time may be. */
    private final IngestProperties.EnteredSecrets enteredSecrets;

    WebhookSender(AppProperties properties, JsonMapper json, IngestProperties ingest) {
        this.enteredSecrets = ingest.enteredSecrets();
        this.properties = properties;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(properties.notifications().webhookTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * The webhook's URL, read now from where the channel names it. Errors never show the URL, nor tell
     * a missing variable from an unreadable file.
     */
    private URI url(NotificationChannel channel, String where) throws SendFailedException {
        if (NotificationChannels.ORIGIN_API.equals(channel.origin())) {
            try {
                // entered before the limits were set, or the limits changed since: refused at use too
                enteredSecrets.check(channel.urlRef(), "url-ref");
            } catch (IllegalArgumentException e) {
                throw new SendFailedException(where + ": " + e.getMessage());
            }
        }
        String text;
        try {
            text = SecretRefs.read(channel.urlRef(), "url-ref").strip();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new SendFailedException(where + ": no URL could be read there (not set, or not readable by the "
                    + "monitor)");
        }
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new SendFailedException(where + ": what is there is not a URL");
        }
        if (!("https".equalsIgnoreCase(url.getScheme()) || "http".equalsIgnoreCase(url.getScheme()))
                || url.getHost() == null || url.getHost().isBlank()) {
            throw new SendFailedException(where + ": what is there is not an http(s) URL with a host");
        }
        return url;
    }

    @Override
    public String kind() {
        return NotificationChannel.WEBHOOK;
    }

    @Override
    public void send(NotificationChannel channel, Message message) throws SendFailedException {
        String where = "the webhook (URL from " + channel.urlRef() + ")";
        URI url = url(channel, where);
        HttpResponse<Void> response;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(url)
                    .timeout(properties.notifications().webhookTimeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "referral-monitor")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(message.payload())));
            if (message.id() != null) {
                // the same on every attempt: a receiver can drop a message sent twice
                request.header("Idempotency-Key", message.id());
            }
            response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (HttpTimeoutException e) {
            throw new SendFailedException(where + " did not answer within " + properties.notifications().webhookTimeout()
                    .toSeconds() + " s");
        } catch (IOException e) {
            throw new SendFailedException(where + " could not be reached (" + e.getClass().getSimpleName() + ")");
        } catch (IllegalArgumentException | SecurityException e) {
            // their messages carry the URL, a secret
            throw new SendFailedException(where + ": the URL there cannot be used (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SendFailedException(where + ": interrupted while sending");
        }
        if (response.statusCode() / 100 != 2) {
            throw new SendFailedException(where + " answered HTTP " + response.statusCode());
        }
    }
}
