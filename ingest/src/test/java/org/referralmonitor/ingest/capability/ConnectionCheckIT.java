package org.referralmonitor.ingest.capability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * "Test connection" of an auth kind the server does not support: the report says why in plain
 * language, from the server's SMART configuration, and no token is asked for with credentials the
 * server would refuse. What the CapabilityStatement declares is still read (without credentials),
 * so the report is complete. A secret that cannot be read is a connection problem, not a crash.
 */
@SpringBootTest(classes = IngestTestApplication.class,
        properties = "referral-monitor.ingest.entered-secrets.file-dirs=/run/secrets/referral-monitor/,/nonexistent/")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class ConnectionCheckIT {

    private static final String FHIR = "application/fhir+json";
    private static final String SMART = "/fhir/.well-known/smart-configuration";

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @Autowired
    ConnectionCheck check;

    @BeforeEach
    void stubEmr() {
        emr.resetAll();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).willReturn(okForContentType(FHIR, FhirFixtures.searchServer())
                .withHeader("Date", "Mon, 23 Nov 2026 10:00:00 GMT")));
        // any token request would be refused: a check that asks for one with refused credentials fails here
        emr.stubFor(post(urlPathEqualTo("/auth/token")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"unsupported client authentication\"}")));
    }

    private void smartConfiguration(String tokenEndpoint, String methods, String algorithms) {
        smartConfiguration(tokenEndpoint, methods, algorithms, "\"system/ServiceRequest.rs\",\"system/Encounter.rs\"");
    }

    private void smartConfiguration(String tokenEndpoint, String methods, String algorithms, String scopes) {
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(okForContentType("application/json", "{"
                + (tokenEndpoint == null ? "" : "\"token_endpoint\":\"" + emr.baseUrl() + tokenEndpoint + "\",")
                + "\"token_endpoint_auth_methods_supported\":[" + methods + "],"
                + "\"token_endpoint_auth_signing_alg_values_supported\":[" + algorithms + "],"
                + "\"grant_types_supported\":[\"client_credentials\"],"
                + "\"scopes_supported\":[" + scopes + "]}")));
    }

    private EmrEndpoint endpoint(String id, Connection.Auth auth) {
        return endpoint(id, auth, "API");
    }

    /** An endpoint defined in the configuration files: its secrets may be anywhere. */
    private EmrEndpoint configured(String id, Connection.Auth auth) {
        return endpoint(id, auth, "CONFIG");
    }

    private EmrEndpoint endpoint(String id, Connection.Auth auth, String origin) {
        Connection connection = new Connection(PullStrategy.SEARCH, 2, Duration.ofMinutes(5), Duration.ofSeconds(30),
                "-", List.of(), auth, null, null, null);
        return new EmrEndpoint(id, "clinic-c", id, URI.create(emr.baseUrl() + "/fhir"), 100, "-", true, origin,
                ValidationLevel.LENIENT, connection);
    }

    /** Strategies and rosters the server does not declare are refused, each saying why. */
    @Test
    void refusesStrategiesAndRostersTheServerDoesNotDeclare() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode capability = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(FhirFixtures.patientOnlyServer());
        com.fasterxml.jackson.databind.node.ArrayNode resources =
                (com.fasterxml.jackson.databind.node.ArrayNode) capability.at("/rest/0/resource");
        for (int i = resources.size() - 1; i >= 0; i--) {
            if ("Group".equals(resources.get(i).path("type").asText())) {
                resources.remove(i);
            }
        }
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).atPriority(1)
                .willReturn(okForContentType(FHIR, capability.toString())));

        ConnectionCheck.Report bulk = check.check(endpoint("check-bulk", new Connection(PullStrategy.BULK, 2,
                Duration.ofMinutes(5), Duration.ofSeconds(30), "-", List.of(), Connection.Auth.NONE,
                new Connection.Roster(Connection.RosterSource.GROUP, "everyone", null, List.of()),
                Connection.Bulk.DEFAULT, null)));
        ConnectionCheck.Report groupExport = check.check(endpoint("check-group-export", new Connection(
                PullStrategy.BULK, 2, Duration.ofMinutes(5), Duration.ofSeconds(30), "-", List.of(),
                Connection.Auth.NONE, null, new Connection.Bulk(Connection.ExportLevel.GROUP, null, List.of()), null)));
        ConnectionCheck.Report roster = check.check(endpoint("check-roster", new Connection(PullStrategy.ROSTER, 2,
                Duration.ofMinutes(5), Duration.ofSeconds(30), "-", List.of(), Connection.Auth.NONE,
                new Connection.Roster(Connection.RosterSource.LIST, null, null, List.of()), null, null)));

        assertThat(bulk.ok()).isFalse();
        assertThat(bulk.refusals()).contains("strategy bulk: the server does not declare a system-level $export",
                "roster.source group: the server does not declare reading Group");
        assertThat(groupExport.refusals()).contains("strategy bulk: the server does not declare Group/[id]/$export",
                "strategy bulk at group level needs bulk.group-id");
        assertThat(roster.refusals()).containsExactly("roster.source list: roster.patients is empty");
    }

    private EmrEndpoint endpoint(String id, Connection connection) {
        return new EmrEndpoint(id, "clinic-c", id, URI.create(emr.baseUrl() + "/fhir"), 100, "-", true, "API",
                ValidationLevel.LENIENT, connection);
    }

    private static String secretFile(String content) throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("check-secret", ".secret");
        file.toFile().deleteOnExit();
        java.nio.file.Files.writeString(file, content);
        return "file:" + file;
    }

    private static Connection.Auth readableClientSecret(String tokenUrl) throws java.io.IOException {
        return new Connection.Auth(Connection.AuthKind.CLIENT_SECRET, null, null, null, tokenUrl, "referral-monitor",
                secretFile("s3cret-value"), Connection.ClientAuth.BASIC, null, null, null, null);
    }

    private static Connection.Auth smartBackend(String tokenUrl, String algorithm) {
        // the key file does not exist: nothing may be signed when the server refuses this auth anyway
        return new Connection.Auth(Connection.AuthKind.SMART_BACKEND, null, null, null, tokenUrl, "referral-monitor",
                null, null, null, "file:/nonexistent/referral-monitor-key.pem", "key-1", algorithm);
    }

    private static Connection.Auth clientSecret(Connection.ClientAuth clientAuth) {
        return new Connection.Auth(Connection.AuthKind.CLIENT_SECRET, null, null, null, null, "referral-monitor",
                "file:/nonexistent/referral-monitor-secret", clientAuth, null, null, null, null);
    }

    @Test
    void refusesSmartBackendWhenTheTokenEndpointDoesNotAcceptPrivateKeyJwt() throws Exception {
        smartConfiguration("/auth/token", "\"client_secret_basic\"", "\"RS384\"");

        ConnectionCheck.Report report = check.check(endpoint("check-jwt", smartBackend(null, "RS384")));

        assertThat(report.ok()).isFalse();
        assertThat(report.refusals()).containsExactly("auth smart-backend: the server's token endpoint does not "
                + "accept private_key_jwt (it lists [client_secret_basic])");
        // the CapabilityStatement was still read, without credentials, and no token was asked for
        assertThat(report.capabilities().type("ServiceRequest").populationSearch()).isTrue();
        assertThat(report.serverTime()).isEqualTo("2026-11-23T10:00:00Z");
        emr.verify(getRequestedFor(urlPathEqualTo("/fhir/metadata")).withHeader("Authorization", absent()));
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void refusesSmartBackendWhenTheServerPublishesNoSmartConfiguration() throws Exception {
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(notFound()));

        ConnectionCheck.Report report = check.check(endpoint("check-no-smart", smartBackend(null, "RS384")));

        assertThat(report.ok()).isFalse();
        assertThat(report.refusals()).containsExactly("auth smart-backend: no token URL (the server publishes no "
                + "SMART configuration; set auth.token-url)");
        assertThat(report.capabilities().type("Encounter").populationSearch()).isTrue();
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void refusesSmartBackendWhenTheSmartConfigurationNamesNoTokenEndpoint() throws Exception {
        smartConfiguration(null, "\"private_key_jwt\"", "\"RS384\"");

        ConnectionCheck.Report report = check.check(endpoint("check-no-token", smartBackend(null, "RS384")));

        assertThat(report.refusals()).containsExactly("auth smart-backend: no token URL (the server's SMART "
                + "configuration names no token_endpoint; set auth.token-url)");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void refusesASigningAlgorithmTheServerDoesNotList() throws Exception {
        smartConfiguration("/auth/token", "\"private_key_jwt\"", "\"RS384\"");

        ConnectionCheck.Report report = check.check(endpoint("check-alg", smartBackend(null, "ES384")));

        assertThat(report.refusals()).containsExactly("auth smart-backend: the server does not accept ES384 "
                + "signatures (it lists [RS384])");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void refusesClientSecretPostWhenTheServerOnlyTakesBasic() throws Exception {
        smartConfiguration("/auth/token", "\"client_secret_basic\",\"private_key_jwt\"", "\"RS384\"");

        ConnectionCheck.Report report = check.check(endpoint("check-post", clientSecret(Connection.ClientAuth.POST)));

        assertThat(report.refusals()).containsExactly("auth client-secret: the server's token endpoint does not "
                + "accept client_secret_post (it lists [client_secret_basic, private_key_jwt])");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void reportsTheRefusalEvenWhenTheCapabilityStatementNeedsCredentials() throws Exception {
        smartConfiguration("/auth/token", "\"client_secret_basic\"", "\"RS384\"");
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401)));

        ConnectionCheck.Report report = check.check(endpoint("check-closed", smartBackend(null, "RS384")));

        assertThat(report.ok()).isFalse();
        assertThat(report.refusals()).containsExactly("auth smart-backend: the server's token endpoint does not "
                + "accept private_key_jwt (it lists [client_secret_basic])");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void aBusySmartConfigurationIsWaitedForWhenTokensComeFromIt() {
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(aResponse().withStatus(503).withHeader("Retry-After", "7")));

        // not "the server publishes no SMART configuration": it is there, just busy
        assertThatThrownBy(() -> check.check(endpoint("check-busy", smartBackend(null, "RS384"))))
                .isInstanceOf(ConnectionCheck.UnreachableException.class)
                .hasMessageContaining("smart-configuration answered HTTP 503")
                .satisfies(e -> {
                    ConnectionCheck.UnreachableException u = (ConnectionCheck.UnreachableException) e;
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                });
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void aBrokenSmartConfigurationDoesNotMatterWithoutTokens() throws Exception {
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(aResponse().withStatus(500)));

        ConnectionCheck.Report report = check.check(endpoint("check-none", Connection.Auth.NONE));

        assertThat(report.ok()).as(String.join("; ", report.refusals())).isTrue();
        assertThat(report.capabilities().smartFound()).isFalse();
    }

    @Test
    void aSecretThatCannotBeReadIsAConnectionProblemSaidPlainly() {
        smartConfiguration("/auth/token", "\"client_secret_basic\"", "\"RS384\"");

        assertThatThrownBy(() -> check.check(endpoint("check-secret", clientSecret(Connection.ClientAuth.BASIC))))
                .isInstanceOf(ConnectionCheck.UnreachableException.class)
                .hasMessageContaining("auth.client-secret-ref")
                .hasMessageContaining("cannot read /nonexistent/referral-monitor-secret")
                .satisfies(e -> assertThat(((ConnectionCheck.UnreachableException) e).retryable()).isFalse());
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    /**
     * An endpoint entered through the API naming a secret outside the allowed places (one entered
     * before the limits, or the limits changed since) gets nothing sent: the monitor's own secrets
     * never reach a server an administrator chose.
     */
    @Test
    void anEnteredEndpointNamingASecretOutsideTheAllowedPlacesSendsNothing() {
        smartConfiguration("/auth/token", "\"client_secret_basic\"", "\"RS384\"");
        Connection.Auth own = new Connection.Auth(Connection.AuthKind.CLIENT_SECRET, null, null, null, null,
                "referral-monitor", "env:RM_PSEUDONYM_KEY", Connection.ClientAuth.BASIC, null, null, null, null);

        assertThatThrownBy(() -> check.check(endpoint("check-own", own)))
                .isInstanceOf(ConnectionCheck.UnreachableException.class)
                .hasMessage("check-own: auth.clientSecretRef names env:RM_PSEUDONYM_KEY, which is not among the "
                        + "secrets the API and the dashboard may name: environment variables starting with "
                        + "RM_SECRET_, files under /run/secrets/referral-monitor/ or /nonexistent/ "
                        + "(referral-monitor.ingest.entered-secrets; or define it in the configuration files)");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    /** A token endpoint that is busy for the moment is waited for, as long as it asks: not a refusal. */
    @Test
    void aBusyTokenEndpointIsWaitedForAsLongAsItAsks() throws Exception {
        smartConfiguration("/auth/busy-token", "\"client_secret_basic\"", "\"RS384\"");
        emr.stubFor(post(urlPathEqualTo("/auth/busy-token")).willReturn(aResponse().withStatus(429)
                .withHeader("Retry-After", "7")));

        assertThatThrownBy(() -> check.check(configured("check-busy-token", readableClientSecret(null))))
                .isInstanceOf(ConnectionCheck.UnreachableException.class)
                .hasMessageContaining("answered HTTP 429")
                .satisfies(e -> {
                    ConnectionCheck.UnreachableException u = (ConnectionCheck.UnreachableException) e;
                    assertThat(u.retryable()).isTrue();
                    assertThat(u.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                });
        emr.verify(1, postRequestedFor(urlPathEqualTo("/auth/busy-token")));
    }

    /**
     * A server listing only v1 scopes, as a wildcard, is asked for that wildcard: not for v2 scopes
     * it does not list (even though it declares permission-v2), nor for one scope per type.
     */
    @Test
    void asksForTheV1WildcardTheServerLists() throws Exception {
        // permission-v2 is declared, but the scopes listed are v1 ones
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(okForContentType("application/json",
                "{\"token_endpoint\":\"" + emr.baseUrl() + "/auth/v1-token\",\"capabilities\":[\"permission-v2\"],"
                        + "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"],"
                        + "\"scopes_supported\":[\"openid\",\"system/*.read\",\"launch\"]}")));
        emr.stubFor(post(urlPathEqualTo("/auth/v1-token")).willReturn(okForContentType("application/json",
                "{\"access_token\":\"v1\",\"token_type\":\"bearer\",\"expires_in\":3600}")));
        EmrEndpoint endpoint = configured("check-v1", readableClientSecret(null));

        ConnectionCheck.Report report = check.check(endpoint);

        assertThat(report.ok()).as(String.join("; ", report.refusals())).isTrue();
        assertThat(report.warnings()).isEmpty();
        assertThat(ConnectionCheck.scopes(endpoint, report.capabilities())).isEqualTo("system/*.read");
        emr.verify(1, postRequestedFor(urlPathEqualTo("/auth/v1-token"))
                .withRequestBody(equalTo("grant_type=client_credentials&scope=system%2F*.read")));
    }

    /**
     * v2 scopes are asked for when the server lists v2 scopes, the listed ones where it lists them; a
     * type it lists none for is asked for all the same (SMART: scopes_supported need not be complete)
     * and named in a warning, never a refusal.
     */
    @Test
    void namesTheNeededTypesTheServerListsNoScopeForAndAsksForThemAllTheSame() throws Exception {
        smartConfiguration("/auth/token", "\"client_secret_basic\"", "\"RS384\"",
                "\"system/Encounter.rs\",\"system/ServiceRequest.read\",\"system/Practitioner.rs\","
                        + "\"system/Organization.read\"");
        EmrEndpoint endpoint = configured("check-v2-gaps", readableClientSecret(null));
        emr.stubFor(post(urlPathEqualTo("/auth/token")).atPriority(1).willReturn(okForContentType("application/json",
                "{\"access_token\":\"t1\",\"token_type\":\"bearer\",\"expires_in\":300}")));

        ConnectionCheck.Report report = check.check(endpoint);

        assertThat(report.refusals()).isEmpty();
        // ServiceRequest and Organization listed in v1 only: asked as listed; PractitionerRole not listed at all
        assertThat(report.warnings()).containsExactly("auth client-secret: the server's scopes_supported lists no "
                + "scope to read PractitionerRole (neither system/PractitionerRole.rs nor system/*.rs); asked for all "
                + "the same; if the server does not grant them, set auth.scopes");
        assertThat(ConnectionCheck.scopes(endpoint, report.capabilities())).isEqualTo("system/ServiceRequest.read "
                + "system/Encounter.rs system/Practitioner.rs system/PractitionerRole.rs system/Organization.read");
        emr.verify(postRequestedFor(urlPathEqualTo("/auth/token")).withRequestBody(containing(
                "scope=system%2FServiceRequest.read+system%2FEncounter.rs+system%2FPractitioner.rs+"
                        + "system%2FPractitionerRole.rs+system%2FOrganization.read")));
    }

    /**
     * A token endpoint over plain http on another host would get the client secret in clear: refused,
     * and nothing is sent to it.
     */
    @Test
    void refusesAnHttpTokenEndpointOnAnotherHost() throws Exception {
        emr.stubFor(get(urlPathEqualTo(SMART)).willReturn(okForContentType("application/json",
                "{\"token_endpoint\":\"http://auth.emr.invalid/token\","
                        + "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\"],"
                        + "\"scopes_supported\":[\"system/*.rs\"]}")));

        ConnectionCheck.Report report = check.check(configured("check-http-token", readableClientSecret(null)));

        assertThat(report.refusals()).containsExactly("auth client-secret: the token URL http://auth.emr.invalid/token "
                + "(the token_endpoint of the server's SMART configuration) is not https: the client's credentials "
                + "would cross the network in clear (http is allowed only to localhost)");
        emr.verify(getRequestedFor(urlPathEqualTo("/fhir/metadata")).withHeader("Authorization", absent()));
    }

    /** A token URL that is not http(s) at all is a refusal said plainly, not a failure of the check. */
    @Test
    void refusesATokenUrlThatIsNotHttps() throws Exception {
        smartConfiguration(null, "\"client_secret_basic\"", "\"RS384\"");

        ConnectionCheck.Report report = check.check(configured("check-ftp-token",
                readableClientSecret("ftp://auth.emr.invalid/token")));

        assertThat(report.refusals()).containsExactly("auth client-secret: the token URL ftp://auth.emr.invalid/token "
                + "(auth.token-url) is not an https URL");
        emr.verify(0, postRequestedFor(anyUrl()));
    }

    /**
     * An assertion without kid, or without iss and sub, would be refused by any server (or taken for
     * another client): the missing setting is named, and nothing is signed or sent.
     */
    @Test
    void refusesTokenAuthWithoutAClientIdOrAKeyId() throws Exception {
        smartConfiguration("/auth/token", "\"private_key_jwt\",\"client_secret_basic\"", "\"RS384\"");
        String key = secretFile("-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).generate().toPrivateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Connection.Auth noKeyId = new Connection.Auth(Connection.AuthKind.SMART_BACKEND, null, null, null, null,
                "referral-monitor", null, null, null, key, " ", "RS384");
        Connection.Auth noClientId = new Connection.Auth(Connection.AuthKind.SMART_BACKEND, null, null, null, null,
                null, null, null, null, key, "key-1", "RS384");
        Connection.Auth secretWithoutClientId = new Connection.Auth(Connection.AuthKind.CLIENT_SECRET, null, null,
                null, null, null, secretFile("s3cret-value"), Connection.ClientAuth.BASIC, null, null, null, null);

        assertThat(check.check(configured("check-no-kid", noKeyId)).refusals()).containsExactly("auth smart-backend: "
                + "auth.key-id is not set: the signed assertion names the key the server registered (its kid)");
        assertThat(check.check(configured("check-no-iss", noClientId)).refusals()).containsExactly("auth "
                + "smart-backend: auth.client-id is not set: the signed assertion names the client the server "
                + "registered as its iss and sub");
        assertThat(check.check(configured("check-no-client", secretWithoutClientId)).refusals()).containsExactly(
                "auth client-secret: auth.client-id is not set: the token endpoint needs the client the secret "
                        + "belongs to");
        emr.verify(0, postRequestedFor(anyUrl()));
    }
}
