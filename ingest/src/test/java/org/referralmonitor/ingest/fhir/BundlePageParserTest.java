package org.referralmonitor.ingest.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.referralmonitor.ingest.testsupport.FhirFixtures;

public class BundlePageParserTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    public static final MappingContext CTX = new MappingContext("emr", URI.create("https://emr.example.org/fhir/"),
            ZoneId.of("America/New_York"), ValidationLevel.LENIENT);

    public static BundlePageParser parser() {
        IngestProperties properties = new IngestProperties(List.of(), List.of(), false, "-",
                "unit-test-pseudonym-key-0123456789abcdef", null, null, null, null, null, null);
        return new BundlePageParser(FHIR, new ResourceMapper(new PatientPseudonymizer(properties), new ReferralClassifier(), new ResourceSanitizer()),
                FhirValidation.shared(FHIR, 1000));
    }

    private static ParsedPage parse(String json) throws MalformedPageException {
        return parser().parse(json.getBytes(StandardCharsets.UTF_8), CTX);
    }

    @Test
    void readsEntriesNextLinkAndTotal() throws Exception {
        ParsedPage page = parse(FhirFixtures.read("paging/servicerequest-page-1.json", "https://emr.example.org/fhir/"));

        assertThat(page.total()).isEqualTo(6);
        assertThat(page.entries()).isEqualTo(3);
        assertThat(page.nextLink()).isEqualTo("https://emr.example.org/fhir/ServiceRequest?_count=3&_offset=3");
        assertThat(page.resources()).extracting(MappedResource::resourceId).containsExactly("sr-1", "sr-2", "sr-3");
        MappedResource.ReferralRow first = (MappedResource.ReferralRow) page.resources().get(0);
        assertThat(first.referral()).isTrue();
        assertThat(first.authoredDate()).isEqualTo(LocalDate.of(2026, 3, 2));
        assertThat(first.requester()).isEqualTo(new Ref("PractitionerRole", "role-1", null, Ref.Form.RELATIVE));
    }

    @Test
    void keepsTheCodedReasonARevokedReferralGivesButNoFreeText() throws Exception {
        ParsedPage page = parse("""
                {"resourceType":"Bundle","type":"searchset","entry":[
                  {"resource":{"resourceType":"ServiceRequest","id":"sr-r","status":"revoked","intent":"order",
                    "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/request-statusReason",
                      "valueCodeableConcept":{"coding":[{"system":"urn:x","code":"declined","display":"Patient declined"}],
                        "text":"Mrs Doe said no on the phone"}}],
                    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                    "subject":{"reference":"Patient/p1"},"authoredOn":"2026-10-02",
                    "requester":{"reference":"Organization/o1"}}},
                  {"resource":{"resourceType":"ServiceRequest","id":"sr-c","status":"revoked","intent":"order",
                    "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/request-statusReason",
                      "valueCodeableConcept":{"coding":[{"system":"urn:x","code":"duplicate"}]}}],
                    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                    "subject":{"reference":"Patient/p1"},"authoredOn":"2026-10-02",
                    "requester":{"reference":"Organization/o1"}}},
                  {"resource":{"resourceType":"ServiceRequest","id":"sr-n","status":"revoked","intent":"order",
                    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                    "subject":{"reference":"Patient/p1"},"authoredOn":"2026-10-02",
                    "requester":{"reference":"Organization/o1"}}}]}
                """);
        assertThat(page.resources()).map(r -> ((MappedResource.ReferralRow) r).statusReason())
                .containsExactly("Patient declined", "duplicate", null);
        assertThat(((MappedResource.ReferralRow) page.resources().get(0)).json()).doesNotContain("Mrs Doe");
    }

    /**
     * What arrives without a type or id is told by a keyed hash of its content (the same content, the
     * same fingerprint, on any line or page), so its review row is not repeated when pulled again; a
     * rejection told by type and id has none.
     */
    @Test
    void contentWithoutTypeOrIdIsToldByAKeyedFingerprint() {
        ParsedPage first = parser().parseLines(List.of("{\"resourceType\":\"ServiceRequest\",\"id\":\"cut", "[1]",
                "{\"id\":\"x\"}", "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\"}"), 1, "a.ndjson", CTX);
        ParsedPage later = parser().parseLines(List.of("", "[1]", "{\"resourceType\":\"ServiceRequest\",\"id\":\"cut"),
                7, "b.ndjson", CTX);

        assertThat(first.rejections()).hasSize(4).last().as("a ServiceRequest without an id: its type alone tells it not")
                .satisfies(r -> assertThat(r.resourceType()).isEqualTo("ServiceRequest"))
                .satisfies(r -> assertThat(r.resourceId()).isNull());
        assertThat(first.rejections()).extracting(ParsedPage.Rejection::fingerprint).doesNotContainNull()
                .doesNotHaveDuplicates().allMatch(f -> f.matches("[0-9a-f]{64}"));
        assertThat(later.rejections()).extracting(ParsedPage.Rejection::location)
                .containsExactly("line 8 of b.ndjson", "line 9 of b.ndjson");
        assertThat(later.rejections()).extracting(ParsedPage.Rejection::fingerprint)
                .containsExactly(first.rejections().get(1).fingerprint(), first.rejections().get(0).fingerprint());
        assertThat(first.rejections().get(0).fingerprint()).as("keyed: not a plain hash of the line")
                .isNotEqualTo(java.util.HexFormat.of().formatHex(sha256("{\"resourceType\":\"ServiceRequest\",\"id\":\"cut")));
        assertThat(parser().parseLines(List.of("{\"resourceType\":\"ServiceRequest\",\"id\":\"bad\",\"status\":\"x\"}"),
                1, "c.ndjson", CTX).rejections()).singleElement()
                .satisfies(r -> assertThat(r.fingerprint()).as("told by type and id").isNull());
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keepsTheRestOfThePageWhenOneResourceIsBad() throws Exception {
        ParsedPage page = parse(FhirFixtures.read("faults/page-with-bad-resources.json"));

        assertThat(page.resources()).extracting(MappedResource::resourceId).containsExactly("ok-1", "ok-2");
        assertThat(page.rejections()).extracting(ParsedPage.Rejection::resourceId)
                .containsExactly("bad-date", "no-authored", "no-status");
        assertThat(page.rejections().get(0).reason()).doesNotContain("HAPI-");
    }

    @Test
    void ignoresTypesWeDoNotKeepAndCollectsServerWarnings() throws Exception {
        ParsedPage page = parse("""
                {"resourceType":"Bundle","type":"searchset","entry":[
                  {"resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Doe"}]},"search":{"mode":"include"}},
                  {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing",
                    "diagnostics":"_lastUpdated was ignored"}]},"search":{"mode":"outcome"}}]}
                """);
        assertThat(page.resources()).isEmpty();
        assertThat(page.ignored()).isEqualTo(2);
        assertThat(page.warnings()).containsExactly("WARNING: _lastUpdated was ignored");
    }

    @Test
    void saysWhereJsonIsBroken() {
        assertThatThrownBy(() -> parse("{\"resourceType\":\"Bundle\",\n\"entry\": [}"))
                .isInstanceOf(MalformedPageException.class)
                .hasMessageContaining("not valid JSON at line 2, column");
    }

    @Test
    void refusesSomethingThatIsNotABundle() {
        assertThatThrownBy(() -> parse("{\"resourceType\":\"OperationOutcome\",\"issue\":[]}"))
                .isInstanceOf(MalformedPageException.class).hasMessageContaining("is a OperationOutcome, not a Bundle");
        assertThatThrownBy(() -> parse("[1,2]")).isInstanceOf(MalformedPageException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void doesNotCountPlansProposalsOrNonReferralOrders() throws Exception {
        ParsedPage page = parse("""
                {"resourceType":"Bundle","type":"searchset","entry":[
                 {"resource":{"resourceType":"ServiceRequest","id":"plan","status":"active","intent":"plan",
                   "category":[{"coding":[{"system":"http://snomed.info/sct","code":"3457005"}]}],
                   "subject":{"reference":"Patient/a"},"authoredOn":"2026-01-05"}},
                 {"resource":{"resourceType":"ServiceRequest","id":"lab","status":"active","intent":"order",
                   "category":[{"coding":[{"system":"http://snomed.info/sct","code":"108252007"}]}],
                   "subject":{"reference":"Patient/a"},"authoredOn":"2026-01-05"}},
                 {"resource":{"resourceType":"ServiceRequest","id":"child","status":"active","intent":"order",
                   "code":{"coding":[{"system":"http://snomed.info/sct","code":"103696004"}]},
                   "subject":{"reference":"Patient/a"},"authoredOn":"2026-01-05"}}]}
                """);
        assertThat(page.resources()).map(r -> r.resourceId() + "=" + ((MappedResource.ReferralRow) r).referral())
                .containsExactly("plan=false", "lab=false", "child=true");
    }
}
