package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.ValidationLevel;

/** The dashboard's form becomes the same endpoint the API would connect, and says what is wrong with it. */
class EndpointFormTest {

    static final String DEFAULT_SCHEDULE = "0 0 2 * * *";

    static final String CRON_FIELDS = " must be a cron expression with 6 fields (second minute hour day-of-month month "
            + "day-of-week, e.g. 0 0 4 * * SUN) or - for none; got ";

    @Test
    void aRosterEndpointWithSmartBackendServices() {
        EndpointForm form = posted("id", " harbor-direct ", "clinic", "harbor", "name", "",
                "baseUrl", "https://emr.example.org/fhir/r4", "strategy", "roster", "authKind", "SMART_BACKEND",
                "username", "ignored-user", "clientId", "monitor", "tokenUrl", "",
                "secretRef", "file:/run/secrets/key.pem", "keyId", "2026-11",
                "ownOrganizations", "Organization/self, npi:1234567893", "schedule", "", "validation", "strict",
                "pageSize", "250", "rosterGroupId", "harbor-patients", "rosterPatientQuery", "Patient?ignored=1",
                "bulkLevel", "group", "bulkGroupId", "ignored-group", "bulkTypes", "Encounter",
                "concurrency", " 4 ", "reconcileSchedule", " 0 0 4 * * SUN ",
                "scopes", "  system/ServiceRequest.rs\n  system/Encounter.rs ", "algorithm", "ES384");

        EmrEndpoint endpoint = form.toRequest().toEndpoint(DEFAULT_SCHEDULE);

        assertThat(endpoint.id()).isEqualTo("harbor-direct");
        assertThat(endpoint.name()).as("defaults to the id").isEqualTo("harbor-direct");
        assertThat(endpoint.schedule()).isEqualTo(DEFAULT_SCHEDULE);
        assertThat(endpoint.pageSize()).isEqualTo(250);
        assertThat(endpoint.validationLevel()).isEqualTo(ValidationLevel.STRICT);
        assertThat(endpoint.origin()).isEqualTo("API");
        Connection connection = endpoint.connection();
        assertThat(connection.strategy()).isEqualTo(PullStrategy.ROSTER);
        assertThat(connection.roster()).as("fields of other sources are ignored")
                .isEqualTo(new Connection.Roster(Connection.RosterSource.GROUP, "harbor-patients", null, List.of()));
        assertThat(connection.bulk()).as("only strategy bulk exports").isEqualTo(Connection.Bulk.DEFAULT);
        assertThat(connection.concurrency()).isEqualTo(4);
        assertThat(connection.reconcileSchedule()).isEqualTo("0 0 4 * * SUN");
        assertThat(connection.ownOrganizations()).containsExactly("Organization/self", "npi:1234567893");
        Connection.Auth auth = connection.auth();
        assertThat(auth.kind()).isEqualTo(Connection.AuthKind.SMART_BACKEND);
        assertThat(auth.clientId()).isEqualTo("monitor");
        assertThat(auth.privateKeyRef()).isEqualTo("file:/run/secrets/key.pem");
        assertThat(auth.keyId()).isEqualTo("2026-11");
        assertThat(auth.scopes()).isEqualTo("system/ServiceRequest.rs system/Encounter.rs");
        assertThat(auth.algorithm()).isEqualTo("ES384");
        assertThat(auth.tokenUrl()).as("empty: from the server's SMART configuration").isNull();
        assertThat(auth.username()).as("fields of other kinds are ignored").isNull();
    }

    @Test
    void searchNeedsNoRosterAndBasicAuthTakesAPasswordReference() {
        EndpointForm form = posted("id", "lakeside", "clinic", "lakeside-ortho", "name", "Lakeside",
                "baseUrl", "http://127.0.0.1:8081/fhir/", "strategy", "search", "authKind", "BASIC",
                "username", "monitor", "secretRef", "env:LAKESIDE_PASSWORD", "schedule", "-", "pageSize", "",
                "rosterGroupId", "left-over-group", "bulkLevel", "group", "bulkTypes", "Encounter",
                "concurrency", "", "reconcileSchedule", " ", "scopes", "system/Patient.rs");

        EmrEndpoint endpoint = form.toRequest().toEndpoint(DEFAULT_SCHEDULE);

        assertThat(endpoint.connection().roster()).isEqualTo(Connection.Roster.NONE);
        assertThat(endpoint.connection().bulk()).isEqualTo(Connection.Bulk.DEFAULT);
        assertThat(endpoint.connection().auth().passwordRef()).isEqualTo("env:LAKESIDE_PASSWORD");
        assertThat(endpoint.connection().auth().scopes()).as("basic auth asks for no token").isNull();
        assertThat(endpoint.connection().auth().algorithm()).isNull();
        assertThat(endpoint.connection().concurrency()).as("empty: the default").isEqualTo(2);
        assertThat(endpoint.connection().reconcileSchedule()).as("empty: weekly").isEqualTo("0 0 4 * * SUN");
        assertThat(endpoint.schedule()).isEqualTo("-");
        assertThat(endpoint.pageSize()).isEqualTo(100);
    }

    /** A clinic the monitor does not know yet: its id typed in, with its name and the time zone of its months. */
    @Test
    void aNewClinicIsGivenWithItsNameAndTimeZone() {
        EndpointForm form = posted("clinic", "lakeside-ortho", "newClinic", " valley-home-health ",
                "clinicName", "Valley Home Health", "timeZone", "America/Denver");

        org.referralmonitor.app.api.EndpointRequest request = form.toRequest();

        assertThat(request.toEndpoint(DEFAULT_SCHEDULE).clinicId()).as("the new clinic, not the one chosen")
                .isEqualTo("valley-home-health");
        assertThat(request.clinicToCreate()).isEqualTo(new org.referralmonitor.ingest.endpoint.Clinic(
                "valley-home-health", "Valley Home Health", java.time.ZoneId.of("America/Denver")));
        assertThat(posted("clinic", "lakeside-ortho").toRequest().clinicToCreate()).as("no time zone: none to create")
                .isNull();
        assertThatThrownBy(() -> posted("newClinic", "valley", "timeZone", "Mountain").toRequest().clinicToCreate())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("timeZone must be a time zone such as America/Chicago; got 'Mountain'");
    }

    @Test
    void theEmptyFormOffersTheDefaults() {
        EndpointForm empty = EndpointForm.empty("harbor");

        assertThat(empty.clinic()).isEqualTo("harbor");
        assertThat(empty.concurrency()).isEqualTo("2");
        assertThat(empty.rosterSource()).isEqualTo("group");
        assertThat(empty.bulkLevel()).isEqualTo("system");
        assertThat(empty.algorithm()).isEqualTo("RS384");
        assertThat(empty.reconcileSchedule()).isNull();
    }

    @Test
    void aRosterFromAPatientSearch() {
        EndpointForm form = posted("strategy", "roster", "rosterSource", "patient-search",
                "rosterGroupId", "left-over-group", "rosterPatients", "p1",
                "rosterPatientQuery", " Patient?organization=Organization/12 ");

        Connection.Roster roster = endpoint(form).connection().roster();

        assertThat(roster).isEqualTo(new Connection.Roster(Connection.RosterSource.PATIENT_SEARCH, null,
                "Patient?organization=Organization/12", List.of()));
    }

    @Test
    void aRosterFromAConfiguredList() {
        EndpointForm form = posted("strategy", "roster", "rosterSource", "list", "rosterGroupId", "left-over-group",
                "rosterPatients", " p-1, p-2\n p-3,,p-4 ");

        Connection.Roster roster = endpoint(form).connection().roster();

        assertThat(roster).isEqualTo(new Connection.Roster(Connection.RosterSource.LIST, null, null,
                List.of("p-1", "p-2", "p-3", "p-4")));
    }

    @Test
    void aGroupLevelExportOfSomeTypes() {
        EndpointForm form = posted("strategy", "bulk", "bulkLevel", "group", "bulkGroupId", " harbor-patients ",
                "bulkTypes", "ServiceRequest,  Encounter", "rosterGroupId", "");

        Connection connection = endpoint(form).connection();

        assertThat(connection.strategy()).isEqualTo(PullStrategy.BULK);
        assertThat(connection.bulk()).isEqualTo(new Connection.Bulk(Connection.ExportLevel.GROUP, "harbor-patients",
                List.of("ServiceRequest", "Encounter")));
        assertThat(connection.roster()).as("nothing to crawl: no roster").isEqualTo(Connection.Roster.NONE);
    }

    @Test
    void aSystemLevelExportOfTheDefaultTypesCrawlsWhatItCannotExportFromTheRoster() {
        EndpointForm form = posted("strategy", "bulk", "bulkLevel", "system", "bulkGroupId", "left-over-group",
                "bulkTypes", " ", "rosterGroupId", "harbor-patients");

        Connection connection = endpoint(form).connection();

        assertThat(connection.bulk()).isEqualTo(new Connection.Bulk(Connection.ExportLevel.SYSTEM, null, List.of()));
        assertThat(connection.roster())
                .isEqualTo(new Connection.Roster(Connection.RosterSource.GROUP, "harbor-patients", null, List.of()));
    }

    @Test
    void clientSecretAuthTakesScopesButNoSigningAlgorithm() {
        EndpointForm form = posted("authKind", "CLIENT_SECRET", "clientId", "monitor", "secretRef", "env:SECRET",
                "scopes", "system/*.rs", "algorithm", "ES384");

        Connection.Auth auth = endpoint(form).connection().auth();

        assertThat(auth.scopes()).isEqualTo("system/*.rs");
        assertThat(auth.algorithm()).isNull();
        assertThat(auth.clientSecretRef()).isEqualTo("env:SECRET");
    }

    @Test
    void saysWhatIsWrong() {
        EndpointForm secret = form("BEARER", "s3cr3t-token", "100", "https://emr.example.org/fhir/");
        assertThatThrownBy(() -> secret.toRequest().toEndpoint(DEFAULT_SCHEDULE))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("must name where the secret is, as env:VARIABLE or file:/absolute/path");

        EndpointForm noToken = form("BEARER", " ", "100", "https://emr.example.org/fhir/");
        assertThatThrownBy(() -> noToken.toRequest()).hasMessage("Bearer auth needs a secret reference to the token.");

        EndpointForm pages = form("NONE", null, "many", "https://emr.example.org/fhir/");
        assertThatThrownBy(() -> pages.toRequest())
                .hasMessage("The page size must be a whole number between 1 and 1000; got 'many'");

        EndpointForm ftp = form("NONE", null, "100", "ftp://emr.example.org/fhir/");
        assertThatThrownBy(() -> ftp.toRequest().toEndpoint(DEFAULT_SCHEDULE))
                .hasMessage("baseUrl must be an http(s) URL, got 'ftp://emr.example.org/fhir/'");
    }

    @Test
    void saysWhatIsWrongWithConcurrencyAndSchedules() {
        assertRefused(posted("concurrency", "two"),
                "The concurrency (requests in flight) must be a whole number between 1 and 16; got 'two'");
        assertRefused(posted("concurrency", "17"), "concurrency must be between 1 and 16");
        assertRefused(posted("concurrency", "0"), "concurrency must be between 1 and 16");
        assertRefused(posted("reconcileSchedule", "0 4 * * SUN"), "reconcileSchedule" + CRON_FIELDS + "'0 4 * * SUN'");
        assertRefused(posted("schedule", "nightly"), "schedule" + CRON_FIELDS + "'nightly'");
    }

    @Test
    void saysWhatIsWrongWithTheRoster() {
        assertRefused(posted("strategy", "roster", "rosterSource", "ward"),
                "Unknown roster source 'ward': choose group, patient-search or list");
        assertRefused(posted("strategy", "roster", "rosterSource", "group", "rosterGroupId", " ",
                        "rosterPatientQuery", "Patient?active=true"),
                "roster source group needs a group id (roster.groupId): the Group whose members are the clinic's "
                        + "patients");
        assertRefused(posted("strategy", "roster", "rosterSource", "patient-search", "rosterGroupId", "g"),
                "roster source patient-search needs a Patient search (roster.patientQuery), "
                        + "e.g. Patient?organization=Organization/12");
        assertRefused(posted("strategy", "roster", "rosterSource", "patient-search",
                        "rosterPatientQuery", "Patient?name=van der Berg"),
                "roster.patientQuery 'Patient?name=van der Berg' is not a search URL: Illegal character in query "
                        + "at index 16");
        assertRefused(posted("strategy", "roster", "rosterSource", "list", "rosterPatients", " , "),
                "roster source list needs patient ids (roster.patients), none of them empty; got []");
    }

    @Test
    void saysWhatIsWrongWithTheExport() {
        assertRefused(posted("strategy", "bulk", "bulkLevel", "patient"),
                "Unknown bulk export level 'patient': choose system or group");
        assertRefused(posted("strategy", "bulk", "bulkLevel", "group", "bulkGroupId", ""),
                "bulk level group needs a group id (bulk.groupId): the Group exported by Group/[id]/$export");
        assertRefused(posted("strategy", "bulk", "bulkTypes", "ServiceRequest, Patient"),
                "bulk.types: 'Patient' is not exported; list ServiceRequest and/or Encounter, or none for both");
    }

    @Test
    void saysWhatIsWrongWithTheSigningAlgorithm() {
        assertRefused(posted("authKind", "SMART_BACKEND", "clientId", "monitor", "secretRef", "env:KEY",
                "algorithm", "HS256"), "auth.algorithm must be RS384 or ES384; got 'HS256'");
    }

    private static void assertRefused(EndpointForm form, String message) {
        assertThatThrownBy(() -> endpoint(form)).isInstanceOf(InvalidRequestException.class).hasMessage(message);
    }

    private static EmrEndpoint endpoint(EndpointForm form) {
        return form.toRequest().toEndpoint(DEFAULT_SCHEDULE);
    }

    private static EndpointForm form(String authKind, String secretRef, String pageSize, String baseUrl) {
        return posted("id", "x", "clinic", "c", "baseUrl", baseUrl, "authKind", authKind, "secretRef", secretRef,
                "pageSize", pageSize);
    }

    /**
     * The form as the browser posts it, by field name: the empty form for clinic "c" (id "x", base URL
     * https://emr.example.org/fhir/), with these fields (name, value, name, value...) changed.
     */
    private static EndpointForm posted(String... namesAndValues) {
        RecordComponent[] components = EndpointForm.class.getRecordComponents();
        EndpointForm empty = EndpointForm.empty("c");
        Map<String, String> fields = new HashMap<>();
        try {
            for (RecordComponent component : components) {
                fields.put(component.getName(), (String) component.getAccessor().invoke(empty));
            }
            fields.put("id", "x");
            fields.put("baseUrl", "https://emr.example.org/fhir/");
            for (int i = 0; i < namesAndValues.length; i += 2) {
                assertThat(fields).as("a field of the form").containsKey(namesAndValues[i]);
                fields.put(namesAndValues[i], namesAndValues[i + 1]);
            }
            return EndpointForm.class.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType)
                    .toArray(Class<?>[]::new)).newInstance(Arrays.stream(components).map(c -> fields.get(c.getName()))
                    .toArray());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
