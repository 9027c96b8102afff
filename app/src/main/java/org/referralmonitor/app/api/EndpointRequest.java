package org.referralmonitor.app.api;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.referralmonitor.ingest.endpoint.ValidationLevel;

/**
 * An endpoint to connect, from {@code POST /api/v1/endpoints} or the dashboard's form. Only id,
 * clinic and baseUrl are required; the rest defaults as in {@code config/application.yml}.
 * Secrets are named ("env:NAME", "file:/path"), never sent.
 */
public record EndpointRequest(String id, String clinic, String name, URI baseUrl, Integer pageSize, String schedule,
        Boolean enabled, String validation, String strategy, Integer concurrency, Duration windowOverlap,
        Duration windowLag, String reconcileSchedule, List<String> ownOrganizations, Connection.Auth auth,
        Connection.Roster roster, Connection.Bulk bulk, Connection.ReferralRule referralRule) {

    /**
     * The endpoint as the monitor keeps it (origin API), defaults filled in.
     *
     * @param defaultSchedule the schedule of an endpoint that names none
     * @throws InvalidRequestException saying which value cannot be used and why
     */
    public EmrEndpoint toEndpoint(String defaultSchedule) {
        if (blank(id) || blank(clinic) || baseUrl == null) {
            throw new InvalidRequestException("id, clinic and baseUrl are required");
        }
        String scheme = baseUrl.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new InvalidRequestException("baseUrl must be an http(s) URL, got '" + baseUrl + "'");
        }
        Connection connection = connection();
        if (connection.concurrency() < 1 || connection.concurrency() > 16) {
            throw new InvalidRequestException("concurrency must be between 1 and 16");
        }
        int size = pageSize == null ? 100 : pageSize;
        if (size < 1 || size > 1000) {
            throw new InvalidRequestException("pageSize must be between 1 and 1000");
        }
        checkSecretRefs(connection.auth());
        return new EmrEndpoint(id, clinic, blank(name) ? id : name, baseUrl, size,
                blank(schedule) ? defaultSchedule : schedule, enabled == null || enabled,
                EndpointDirectory.ORIGIN_API, validationLevel(), connection);
    }

    private Connection connection() {
        Connection d = Connection.DEFAULT;
        PullStrategy pull;
        try {
            pull = strategy == null ? d.strategy() : PullStrategy.valueOf(strategy.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("strategy must be one of search, roster, bulk; got '" + strategy + "'");
        }
        return new Connection(pull,
                concurrency == null ? d.concurrency() : concurrency,
                windowOverlap == null ? d.overlap() : windowOverlap,
                windowLag == null ? d.lag() : windowLag,
                reconcileSchedule == null ? d.reconcileSchedule() : reconcileSchedule,
                ownOrganizations, auth, roster, bulk, referralRule);
    }

    private ValidationLevel validationLevel() {
        try {
            return validation == null ? ValidationLevel.LENIENT
                    : ValidationLevel.valueOf(validation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("validation must be one of strict, lenient, off; got '" + validation + "'");
        }
    }

    private static void checkSecretRefs(Connection.Auth auth) {
        try {
            SecretRefs.check(auth.passwordRef(), "auth.passwordRef");
            SecretRefs.check(auth.tokenRef(), "auth.tokenRef");
            SecretRefs.check(auth.clientSecretRef(), "auth.clientSecretRef");
            SecretRefs.check(auth.privateKeyRef(), "auth.privateKeyRef");
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
