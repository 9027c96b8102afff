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
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The writer remembers what a new version moved a row away from, on PostgreSQL (ON CONFLICT) and on
 * H2 (MERGE) alike: the month a referral left when its authored date changed month, the patient a
 * visit left when the EMR gave it to another patient; the first one left within one sync, nothing
 * after a later sync's version that does not move it, nothing for a version that is not newer.
 */
class MovedRowsIT {

    private static final String ENDPOINT = "emr-moves";
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 3, 2, 8, 0, 0, 0, ZoneOffset.UTC);
    private static int version;

    static Stream<String> databases() {
        return Stream.of("postgresql", "h2");
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aNewVersionRemembersTheMonthAndThePatientItMovedAwayFrom(String database) {
        NamedParameterJdbcTemplate jdbc = database.equals("h2") ? StoreDatabase.createH2(ENDPOINT, T0)
                : StoreDatabase.create(ENDPOINT, T0);
        ResourceWriter writer = new ResourceWriter(jdbc);

        writer.write(List.of(referral("2026-01-20", "p1"), visit("p1")), 1, T0);
        assertThat(moved(jdbc)).as("first version").containsExactly(null, null);

        writer.write(List.of(referral("2026-02-03", "p1"), visit("p2")), 2, T0);
        assertThat(moved(jdbc)).as("moved by sync 2").containsExactly("2026-01-01", "p1");

        writer.write(List.of(referral("2026-04-09", "p1"), visit("p3")), 2, T0);
        assertThat(moved(jdbc)).as("moved again by the same sync: the first month and patient it left")
                .containsExactly("2026-01-01", "p1");

        writer.write(List.of(referral("2026-04-10", "p1"), visit("p3")), 3, T0);
        assertThat(moved(jdbc)).as("a later sync's version that stays in the month and with the patient")
                .containsExactly(null, null);

        writer.write(List.of(referral("2026-05-02", "p1"), visit("p4")), 4, T0);
        version -= 10;
        writer.write(List.of(referral("2026-07-02", "p1"), visit("p5")), 5, T0.minusDays(1));
        assertThat(moved(jdbc)).as("an older version arriving later changes nothing")
                .containsExactly("2026-04-01", "p3");
    }

    /** The referral's month left and the visit's patient left, as stored. */
    private static List<String> moved(NamedParameterJdbcTemplate jdbc) {
        MapSqlParameterSource p = new MapSqlParameterSource("e", ENDPOINT);
        LocalDate month = jdbc.queryForObject("SELECT moved_from_month FROM referral WHERE endpoint_id = :e", p,
                LocalDate.class);
        String patient = jdbc.queryForObject("SELECT moved_from_patient FROM visit WHERE endpoint_id = :e", p,
                String.class);
        return java.util.Arrays.asList(month == null ? null : month.toString(), patient);
    }

    private static ReferralRow referral(String day, String patient) {
        int v = ++version;
        LocalDate date = LocalDate.parse(day);
        return new ReferralRow(ENDPOINT, "sr1", String.valueOf(v), T0.plusSeconds(v), "active", "order",
                date.atStartOfDay().atOffset(ZoneOffset.UTC), date, patient, Ref.NONE, Ref.NONE, null, true, "test-rule",
                "hash-" + day, "{}", null);
    }

    private static VisitRow visit(String patient) {
        int v = ++version;
        LocalDate day = LocalDate.of(2026, 2, 20);
        return new VisitRow(ENDPOINT, "enc1", String.valueOf(v), T0.plusSeconds(v), "finished", "AMB", patient,
                day.atTime(9, 0).atOffset(ZoneOffset.UTC), day, "own", List.of(), "hash-" + v, "{}");
    }
}
