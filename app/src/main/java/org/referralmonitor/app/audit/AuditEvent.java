package org.referralmonitor.app.audit;

import java.time.OffsetDateTime;

/**
 * One thing a person did: a change asked of the dashboard or the API, a sign-in, a failed sign-in.
 *
 * @param action POST, PUT, PATCH or DELETE for a change; SIGN_IN, SIGN_IN_FAILED; DENIED (refused for the role)
 * @param path the request's path (null for a failed sign-in over HTTP Basic outside a request)
 * @param parameters the form or query parameters, {@code name=value&...}, without passwords; then {@code location=}
 *     what the request created
 * @param status the HTTP status answered to a change; null for sign-ins
 */
public record AuditEvent(long id, OffsetDateTime at, String username, String action, String path, String parameters,
        Integer status, String remoteAddress) {
}
