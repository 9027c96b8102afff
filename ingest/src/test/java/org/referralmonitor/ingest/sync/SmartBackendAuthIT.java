package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SMART Backend Services against a WireMock EMR: the token comes from the token endpoint the
 * server's smart-configuration names, asked with an RS384 {@code private_key_jwt} assertion (kid,
 * exp at most 5 minutes after iat, a fresh jti each time) for the scopes the server lists; the
 * token is reused across requests, and a 401 in the middle of a sync causes exactly one new token
 * and one retry of the page.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class SmartBackendAuthIT {

    private static final String FHIR = "application/fhir+json";
    private static final RSAKey KEY = generateKey();

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoint(DynamicPropertyRegistry registry) throws Exception {
        Path keyFile = Files.createTempFile("smart-key", ".pem");
        keyFile.toFile().deleteOnExit();
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(KEY.toPrivateKey().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-s");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic S");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "emr-smart");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> "clinic-s");
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> emr.baseUrl() + "/fhir");
        registry.add("referral-monitor.ingest.endpoints[0].page-size", () -> "3");
        registry.add("referral-monitor.ingest.endpoints[0].auth.kind", () -> "smart-backend");
        registry.add("referral-monitor.ingest.endpoints[0].auth.client-id", () -> "referral-monitor");
        registry.add("referral-monitor.ingest.endpoints[0].auth.key-id", () -> "key-2026-11");
        registry.add("referral-monitor.ingest.endpoints[0].auth.algorithm", () -> "RS384");
        registry.add("referral-monitor.ingest.endpoints[0].auth.private-key-ref", () -> "file:" + keyFile);
    }

    private static RSAKey generateKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("key-2026-11").generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Autowired
    SyncService syncs;

    private String base() {
        return emr.baseUrl() + "/fhir/";
    }

    @BeforeEach
    void stubEmr() {
        emr.resetAll();
        emr.stubFor(get(urlPathEqualTo("/fhir/metadata")).willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathEqualTo("/fhir/.well-known/smart-configuration")).willReturn(okForContentType(
                "application/json", "{\"token_endpoint\":\"" + emr.baseUrl() + "/auth/token\","
                        + "\"token_endpoint_auth_methods_supported\":[\"private_key_jwt\"],"
                        + "\"token_endpoint_auth_signing_alg_values_supported\":[\"RS384\",\"ES384\"],"
                        + "\"grant_types_supported\":[\"client_credentials\"],"
                        + "\"scopes_supported\":[\"system/ServiceRequest.rs\",\"system/Encounter.rs\"],"
                        + "\"capabilities\":[\"client-confidential-asymmetric\"]}")));
        emr.stubFor(post(urlPathEqualTo("/auth/token")).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(token("t1")).willSetStateTo("second"));
        emr.stubFor(post(urlPathEqualTo("/auth/token")).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(token("t2")).willSetStateTo("third"));
        emr.stubFor(get(urlPathMatching("/fhir/.*")).atPriority(10).withHeader("Authorization", absent())
                .willReturn(aResponse().withStatus(401)));
        emr.stubFor(get(urlPathMatching("/fhir/(Encounter|Practitioner|PractitionerRole|Organization)")).atPriority(5)
                .withHeader("Authorization", equalTo("Bearer t1").or(equalTo("Bearer t2")))
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", absent())
                .withHeader("Authorization", equalTo("Bearer t1"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-1.json", base()))));
        // the token expires between page 1 and page 2
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", equalTo("3"))
                .withHeader("Authorization", equalTo("Bearer t1"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", equalTo("3"))
                .withHeader("Authorization", equalTo("Bearer t2"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-2.json", base()))));
        emr.stubFor(get(urlPathEqualTo("/fhir/ServiceRequest")).withQueryParam("_offset", equalTo("6"))
                .withHeader("Authorization", equalTo("Bearer t2"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-3.json", base()))));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder token(String value) {
        return okForContentType("application/json", "{\"access_token\":\"" + value + "\",\"token_type\":\"bearer\","
                + "\"expires_in\":3600,\"scope\":\"system/ServiceRequest.rs system/Encounter.rs\"}");
    }

    @Test
    void signsAssertionsRenewsOnceOn401AndRetriesThePage() throws Exception {
        SyncRun run = SyncAwait.sync(syncs, "emr-smart");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.resourcesRejected()).isZero();
        assertThat(run.authRenewals()).isEqualTo(1);
        List<LoggedRequest> tokenRequests = emr.findAll(postRequestedFor(urlPathEqualTo("/auth/token")));
        assertThat(tokenRequests).hasSize(2);
        Set<String> jtis = new HashSet<>();
        for (LoggedRequest request : tokenRequests) {
            Map<String, String> form = form(request.getBodyAsString());
            assertThat(form).containsEntry("grant_type", "client_credentials")
                    .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    .doesNotContainKey("client_secret");
            // the listed scopes, and the directory types the server lists none for asked all the same
            assertThat(form.get("scope")).isEqualTo("system/ServiceRequest.rs system/Encounter.rs "
                    + "system/Practitioner.rs system/PractitionerRole.rs system/Organization.rs");
            SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
            assertThat(jwt.verify(new RSASSAVerifier(KEY.toPublicJWK()))).as("signed with our key").isTrue();
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS384);
            assertThat(jwt.getHeader().getKeyID()).isEqualTo("key-2026-11");
            var claims = jwt.getJWTClaimsSet();
            assertThat(claims.getIssuer()).isEqualTo("referral-monitor");
            assertThat(claims.getSubject()).isEqualTo("referral-monitor");
            assertThat(claims.getAudience()).containsExactly(emr.baseUrl() + "/auth/token");
            assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isLessThanOrEqualTo(300_000);
            jtis.add(claims.getJWTID());
        }
        assertThat(jtis).as("a fresh jti per assertion").hasSize(2);
    }

    private static Map<String, String> form(String body) {
        return Arrays.stream(body.split("&")).map(p -> p.split("=", 2)).collect(Collectors.toMap(
                p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
    }
}
