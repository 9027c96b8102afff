package org.referralmonitor.app.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.time.ZoneId;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.springframework.scheduling.support.CronExpression;

/**
 * An endpoint to connect, from {@code POST /api/v1/endpoints} or the dashboard's form. Only id,
 * clinic and baseUrl are required; the rest defaults as in {@code config/application.yml}.
 * Secrets are named ("env:NAME", "file:/path"), never sent. With {@code timeZone} (and optionally
 * {@code clinicName}), a clinic that does not exist yet is created, its months counted in that zone.
 */
public record EndpointRequest(String id, String clinic, String name, URI baseUrl, Integer pageSize, String schedule,
        Boolean enabled, String validation, String strategy, Integer concurrency, Duration windowOverlap,
        Duration windowLag, String reconcileSchedule, List<String> ownOrganizations, Connection.Auth auth,
        Connection.Roster roster, Connection.Bulk bulk, Connection.ReferralRule referralRule, String clinicName,
        String timeZone) {

    /**
     * The clinic to create with the endpoint when it does not exist (or to check an existing one
     * against), or null when no time zone is given.
     *
     * @throws InvalidRequestException when the time zone is not one
     */
    public Clinic clinicToCreate() {
        if (blank(timeZone)) {
            return null;
        }
        try {
            return new Clinic(clinic, blank(clinicName) ? clinic : clinicName.strip(), ZoneId.of(timeZone.strip()));
        } catch (java.time.DateTimeException e) {
            throw new InvalidRequestException("timeZone must be a time zone such as America/Chicago; got '"
                    + timeZone + "'");
        }
    }

    /** The algorithms SMART Backend Services sign their client assertion with. */
    private static final List<String> SIGNING_ALGORITHMS = List.of("RS384", "ES384");

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
        if (!blank(schedule)) {
            checkCron(schedule, "schedule");
        }
        checkCron(connection.reconcileSchedule(), "reconcileSchedule");
        checkRoster(connection);
        checkBulk(connection);
        checkSecretRefs(connection.auth());
        checkAlgorithm(connection.auth());
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

    /** A Spring cron expression of six fields, or "-" for none. */
    private static void checkCron(String cron, String field) {
        if (!IngestProperties.NO_SCHEDULE.equals(cron) && (blank(cron) || !CronExpression.isValidExpression(cron))) {
            throw new InvalidRequestException(field + " must be a cron expression with 6 fields (second minute hour "
                    + "day-of-month month day-of-week, e.g. 0 0 4 * * SUN) or - for none; got '" + cron + "'");
        }
    }

    /** The roster that a roster crawl, or a bulk export's crawl of the types it does not export, reads. */
    private static void checkRoster(Connection connection) {
        if (connection.strategy() == PullStrategy.SEARCH) {
            return;
        }
        Connection.Roster roster = connection.roster();
        switch (roster.source()) {
            case NONE -> { }
            case GROUP -> {
                if (blank(roster.groupId())) {
                    throw new InvalidRequestException("roster source group needs a group id (roster.groupId): the "
                            + "Group whose members are the clinic's patients");
                }
            }
            case PATIENT_SEARCH -> {
                String query = roster.patientQuery();
                if (blank(query)) {
                    throw new InvalidRequestException("roster source patient-search needs a Patient search "
                            + "(roster.patientQuery), e.g. Patient?organization=Organization/12");
                }
                try {
                    new URI(query);
                } catch (URISyntaxException e) {
                    throw new InvalidRequestException("roster.patientQuery '" + query + "' is not a search URL: "
                            + e.getReason() + " at index " + e.getIndex());
                }
            }
            case LIST -> {
                if (roster.patients().isEmpty() || roster.patients().stream().anyMatch(EndpointRequest::blank)) {
                    throw new InvalidRequestException("roster source list needs patient ids (roster.patients), "
                            + "none of them empty; got " + roster.patients());
                }
            }
        }
    }

    private static void checkBulk(Connection connection) {
        if (connection.strategy() != PullStrategy.BULK) {
            return;
        }
        Connection.Bulk bulk = connection.bulk();
        if (bulk.level() == Connection.ExportLevel.GROUP && blank(bulk.groupId())) {
            throw new InvalidRequestException("bulk level group needs a group id (bulk.groupId): the Group exported "
                    + "by Group/[id]/$export");
        }
        // what a bulk sync exports: the types every strategy pulls; it ignores others
        for (String type : bulk.types()) {
            if (!Connection.PULLED_TYPES.contains(type)) {
                throw new InvalidRequestException("bulk.types: '" + type + "' is not exported; list "
                        + String.join(" and/or ", Connection.PULLED_TYPES) + ", or none for both");
            }
        }
    }

    private static void checkAlgorithm(Connection.Auth auth) {
        if (auth.algorithm() != null && !SIGNING_ALGORITHMS.contains(auth.algorithm())) {
            throw new InvalidRequestException("auth.algorithm must be " + String.join(" or ", SIGNING_ALGORITHMS)
                    + "; got '" + auth.algorithm() + "'");
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
