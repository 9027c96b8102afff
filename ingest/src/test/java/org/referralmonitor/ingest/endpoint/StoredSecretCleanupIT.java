package org.referralmonitor.ingest.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * Secrets an earlier version stored where only their references belong (an endpoint entered through
 * the API before references were checked) are removed at start: the value cleared, the endpoint
 * disabled until a reference is entered, the key named in the log and never the value. Endpoints
 * holding references are left as they are.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
@ExtendWith(OutputCaptureExtension.class)
class StoredSecretCleanupIT {

    private static final String SECRET = "pl4in-s3cret-in-the-database";

    @Autowired
    EndpointRepository repository;

    @Autowired
    EndpointDirectory directory;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aSecretStoredInsteadOfItsReferenceIsRemovedAndItsEndpointDisabled(CapturedOutput output) {
        OffsetDateTime now = OffsetDateTime.now();
        repository.upsert(new Clinic("old-clinic", "Old Clinic", ZoneId.of("America/Chicago")), now);
        repository.upsert(endpoint("old-basic", new Connection.Auth(Connection.AuthKind.BASIC, "monitor", SECRET, null,
                null, null, null, null, null, null, null, null)), now);
        repository.upsert(endpoint("old-smart", new Connection.Auth(Connection.AuthKind.SMART_BACKEND, null, null, null,
                "https://emr.example.org/token", "monitor", "env:RM_SECRET_OLD", null, "system/*.rs",
                "-----BEGIN PRIVATE KEY-----" + SECRET, "key-1", "RS384")), now);
        repository.upsert(endpoint("kept", new Connection.Auth(Connection.AuthKind.BASIC, "monitor",
                "file:/run/secrets/referral-monitor/kept", null, null, null, null, null, null, null, null, null)), now);
        repository.upsert(endpoint("malformed", new Connection.Auth(Connection.AuthKind.BEARER, null, null,
                "ENV:RM_SECRET_TOKEN", null, null, null, null, null, null, null, null)), now);

        directory.registerDefinedEndpoints();

        assertThat(jdbc.sql("SELECT COUNT(*) FROM emr_endpoint WHERE auth_settings LIKE :secret")
                .param("secret", "%" + SECRET + "%").query(Integer.class).single()).as("no secret left").isZero();
        EmrEndpoint basic = repository.find("old-basic").orElseThrow();
        assertThat(basic.enabled()).isFalse();
        assertThat(basic.connection().auth().passwordRef()).isNull();
        assertThat(basic.connection().auth().username()).isEqualTo("monitor");
        EmrEndpoint smart = repository.find("old-smart").orElseThrow();
        assertThat(smart.enabled()).isFalse();
        assertThat(smart.connection().auth().privateKeyRef()).isNull();
        assertThat(smart.connection().auth().clientSecretRef()).as("a reference is kept").isEqualTo("env:RM_SECRET_OLD");
        EmrEndpoint kept = repository.find("kept").orElseThrow();
        assertThat(kept.enabled()).isTrue();
        assertThat(kept.connection().auth().passwordRef()).isEqualTo("file:/run/secrets/referral-monitor/kept");
        assertThat(repository.find("malformed").orElseThrow().connection().auth().tokenRef())
                .as("a malformed reference holds no secret: left for its use to refuse").isEqualTo("ENV:RM_SECRET_TOKEN");
        assertThat(output.getOut()).contains("Endpoint old-basic (auth.passwordRef) held a secret where only its "
                + "reference belongs", "Endpoint old-smart (auth.privateKeyRef) held a secret")
                .doesNotContain("Endpoint kept").doesNotContain("Endpoint malformed").doesNotContain(SECRET);
    }

    private static EmrEndpoint endpoint(String id, Connection.Auth auth) {
        Connection connection = new Connection(PullStrategy.SEARCH, 2, Connection.DEFAULT.overlap(),
                Connection.DEFAULT.lag(), "-", List.of(), auth, null, null, null);
        return new EmrEndpoint(id, "old-clinic", id, URI.create("https://emr.example.org/fhir/"), 100, "-", true,
                EndpointDirectory.ORIGIN_API, ValidationLevel.LENIENT, connection);
    }
}
