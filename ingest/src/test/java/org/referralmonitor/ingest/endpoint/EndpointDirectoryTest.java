package org.referralmonitor.ingest.endpoint;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestProperties;

/** What the directory refuses to register at start, before anything is stored. */
class EndpointDirectoryTest {

    private static final String SECRET = "pl4in-s3cret";

    private static EndpointDirectory directory(Connection.Auth auth) {
        Connection connection = new Connection(PullStrategy.SEARCH, 2, null, null, "-", List.of(), auth, null, null,
                null);
        EndpointSource source = new EndpointSource() {

            @Override
            public List<Clinic> clinics() {
                return List.of(new Clinic("clinic-a", "Clinic A", ZoneId.of("America/Chicago")));
            }

            @Override
            public List<EmrEndpoint> endpoints() {
                return List.of(new EmrEndpoint("emr-a", "clinic-a", "EMR A", URI.create("https://emr.example.org/fhir"),
                        100, "-", true, "CONFIG", ValidationLevel.LENIENT, connection));
            }
        };
        IngestProperties properties = new IngestProperties(List.of(), List.of(), false, "-", null, null, null, null,
                null, null, null);
        // no repository and no transactions: a refused endpoint must be refused before anything is stored
        return new EndpointDirectory(null, List.of(source), null, Optional.empty(), null, properties);
    }

    @Test
    void aSecretWrittenInTheConfigurationInsteadOfItsReferenceStopsTheStartNamingTheKeyNotTheSecret() {
        List<Connection.Auth> auths = List.of(
                new Connection.Auth(Connection.AuthKind.BASIC, "monitor", SECRET, null, null, null, null, null, null,
                        null, null, null),
                new Connection.Auth(Connection.AuthKind.BEARER, null, null, SECRET, null, null, null, null, null, null,
                        null, null),
                new Connection.Auth(Connection.AuthKind.CLIENT_SECRET, null, null, null, "https://emr.example.org/token",
                        "monitor", SECRET, null, null, null, null, null),
                new Connection.Auth(Connection.AuthKind.SMART_BACKEND, null, null, null, null, "monitor", null, null,
                        null, "-----BEGIN PRIVATE KEY-----" + SECRET, "key-1", "RS384"));
        List<String> keys = List.of("auth.password-ref", "auth.token-ref", "auth.client-secret-ref",
                "auth.private-key-ref");
        for (int i = 0; i < auths.size(); i++) {
            EndpointDirectory directory = directory(auths.get(i));
            assertThatThrownBy(directory::registerDefinedEndpoints).as(keys.get(i))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Endpoint 'emr-a': " + keys.get(i) + " must name where the secret is, as env:VARIABLE "
                            + "or file:/absolute/path, never the secret itself")
                    .hasMessageNotContaining(SECRET);
        }
    }
}
