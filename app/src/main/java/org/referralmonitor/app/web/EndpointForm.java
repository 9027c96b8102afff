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
import org.referralmonitor.ingest.endpoint.Connection.ExportLevel;
import org.referralmonitor.ingest.endpoint.Connection.RosterSource;

/**
 * The "Connect an EMR endpoint" form as typed: every field a string, so that whatever was entered
 * is shown again next to what is wrong with it. One secret reference serves whichever auth kind is
 * chosen (the password, token, client secret or private key). Lists (own organizations, roster
 * patients, bulk types) are separated by commas or white space; empty fields take the defaults the
 * API takes.
 */
record EndpointForm(String id, String clinic, String name, String baseUrl, String strategy, String authKind,
        String username, String clientId, String tokenUrl, String secretRef, String keyId, String ownOrganizations,
        String schedule, String validation, String pageSize, String rosterGroupId, String rosterSource,
        String rosterPatientQuery, String rosterPatients, String bulkLevel, String bulkGroupId, String bulkTypes,
        String concurrency, String reconcileSchedule, String scopes, String algorithm, String newClinic,
        String clinicName, String timeZone) {

    /**
     * An empty form for the clinic (if given): search, no auth, lenient validation, pages of 100, the
     * default concurrency; a roster read from a Group, a system-level export, RS384 signatures.
     */
    static EndpointForm empty(String clinic) {
        return new EndpointForm(null, clinic, null, null, "search", AuthKind.NONE.name(), null, null, null, null, null,
                null, null, "lenient", "100", null, "group", null, null, "system", null, null,
                String.valueOf(Connection.DEFAULT.concurrency()), null, null, "RS384", null, null, null);
    }

    /** The same request {@code POST /api/v1/endpoints} takes. */
    EndpointRequest toRequest() {
        return new EndpointRequest(trimmed(id), trimmed(newClinic) != null ? trimmed(newClinic) : trimmed(clinic),
                trimmed(name), baseUri(),
                wholeNumber(pageSize, "The page size must be a whole number between 1 and 1000"),
                trimmed(schedule), true, trimmed(validation), trimmed(strategy),
                wholeNumber(concurrency, "The concurrency (requests in flight) must be a whole number between 1 and 16"),
                null, null, trimmed(reconcileSchedule), list(ownOrganizations), auth(), roster(), bulk(), null,
                trimmed(clinicName), trimmed(timeZone));
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

    private static Integer wholeNumber(String value, String message) {
        String given = trimmed(value);
        if (given == null) {
            return null;
        }
        try {
            return Integer.valueOf(given);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(message + "; got '" + given + "'");
        }
    }

    /**
     * Strategy roster, or bulk for the types it does not export: the chosen source with its value;
     * fields of other sources are ignored. A bulk endpoint given no value has no roster.
     */
    private Connection.Roster roster() {
        if (!uses("roster") && !uses("bulk")) {
            return null;
        }
        RosterSource source = source();
        String group = source == RosterSource.GROUP ? trimmed(rosterGroupId) : null;
        String query = source == RosterSource.PATIENT_SEARCH ? trimmed(rosterPatientQuery) : null;
        List<String> patients = source == RosterSource.LIST ? list(rosterPatients) : List.of();
        boolean given = group != null || query != null || !patients.isEmpty();
        return given || uses("roster") ? new Connection.Roster(source, group, query, patients) : null;
    }

    private RosterSource source() {
        String value = trimmed(rosterSource);
        return switch (value == null ? "group" : value.toLowerCase(Locale.ROOT)) {
            case "group" -> RosterSource.GROUP;
            case "patient-search" -> RosterSource.PATIENT_SEARCH;
            case "list" -> RosterSource.LIST;
            default -> throw new InvalidRequestException("Unknown roster source '" + value
                    + "': choose group, patient-search or list");
        };
    }

    /** Strategy bulk: the export's level, the Group at group level, the types (none: the defaults). */
    private Connection.Bulk bulk() {
        if (!uses("bulk")) {
            return null;
        }
        ExportLevel level = level();
        return new Connection.Bulk(level, level == ExportLevel.GROUP ? trimmed(bulkGroupId) : null, list(bulkTypes));
    }

    private ExportLevel level() {
        String value = trimmed(bulkLevel);
        return switch (value == null ? "system" : value.toLowerCase(Locale.ROOT)) {
            case "system" -> ExportLevel.SYSTEM;
            case "group" -> ExportLevel.GROUP;
            default -> throw new InvalidRequestException("Unknown bulk export level '" + value
                    + "': choose system or group");
        };
    }

    private boolean uses(String pullStrategy) {
        return pullStrategy.equalsIgnoreCase(trimmed(strategy));
    }

    /** The credentials of the chosen kind; fields of other kinds are ignored. */
    private Connection.Auth auth() {
        String ref = trimmed(secretRef);
        String url = trimmed(tokenUrl);
        String client = trimmed(clientId);
        String scope = trimmed(scopes) == null ? null : String.join(" ", scopes.trim().split("\\s+"));
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
                    null, scope, null, null, null);
            case SMART_BACKEND -> new Connection.Auth(AuthKind.SMART_BACKEND, null, null, null, url,
                    required(client, "SMART Backend Services need a client id"), null, null, scope,
                    required(ref, "SMART Backend Services need a secret reference to the private key"),
                    trimmed(keyId), trimmed(algorithm));
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

    private static List<String> list(String values) {
        String all = trimmed(values);
        return all == null ? List.of() : Arrays.stream(all.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
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
