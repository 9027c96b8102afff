package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.ValidationLevel;

/** The dashboard's form becomes the same endpoint the API would connect, and says what is wrong with it. */
class EndpointFormTest {

    static final String DEFAULT_SCHEDULE = "0 0 2 * * *";

    @Test
    void aRosterEndpointWithSmartBackendServices() {
        EndpointForm form = new EndpointForm(" harbor-direct ", "harbor", "", "https://emr.example.org/fhir/r4",
                "roster", "SMART_BACKEND", "ignored-user", "monitor", "", "file:/run/secrets/key.pem", "2026-11",
                "Organization/self, npi:1234567893", "", "strict", "250", "harbor-patients");

        EmrEndpoint endpoint = form.toRequest().toEndpoint(DEFAULT_SCHEDULE);

        assertThat(endpoint.id()).isEqualTo("harbor-direct");
        assertThat(endpoint.name()).as("defaults to the id").isEqualTo("harbor-direct");
        assertThat(endpoint.schedule()).isEqualTo(DEFAULT_SCHEDULE);
        assertThat(endpoint.pageSize()).isEqualTo(250);
        assertThat(endpoint.validationLevel()).isEqualTo(ValidationLevel.STRICT);
        assertThat(endpoint.origin()).isEqualTo("API");
        Connection connection = endpoint.connection();
        assertThat(connection.strategy()).isEqualTo(PullStrategy.ROSTER);
        assertThat(connection.roster().source()).isEqualTo(Connection.RosterSource.GROUP);
        assertThat(connection.roster().groupId()).isEqualTo("harbor-patients");
        assertThat(connection.ownOrganizations()).containsExactly("Organization/self", "npi:1234567893");
        Connection.Auth auth = connection.auth();
        assertThat(auth.kind()).isEqualTo(Connection.AuthKind.SMART_BACKEND);
        assertThat(auth.clientId()).isEqualTo("monitor");
        assertThat(auth.privateKeyRef()).isEqualTo("file:/run/secrets/key.pem");
        assertThat(auth.keyId()).isEqualTo("2026-11");
        assertThat(auth.tokenUrl()).as("empty: from the server's SMART configuration").isNull();
        assertThat(auth.username()).as("fields of other kinds are ignored").isNull();
    }

    @Test
    void searchNeedsNoRosterAndBasicAuthTakesAPasswordReference() {
        EndpointForm form = new EndpointForm("lakeside", "lakeside-ortho", "Lakeside", "http://127.0.0.1:8081/fhir/",
                "search", "BASIC", "monitor", null, null, "env:LAKESIDE_PASSWORD", null, null, "-", "lenient", "",
                "left-over-group");

        EmrEndpoint endpoint = form.toRequest().toEndpoint(DEFAULT_SCHEDULE);

        assertThat(endpoint.connection().roster()).isEqualTo(Connection.Roster.NONE);
        assertThat(endpoint.connection().auth().passwordRef()).isEqualTo("env:LAKESIDE_PASSWORD");
        assertThat(endpoint.schedule()).isEqualTo("-");
        assertThat(endpoint.pageSize()).isEqualTo(100);
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

    private static EndpointForm form(String authKind, String secretRef, String pageSize, String baseUrl) {
        return new EndpointForm("x", "c", null, baseUrl, "search", authKind, null, null, null, secretRef, null, null,
                null, "lenient", pageSize, null);
    }
}
