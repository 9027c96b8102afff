package org.referralmonitor.ingest.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
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
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.matching.StringValuePattern;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.capability.ConnectionCheck;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.http.FhirHttpClient;
import org.referralmonitor.ingest.http.FhirSession;
import org.referralmonitor.ingest.testsupport.FhirFixtures;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every auth kind against a WireMock EMR, one endpoint each under its own path: HTTP Basic and a
 * static bearer token from {@code file:} secrets (a rotated token file is read again after a 401),
 * OAuth2 client credentials with the secret in the Authorization header or in the form (token
 * cached across requests and syncs, renewed before a short-lived one expires, one new token and one
 * retry after a 401), and SMART Backend Services signing with an EC P-384 key (ES384).
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class AuthKindsIT {

    private static final String FHIR = "application/fhir+json";
    private static final String PASSWORD = "pä55:word";
    private static final String CLIENT_SECRET = "s3cret-value";
    private static final ECKey EC_KEY = generateKey();
    private static final Path TOKEN_FILE = secretFile("bearer", "old-static-token");

    @RegisterExtension
    static WireMockExtension emr = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    static WireMockExtension elsewhere = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> "clinic-k");
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Clinic K");
        endpoint(registry, 0, "basic");
        registry.add("referral-monitor.ingest.endpoints[0].auth.kind", () -> "basic");
        registry.add("referral-monitor.ingest.endpoints[0].auth.username", () -> "monitor");
        registry.add("referral-monitor.ingest.endpoints[0].auth.password-ref",
                () -> "file:" + secretFile("password", PASSWORD));
        endpoint(registry, 1, "bearer");
        registry.add("referral-monitor.ingest.endpoints[1].auth.kind", () -> "bearer");
        registry.add("referral-monitor.ingest.endpoints[1].auth.token-ref", () -> "file:" + TOKEN_FILE);
        // client secret in the Authorization header (the default), token URL from the SMART configuration
        endpoint(registry, 2, "secret");
        registry.add("referral-monitor.ingest.endpoints[2].auth.kind", () -> "client-secret");
        registry.add("referral-monitor.ingest.endpoints[2].auth.client-id", () -> "referral-monitor");
        registry.add("referral-monitor.ingest.endpoints[2].auth.client-secret-ref",
                () -> "file:" + secretFile("client-secret", CLIENT_SECRET));
        // client secret in the form, token URL configured, no SMART configuration
        endpoint(registry, 3, "post");
        registry.add("referral-monitor.ingest.endpoints[3].auth.kind", () -> "client-secret");
        registry.add("referral-monitor.ingest.endpoints[3].auth.client-auth", () -> "post");
        registry.add("referral-monitor.ingest.endpoints[3].auth.client-id", () -> "referral-monitor-post");
        registry.add("referral-monitor.ingest.endpoints[3].auth.client-secret-ref",
                () -> "file:" + secretFile("client-secret-post", CLIENT_SECRET));
        registry.add("referral-monitor.ingest.endpoints[3].auth.token-url", () -> emr.baseUrl() + "/post/token");
        endpoint(registry, 4, "es");
        registry.add("referral-monitor.ingest.endpoints[4].auth.kind", () -> "smart-backend");
        registry.add("referral-monitor.ingest.endpoints[4].auth.client-id", () -> "referral-monitor-ec");
        registry.add("referral-monitor.ingest.endpoints[4].auth.key-id", () -> "ec-key-2026-11");
        registry.add("referral-monitor.ingest.endpoints[4].auth.algorithm", () -> "ES384");
        registry.add("referral-monitor.ingest.endpoints[4].auth.private-key-ref", () -> "file:" + pkcs8(EC_KEY));
        clientSecretPost(registry, 5, "crowd");
        clientSecretPost(registry, 6, "busy");
        clientSecretPost(registry, 7, "zero");
    }

    /** An endpoint with a client secret in the form and a configured token URL, /{name}/token. */
    private static void clientSecretPost(DynamicPropertyRegistry registry, int index, String name) {
        endpoint(registry, index, name);
        String prefix = "referral-monitor.ingest.endpoints[" + index + "].auth.";
        registry.add(prefix + "kind", () -> "client-secret");
        registry.add(prefix + "client-auth", () -> "post");
        registry.add(prefix + "client-id", () -> "referral-monitor-" + name);
        registry.add(prefix + "client-secret-ref", () -> "file:" + secretFile("client-secret-" + name, CLIENT_SECRET));
        registry.add(prefix + "token-url", () -> emr.baseUrl() + "/" + name + "/token");
    }

    private static void endpoint(DynamicPropertyRegistry registry, int index, String name) {
        String prefix = "referral-monitor.ingest.endpoints[" + index + "].";
        registry.add(prefix + "id", () -> "emr-" + name);
        registry.add(prefix + "clinic", () -> "clinic-k");
        registry.add(prefix + "base-url", () -> emr.baseUrl() + "/" + name + "/fhir");
        registry.add(prefix + "page-size", () -> "3");
    }

    private static ECKey generateKey() {
        try {
            return new ECKeyGenerator(Curve.P_384).keyID("ec-key-2026-11").generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path pkcs8(ECKey key) {
        try {
            return secretFile("ec-key", "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder().encodeToString(key.toPrivateKey().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path secretFile(String name, String content) {
        try {
            Path file = Files.createTempFile(name, ".secret");
            Files.writeString(file, content + "\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Autowired
    SyncService syncs;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    EndpointDirectory directory;

    @Autowired
    ConnectionCheck check;

    @Autowired
    FhirHttpClient http;

    @BeforeEach
    void reset() {
        emr.resetAll();
        elsewhere.resetAll();
    }

    private String base(String name) {
        return emr.baseUrl() + "/" + name + "/fhir/";
    }

    /**
     * The EMR under /{name}/fhir: three ServiceRequest pages and empty Encounter and directory
     * searches for requests whose Authorization matches, 401 for any other; no SMART configuration
     * unless a test stubs one.
     */
    private void stubEmr(String name, StringValuePattern authorization) {
        String path = "/" + name + "/fhir/";
        emr.stubFor(get(urlPathMatching(path + ".*")).atPriority(10).willReturn(aResponse().withStatus(401)));
        emr.stubFor(get(urlPathEqualTo(path + ".well-known/smart-configuration")).atPriority(9).willReturn(notFound()));
        emr.stubFor(get(urlPathEqualTo(path + "metadata")).atPriority(5).withHeader("Authorization", authorization)
                .willReturn(okForContentType(FHIR, FhirFixtures.searchServer())));
        emr.stubFor(get(urlPathMatching(path + "(Encounter|Practitioner|PractitionerRole|Organization)")).atPriority(5)
                .withHeader("Authorization", authorization)
                .willReturn(okForContentType(FHIR, FhirFixtures.emptyBundle())));
        emr.stubFor(get(urlPathEqualTo(path + "ServiceRequest")).atPriority(5).withQueryParam("_offset", absent())
                .withHeader("Authorization", authorization)
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-1.json", base(name)))));
        for (int page = 2; page <= 3; page++) {
            emr.stubFor(get(urlPathEqualTo(path + "ServiceRequest")).atPriority(5)
                    .withQueryParam("_offset", equalTo(String.valueOf(3 * (page - 1))))
                    .withHeader("Authorization", authorization)
                    .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-" + page + ".json",
                            base(name)))));
        }
    }

    private void smartConfiguration(String name, String methods, String algorithms) {
        emr.stubFor(get(urlPathEqualTo("/" + name + "/fhir/.well-known/smart-configuration")).atPriority(1)
                .willReturn(okForContentType("application/json", "{\"token_endpoint\":\"" + emr.baseUrl() + "/" + name
                        + "/token\",\"token_endpoint_auth_methods_supported\":[" + methods + "],"
                        + "\"token_endpoint_auth_signing_alg_values_supported\":[" + algorithms + "],"
                        + "\"grant_types_supported\":[\"client_credentials\"],"
                        + "\"scopes_supported\":[\"system/ServiceRequest.rs\",\"system/Encounter.rs\"]}")));
    }

    private static ResponseDefinitionBuilder token(String value, int expiresIn) {
        return okForContentType("application/json", "{\"access_token\":\"" + value + "\",\"token_type\":\"Bearer\","
                + "\"expires_in\":" + expiresIn + "}");
    }

    @Test
    void basicSendsTheUserAndThePasswordFromItsFileWithEveryFhirRequest() {
        String expected = "Basic " + Base64.getEncoder().encodeToString(("monitor:" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        stubEmr("basic", equalTo(expected));

        SyncRun run = SyncAwait.sync(syncs, "emr-basic");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(referrals("emr-basic")).containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        List<LoggedRequest> fhir = emr.findAll(getRequestedFor(urlPathMatching("/basic/fhir/.*")));
        assertThat(fhir).extracting(LoggedRequest::getUrl).anyMatch(u -> u.contains("_offset=6"));
        for (LoggedRequest request : fhir) {
            String header = request.containsHeader("Authorization") ? request.getHeader("Authorization") : null;
            if (request.getUrl().contains(".well-known")) {
                assertThat(header).as("the public SMART configuration is asked without credentials").isNull();
            } else {
                assertThat(header).as(request.getUrl()).isEqualTo(expected);
            }
        }
        assertThat(run.authRenewals()).isZero();
    }

    @Test
    void basicCredentialsNeverGoToAnotherPortOfTheSameHost() {
        String expected = "Basic " + Base64.getEncoder().encodeToString(("monitor:" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        stubEmr("basic", equalTo(expected));
        // the next link keeps the host (localhost) but names another port
        String foreign = elsewhere.baseUrl() + "/basic/fhir/ServiceRequest?_count=3&_offset=3";
        assertThat(foreign).startsWith("http://localhost:");
        emr.stubFor(get(urlPathEqualTo("/basic/fhir/ServiceRequest")).atPriority(1).withQueryParam("_offset", absent())
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-1.json", base("basic"))
                        .replace(base("basic") + "ServiceRequest?_count=3&_offset=3", foreign))));

        SyncRun run = SyncAwait.sync(syncs, "emr-basic");

        assertThat(run.status()).isEqualTo(SyncRun.FAILED);
        assertThat(run.error()).contains("is not followed", "localhost:" + elsewhere.getPort(), "refusing to follow it");
        elsewhere.verify(0, getRequestedFor(anyUrl()));
    }

    @Test
    void bearerSendsTheStaticTokenAndReadsARotatedFileAgainAfterA401() throws IOException {
        Files.writeString(TOKEN_FILE, "old-static-token\n");
        stubEmr("bearer", equalTo("Bearer old-static-token"));

        SyncRun first = SyncAwait.sync(syncs, "emr-bearer");

        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(referrals("emr-bearer")).hasSize(6);
        assertThat(emr.findAll(getRequestedFor(urlPathMatching("/bearer/fhir/(metadata|ServiceRequest|Encounter)"))))
                .hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer old-static-token"));

        // the secret is rotated: the EMR now refuses the old token; the file is read again after the 401
        emr.resetAll();
        stubEmr("bearer", equalTo("Bearer new-static-token"));
        Files.writeString(TOKEN_FILE, "new-static-token\n");

        SyncRun second = SyncAwait.sync(syncs, "emr-bearer");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        List<LoggedRequest> requests = emr.findAll(getRequestedFor(urlPathMatching("/bearer/fhir/(metadata|ServiceRequest"
                + "|Encounter)")));
        assertThat(requests).filteredOn(r -> "Bearer old-static-token".equals(r.getHeader("Authorization")))
                .as("one refused request with the old token").hasSize(1);
        assertThat(requests).filteredOn(r -> "Bearer new-static-token".equals(r.getHeader("Authorization")))
                .hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void clientSecretBasicCachesTheTokenAndRenewsItOnceOn401() {
        smartConfiguration("secret", "\"client_secret_basic\"", "\"RS384\"");
        stubEmr("secret", equalTo("Bearer t1").or(equalTo("Bearer t2")));
        // t1 is revoked by the time page 2 is asked for
        emr.stubFor(get(urlPathEqualTo("/secret/fhir/ServiceRequest")).atPriority(1)
                .withQueryParam("_offset", equalTo("3")).withHeader("Authorization", equalTo("Bearer t1"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        emr.stubFor(post(urlPathEqualTo("/secret/token")).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(token("t1", 3600)).willSetStateTo("second"));
        emr.stubFor(post(urlPathEqualTo("/secret/token")).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(token("t2", 3600)).willSetStateTo("no more"));

        SyncRun run = SyncAwait.sync(syncs, "emr-secret");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.authRenewals()).isEqualTo(1);
        assertThat(referrals("emr-secret")).containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        List<LoggedRequest> tokenRequests = emr.findAll(postRequestedFor(urlPathEqualTo("/secret/token")));
        assertThat(tokenRequests).hasSize(2);
        String basic = "Basic " + Base64.getEncoder().encodeToString(("referral-monitor:" + CLIENT_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        for (LoggedRequest request : tokenRequests) {
            assertThat(request.getHeader("Authorization")).isEqualTo(basic);
            assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
            Map<String, String> form = form(request.getBodyAsString());
            assertThat(form).containsEntry("grant_type", "client_credentials")
                    .doesNotContainKeys("client_secret", "client_assertion");
            // v2 as the server lists; the directory types it does not list asked for all the same (its list
            // need not be complete)
            assertThat(form.get("scope")).isEqualTo("system/ServiceRequest.rs system/Encounter.rs "
                    + "system/Practitioner.rs system/PractitionerRole.rs system/Organization.rs");
        }
        // t1 served the metadata, page 1 and the refused page 2; exactly one retry of page 2, with t2
        assertThat(emr.findAll(getRequestedFor(urlPathMatching("/secret/fhir/(metadata|ServiceRequest)"))
                .withHeader("Authorization", equalTo("Bearer t1")))).hasSizeGreaterThanOrEqualTo(3);
        emr.verify(2, getRequestedFor(urlPathEqualTo("/secret/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("3")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/secret/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("3")).withHeader("Authorization", equalTo("Bearer t2")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/secret/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("6")));

        // the next sync reuses t2: no third token (the token endpoint would answer 404)
        SyncRun second = SyncAwait.sync(syncs, "emr-secret");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(second.authRenewals()).isZero();
        emr.verify(2, postRequestedFor(urlPathEqualTo("/secret/token")));
    }

    @Test
    void clientSecretPostSendsTheSecretInTheFormAndRenewsAShortLivedTokenBeforeItExpires() {
        stubEmr("post", equalTo("Bearer p1").or(equalTo("Bearer p2")));
        // p1 lives 2 s: a short-lived token is renewed after half its life, one second after it arrived.
        // Page 1 takes longer than that, so page 2 must already go with p2; the EMR would refuse p1 there.
        emr.stubFor(get(urlPathEqualTo("/post/fhir/ServiceRequest")).atPriority(1).withQueryParam("_offset", absent())
                .withHeader("Authorization", equalTo("Bearer p1"))
                .willReturn(okForContentType(FHIR, FhirFixtures.read("paging/servicerequest-page-1.json", base("post")))
                        .withFixedDelay(1300)));
        emr.stubFor(get(urlPathEqualTo("/post/fhir/ServiceRequest")).atPriority(1).withQueryParam("_offset", equalTo("3"))
                .withHeader("Authorization", equalTo("Bearer p1")).willReturn(aResponse().withStatus(401)));
        emr.stubFor(post(urlPathEqualTo("/post/token")).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(token("p1", 2)).willSetStateTo("second"));
        emr.stubFor(post(urlPathEqualTo("/post/token")).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(token("p2", 3600)).willSetStateTo("no more"));

        SyncRun run = SyncAwait.sync(syncs, "emr-post");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.authRenewals()).as("renewed ahead of expiry, not after a 401").isZero();
        assertThat(referrals("emr-post")).hasSize(6);
        List<LoggedRequest> tokenRequests = emr.findAll(postRequestedFor(urlPathEqualTo("/post/token")));
        assertThat(tokenRequests).hasSize(2);
        for (LoggedRequest request : tokenRequests) {
            assertThat(request.containsHeader("Authorization")).as("no Basic header with client_secret_post").isFalse();
            Map<String, String> form = form(request.getBodyAsString());
            assertThat(form).containsEntry("grant_type", "client_credentials")
                    .containsEntry("client_id", "referral-monitor-post")
                    .containsEntry("client_secret", CLIENT_SECRET)
                    .doesNotContainKey("client_assertion");
            // no SMART configuration listing scopes: v1 scopes for every type the sync reads
            assertThat(form.get("scope")).isEqualTo("system/ServiceRequest.read system/Encounter.read "
                    + "system/Practitioner.read system/PractitionerRole.read system/Organization.read");
        }
        emr.verify(getRequestedFor(urlPathEqualTo("/post/fhir/metadata")).withHeader("Authorization",
                equalTo("Bearer p1")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/post/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("3")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/post/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("3")).withHeader("Authorization", equalTo("Bearer p2")));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/post/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("6")).withHeader("Authorization", equalTo("Bearer p2")));
    }

    @Test
    void smartBackendSignsTheAssertionWithAnEcP384KeyAsEs384() throws Exception {
        smartConfiguration("es", "\"private_key_jwt\"", "\"RS384\",\"ES384\"");
        stubEmr("es", equalTo("Bearer ec-token"));
        emr.stubFor(post(urlPathEqualTo("/es/token")).willReturn(token("ec-token", 3600)));

        SyncRun run = SyncAwait.sync(syncs, "emr-es");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(referrals("emr-es")).hasSize(6);
        List<LoggedRequest> tokenRequests = emr.findAll(postRequestedFor(urlPathEqualTo("/es/token")));
        assertThat(tokenRequests).as("one token for the whole sync").hasSize(1);
        Map<String, String> form = form(tokenRequests.get(0).getBodyAsString());
        assertThat(form).containsEntry("grant_type", "client_credentials")
                .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .containsEntry("scope", "system/ServiceRequest.rs system/Encounter.rs system/Practitioner.rs "
                        + "system/PractitionerRole.rs system/Organization.rs")
                .doesNotContainKey("client_secret");
        assertThat(tokenRequests.get(0).containsHeader("Authorization")).isFalse();
        SignedJWT jwt = SignedJWT.parse(form.get("client_assertion"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("ec-key-2026-11");
        assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
        // JOSE signatures are R || S, 48 bytes each for P-384 (not DER)
        assertThat(jwt.getSignature().decode()).hasSize(96);
        assertThat(jwt.verify(new ECDSAVerifier(EC_KEY.toPublicJWK()))).as("signed with our EC key").isTrue();
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo("referral-monitor-ec");
        assertThat(claims.getSubject()).isEqualTo("referral-monitor-ec");
        assertThat(claims.getAudience()).containsExactly(emr.baseUrl() + "/es/token");
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isLessThanOrEqualTo(300_000);
    }

    /**
     * Workers of one sync that are refused the same token at once renew it once: a worker whose 401
     * arrives after another renewed the token retries with the new one instead of discarding it (the
     * EMR keeps one valid token per client: a third token would invalidate the second).
     */
    @Test
    void concurrent401sForTheSameTokenCauseOneTokenRequestAndEveryRetrySucceeds() throws Exception {
        EmrEndpoint endpoint = directory.endpoint("emr-crowd").orElseThrow();
        emr.stubFor(post(urlPathEqualTo("/crowd/token")).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(token("c1", 3600)).willSetStateTo("second"));
        emr.stubFor(post(urlPathEqualTo("/crowd/token")).inScenario("tokens").whenScenarioStateIs("second")
                .willReturn(token("c2", 3600)).willSetStateTo("third"));
        emr.stubFor(post(urlPathEqualTo("/crowd/token")).inScenario("tokens").whenScenarioStateIs("third")
                .willReturn(token("c3", 3600)).willSetStateTo("no more"));
        emr.stubFor(get(urlPathMatching("/crowd/fhir/.*")).atPriority(10).willReturn(aResponse().withStatus(401)));
        emr.stubFor(get(urlPathMatching("/crowd/fhir/Patient/p[0-9]")).atPriority(5)
                .withHeader("Authorization", equalTo("Bearer c2"))
                .willReturn(okForContentType(FHIR, "{\"resourceType\":\"Patient\"}")));
        // c1 is revoked: every worker is refused it, the first after 500 ms, the others each 200 ms later,
        // all of them after the first one has renewed the token
        int workers = 4;
        for (int i = 0; i < workers; i++) {
            emr.stubFor(get(urlPathEqualTo("/crowd/fhir/Patient/p" + i)).atPriority(1)
                    .withHeader("Authorization", equalTo("Bearer c1"))
                    .willReturn(aResponse().withStatus(401).withFixedDelay(500 + 200 * i)));
        }
        FhirSession session = new FhirSession(endpoint.base(), http, check.authenticator(endpoint, null));
        assertThat(check.authenticator(endpoint, null).authorization()).contains("Bearer c1");
        emr.resetRequests();

        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<FhirHttpClient.Response>> responses = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                URI uri = URI.create(base("crowd") + "Patient/p" + i);
                responses.add(pool.submit(() -> {
                    start.await();
                    return session.get(uri);
                }));
            }
            start.countDown();
            for (Future<FhirHttpClient.Response> response : responses) {
                assertThat(response.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }

        emr.verify(1, postRequestedFor(urlPathEqualTo("/crowd/token")));
        assertThat(session.renewals()).isEqualTo(workers);
        for (int i = 0; i < workers; i++) {
            emr.verify(1, getRequestedFor(urlPathEqualTo("/crowd/fhir/Patient/p" + i))
                    .withHeader("Authorization", equalTo("Bearer c1")));
            emr.verify(1, getRequestedFor(urlPathEqualTo("/crowd/fhir/Patient/p" + i))
                    .withHeader("Authorization", equalTo("Bearer c2")));
        }
    }

    /**
     * A token endpoint that is busy for the moment (429) in the middle of a sync is asked again after
     * the Retry-After it sends, and the sync goes on: not taken for a refusal of our credentials.
     */
    @Test
    void aBusyTokenEndpointIsAskedAgainAfterItsRetryAfter() {
        stubEmr("busy", equalTo("Bearer b1").or(equalTo("Bearer b2")));
        // b1 is revoked by the time page 2 is asked for; the token endpoint is then busy for a second
        emr.stubFor(get(urlPathEqualTo("/busy/fhir/ServiceRequest")).atPriority(1)
                .withQueryParam("_offset", equalTo("3")).withHeader("Authorization", equalTo("Bearer b1"))
                .willReturn(aResponse().withStatus(401)));
        emr.stubFor(post(urlPathEqualTo("/busy/token")).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(token("b1", 3600)).willSetStateTo("busy"));
        emr.stubFor(post(urlPathEqualTo("/busy/token")).inScenario("tokens").whenScenarioStateIs("busy")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":\"slow_down\"}"))
                .willSetStateTo("open"));
        emr.stubFor(post(urlPathEqualTo("/busy/token")).inScenario("tokens").whenScenarioStateIs("open")
                .willReturn(token("b2", 3600)).willSetStateTo("no more"));

        SyncRun run = SyncAwait.sync(syncs, "emr-busy");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.retries()).isEqualTo(1);
        assertThat(referrals("emr-busy")).containsExactly("sr-1", "sr-2", "sr-3", "sr-4", "sr-5", "sr-6");
        List<LoggedRequest> tokenRequests = emr.findAll(postRequestedFor(urlPathEqualTo("/busy/token")));
        assertThat(tokenRequests).hasSize(3);
        tokenRequests.sort(java.util.Comparator.comparing(LoggedRequest::getLoggedDate));
        assertThat(java.time.Duration.between(tokenRequests.get(1).getLoggedDate().toInstant(),
                tokenRequests.get(2).getLoggedDate().toInstant())).as("waited as long as Retry-After asks")
                .isGreaterThanOrEqualTo(java.time.Duration.ofMillis(950));
        emr.verify(1, getRequestedFor(urlPathEqualTo("/busy/fhir/ServiceRequest")).withQueryParam("_offset",
                equalTo("3")).withHeader("Authorization", equalTo("Bearer b2")));
    }

    /**
     * A token said to expire at once (expires_in 0) is used as if its lifetime was not given: one token
     * for the sync, not one per request.
     */
    @Test
    void aTokenWithoutLifetimeIsNotFetchedForEveryRequest() {
        stubEmr("zero", equalTo("Bearer z1"));
        emr.stubFor(post(urlPathEqualTo("/zero/token")).willReturn(token("z1", 0)));

        SyncRun run = SyncAwait.sync(syncs, "emr-zero");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(referrals("emr-zero")).hasSize(6);
        assertThat(emr.findAll(getRequestedFor(urlPathMatching("/zero/fhir/(metadata|ServiceRequest|Encounter)"))))
                .hasSizeGreaterThanOrEqualTo(5);
        emr.verify(1, postRequestedFor(urlPathEqualTo("/zero/token")));
    }

    private List<String> referrals(String endpointId) {
        return jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = :e ORDER BY resource_id")
                .param("e", endpointId).query(String.class).list();
    }

    private static Map<String, String> form(String body) {
        return Arrays.stream(body.split("&")).map(p -> p.split("=", 2)).collect(Collectors.toMap(
                p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
    }
}
