package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.referralmonitor.ingest.fhir.ResourceSanitizer;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * JSON an earlier version stored with a relative's name, a patient as requester and a display is
 * sanitized again at start, on PostgreSQL and H2 alike; once: the pass is recorded and not run again.
 */
class StoredJsonCleanupIT {

    private static final String ENDPOINT = "emr-cleanup";
    private static final OffsetDateTime T = OffsetDateTime.of(2026, 3, 2, 8, 0, 0, 0, ZoneOffset.UTC);

    /** As an earlier sanitizer kept it: contained RelatedPerson, Patient requester, a display-only performer. */
    private static final String OLD = """
            {"resourceType":"ServiceRequest","id":"sr-old","status":"active","intent":"order",
             "contained":[{"resourceType":"RelatedPerson","id":"rp1","name":[{"family":"Doe","given":["Johnny"]}]}],
             "subject":{"identifier":{"system":"urn:referral-monitor:patient-hash","value":"p1"}},
             "requester":{"reference":"Patient/pat-9","display":"Jane Doe"},
             "performer":[{"display":"Mary Doe (mother)"}],"authoredOn":"2026-02-20"}""";

    static Stream<String> databases() {
        return Stream.of("postgresql", "h2");
    }

    @ParameterizedTest
    @MethodSource("databases")
    void storedJsonIsSanitizedAgainOnce(String database) {
        NamedParameterJdbcTemplate jdbc = database.equals("h2") ? StoreDatabase.createH2(ENDPOINT, T)
                : StoreDatabase.create(ENDPOINT, T);
        new ResourceWriter(jdbc).write(List.of(referral("sr-old", OLD), referral("sr-clean", "{\"resourceType\":"
                + "\"ServiceRequest\",\"id\":\"sr-clean\",\"status\":\"active\"}")), 1, T);
        StoredJsonCleanup cleanup = new StoredJsonCleanup(jdbc, new ResourceSanitizer());

        assertThat(cleanup.run()).as("the old row only").isEqualTo(1);

        String kept = json(jdbc, "sr-old");
        assertThat(kept).doesNotContain("Johnny", "Doe", "pat-9", "Mary", "contained")
                .contains("\"requester\":{\"type\":\"Patient\"}", "urn:referral-monitor:patient-hash");
        assertThat(json(jdbc, "sr-clean")).contains("sr-clean");
        assertThat(cleanup.run()).as("recorded: not run again").isZero();
    }

    private static String json(NamedParameterJdbcTemplate jdbc, String id) {
        return jdbc.queryForObject("SELECT CAST(resource_json AS VARCHAR(1000000)) FROM referral WHERE resource_id = :id",
                new MapSqlParameterSource("id", id), String.class).replace(" ", "");
    }

    private static ReferralRow referral(String id, String json) {
        LocalDate date = LocalDate.of(2026, 2, 20);
        return new ReferralRow(ENDPOINT, id, "1", T, "active", "order", date.atStartOfDay().atOffset(ZoneOffset.UTC),
                date, "p1", Ref.NONE, Ref.NONE, null, true, "test-rule", "hash-" + id, json, null);
    }
}
