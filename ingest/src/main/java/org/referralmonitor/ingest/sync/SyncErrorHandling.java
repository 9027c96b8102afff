package org.referralmonitor.ingest.sync;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.stereotype.Component;

/**
 * Error handling shared by every sync route: retryable page failures (429, 5xx, timeouts,
 * malformed pages) are redelivered with exponential backoff and jitter, or after the server's
 * Retry-After (set per failure as the redelivery delay header); anything else, or retries
 * exhausted, goes to the dead letter route, which records the sync as failed.
 */
@Component
class SyncErrorHandling extends RouteConfigurationBuilder {

    static final String ID = "sync-error-handling";
    static final String DEAD_LETTER = "direct:sync-dead-letter";

    private final IngestProperties.Retry retry;

    SyncErrorHandling(IngestProperties properties) {
        this.retry = properties.retry();
    }

    @Override
    public void configuration() {
        RouteConfigurationDefinition config = routeConfiguration(ID);
        config.errorHandler(deadLetterChannel(DEAD_LETTER)
                .maximumRedeliveries(0)
                .logExhausted(false)
                .logStackTrace(false));
        config.onException(RetryableSyncException.class)
                .maximumRedeliveries(retry.maxRedeliveries())
                .redeliveryDelay(retry.initialDelay().toMillis())
                .useExponentialBackOff()
                .backOffMultiplier(retry.backoffMultiplier())
                .maximumRedeliveryDelay(retry.maxDelay().toMillis())
                .useCollisionAvoidance()
                .retryAttemptedLogLevel(LoggingLevel.DEBUG)
                .logExhausted(false);
    }
}
