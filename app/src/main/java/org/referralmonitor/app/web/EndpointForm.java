package org.referralmonitor.app.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.referralmonitor.app.api.EndpointRequest;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.Connection.AuthKind;

/**
 * The "Connect an EMR endpoint" form as typed: every field a string, so that whatever was entered
 * is shown again next to what is wrong with it. One secret reference serves whichever auth kind is
 * chosen (the password, token, client secret or private key).
 */
record EndpointForm(String id, String clinic, String name, String baseUrl, String strategy, String authKind,
        String username, String clientId, String tokenUrl, String secretRef, String keyId, String ownOrganizations,
        String schedule, String validation, String pageSize, String rosterGroupId) {

    /** An empty form for the clinic (if given): search, no auth, lenient validation, pages of 100. */
    static EndpointForm empty(String clinic) {
        return new EndpointForm(null, clinic, null, null, "search", AuthKind.NONE.name(), null, null, null, null, null,
                null, null, "lenient", "100", null);
    }

    /** The same request {@code POST /api/v1/endpoints} takes. */
    EndpointRequest toRequest() {
        return new EndpointRequest(trimmed(id), trimmed(clinic), trimmed(name), baseUri(), pageSizeNumber(),
                trimmed(schedule), true, trimmed(validation), trimmed(strategy), null, null, null, null,
                organizations(), auth(), roster(), null, null);
    }

    private URI baseUri() {
        String url = trimmed(baseUrl);
        if (url == null) {
            return null;
        }
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException("The base URL '" + url + "' is not a URL: " + e.getReason());
        }
    }

    private Integer pageSizeNumber() {
        String size = trimmed(pageSize);
        if (size == null) {
            return null;
        }
        try {
            return Integer.valueOf(size);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("The page size must be a whole number between 1 and 1000; got '"
                    + size + "'");
        }
    }

    private List<String> organizations() {
        String all = trimmed(ownOrganizations);
        return all == null ? List.of() : Arrays.stream(all.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
    }

    private Connection.Roster roster() {
        String group = trimmed(rosterGroupId);
        boolean crawls = !"search".equalsIgnoreCase(trimmed(strategy));
        return crawls && group != null ? new Connection.Roster(Connection.RosterSource.GROUP, group, null, null) : null;
    }

    /** The credentials of the chosen kind; fields of other kinds are ignored. */
    private Connection.Auth auth() {
        String ref = trimmed(secretRef);
        String url = trimmed(tokenUrl);
        String client = trimmed(clientId);
        return switch (kind()) {
            case NONE -> Connection.Auth.NONE;
            case BASIC -> new Connection.Auth(AuthKind.BASIC, required(username, "Basic auth needs a user name"),
                    required(ref, "Basic auth needs a secret reference to the password"),
                    null, null, null, null, null, null, null, null, null);
            case BEARER -> new Connection.Auth(AuthKind.BEARER, null, null,
                    required(ref, "Bearer auth needs a secret reference to the token"),
                    null, null, null, null, null, null, null, null);
            case CLIENT_SECRET -> new Connection.Auth(AuthKind.CLIENT_SECRET, null, null, null, url,
                    required(client, "Client secret auth needs a client id"),
                    required(ref, "Client secret auth needs a secret reference to the client secret"),
                    null, null, null, null, null);
            case SMART_BACKEND -> new Connection.Auth(AuthKind.SMART_BACKEND, null, null, null, url,
                    required(client, "SMART Backend Services need a client id"), null, null, null,
                    required(ref, "SMART Backend Services need a secret reference to the private key"),
                    trimmed(keyId), null);
        };
    }

    private AuthKind kind() {
        String value = trimmed(authKind);
        try {
            return value == null ? AuthKind.NONE : AuthKind.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Unknown auth kind '" + value + "'");
        }
    }

    private static String required(String value, String message) {
        String given = trimmed(value);
        if (given == null) {
            throw new InvalidRequestException(message + ".");
        }
        return given;
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
