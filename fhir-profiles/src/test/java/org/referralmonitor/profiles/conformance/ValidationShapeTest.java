package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The shape keeps what rules read and masks what they do not, so a cached verdict is the verdict. */
class ValidationShapeTest {

    @Test
    void masksIdsNamesFreeTextDatesAndValidNpisButKeepsCodesInvalidNpisAndContainedIds() {
        ObjectNode shape = ValidationShape.of(Validators.fixture("referral-conforming.json"));

        assertThat(shape.path("id").asText()).isEqualTo("x");
        assertThat(shape.has("text")).as("narrative left out").isFalse();
        assertThat(shape.path("subject").path("reference").asText()).isEqualTo("Patient/x");
        assertThat(shape.path("subject").path("display").asText()).isEqualTo("x");
        assertThat(shape.path("authoredOn").asText()).isEqualTo("2000-01-01T20:00:00-04:00");
        assertThat(shape.path("meta").path("lastUpdated").asText()).isEqualTo("2000-01-02T00:00:00.000Z");
        assertThat(shape.path("code").path("coding").get(0).path("code").asText()).isEqualTo("306206005");
        assertThat(shape.path("status").asText()).isEqualTo("active");
        assertThat(shape.path("note").get(0).path("text").asText()).isEqualTo("x");

        ObjectNode practitioner = ValidationShape.of(Validators.fixture("practitioner-conforming.json"));
        assertThat(practitioner.path("identifier").get(0).path("value").asText())
                .as("a valid NPI (1555555550) becomes the one valid stand-in: one shape for all providers")
                .isEqualTo("1234567893");
        assertThat(practitioner.path("identifier").get(1).path("value").asText()).isEqualTo("x");
        ObjectNode badNpi = ValidationShape.of(Validators.fixture("practitioner-npi-bad-check-digit.json"));
        assertThat(badNpi.path("identifier").get(0).path("value").asText()).as("an invalid NPI is kept as it is")
                .isEqualTo(Validators.fixture("practitioner-npi-bad-check-digit.json").path("identifier").get(0)
                        .path("value").asText());
    }

    @Test
    void keepsTheOrderOfAPeriodsEnds() {
        ObjectNode forwards = ValidationShape.of(Validators.fixture("visit-conforming.json"));
        ObjectNode backwards = ValidationShape.of(Validators.fixture("visit-ends-before-it-starts.json"));

        assertThat(forwards.path("period").path("start").asText()).isLessThan(forwards.path("period").path("end").asText());
        assertThat(backwards.path("period").path("start").asText()).isGreaterThan(backwards.path("period").path("end").asText());
    }

    @Test
    void declinesWhatItCannotMaskSafely() {
        ObjectNode badDate = Validators.fixture("referral-conforming.json").put("authoredOn", "2026-02-30");
        ObjectNode mixedPeriod = Validators.fixture("visit-conforming.json");
        ((ObjectNode) mixedPeriod.get("period")).put("end", "2026-10-21");

        assertThat(ValidationShape.of(badDate)).isNull();
        assertThat(ValidationShape.of(mixedPeriod)).isNull();
        assertThat(Validators.shared().validate(badDate).conforms()).isFalse();
    }

    /**
     * For hundreds of variants of every fixture (other ids, names, texts, identifiers, dates, periods
     * in either order), the verdict through the shape cache equals a fresh validation of the resource itself.
     */
    @Test
    void aCachedVerdictEqualsAFreshOne() throws IOException {
        FhirValidation validation = Validators.shared();
        Random random = new Random(20261123);
        int compared = 0;
        try (Stream<Path> files = Files.list(Validators.FIXTURES)) {
            for (Path file : files.sorted().toList()) {
                for (int i = 0; i < 12; i++) {
                    ObjectNode variant = vary(Validators.fixture(file.getFileName().toString()), random);
                    assertThat(verdict(validation.validate(variant)))
                            .as("%s variant %d: %s", file.getFileName(), i, variant)
                            .isEqualTo(verdict(validation.validateExactly(variant)));
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(300);
        assertThat(validation.cacheStats().hitCount()).isPositive();
    }

    private static List<String> verdict(ValidationReport report) {
        return report.findings().stream().map(f -> f.severity() + " " + f.rule() + " " + f.location() + " " + f.message())
                .toList();
    }

    private static ObjectNode vary(ObjectNode resource, Random random) {
        resource.put("id", "v" + random.nextInt(1_000_000));
        for (String field : List.of("subject", "requester", "serviceProvider", "practitioner", "organization")) {
            if (resource.path(field).has("reference")) {
                String ref = resource.path(field).path("reference").asText();
                ((ObjectNode) resource.get(field)).put("reference", ref.replaceAll("/[^/]+$", "/r" + random.nextInt(9999)));
            }
        }
        if (resource.path("name").isTextual()) {
            resource.put("name", "Practice " + random.nextInt(500));
        }
        if (resource.path("authoredOn").isTextual()) {
            resource.put("authoredOn", randomInstant(random).toString().substring(0, 10));
        }
        if (resource.path("period").has("start") && resource.path("period").has("end")) {
            Instant a = randomInstant(random);
            Instant b = random.nextInt(4) == 0 ? a : randomInstant(random);
            ((ObjectNode) resource.get("period")).put("start", a.atOffset(ZoneOffset.ofHours(-5)).toString());
            ((ObjectNode) resource.get("period")).put("end", b.atOffset(ZoneOffset.ofHours(-4)).toString());
        }
        if (resource.path("identifier").isArray()) {
            ArrayNode ids = (ArrayNode) resource.get("identifier");
            ids.forEach(id -> {
                if (!id.path("system").asText().endsWith("us-npi")) {
                    ((ObjectNode) id).put("value", "EMP-" + random.nextInt(99999));
                }
            });
        }
        List<String> masked = new ArrayList<>();
        resource.fieldNames().forEachRemaining(masked::add);
        return resource;
    }

    private static Instant randomInstant(Random random) {
        return Instant.parse("2024-01-01T00:00:00Z").plusSeconds(random.nextInt(3 * 365 * 86_400));
    }
}
