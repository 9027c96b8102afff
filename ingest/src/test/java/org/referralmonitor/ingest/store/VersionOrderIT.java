package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Which version of a resource the writer keeps, on PostgreSQL (ON CONFLICT) and H2 (MERGE) alike,
 * when versions arrive out of order: an older version with the same lastUpdated (versions within one
 * millisecond, or one second on servers that keep whole seconds) or without lastUpdated never
 * replaces a newer one nor brings back a deleted resource; the same version pulled again with
 * other content (a changed sanitizer) does; opaque version ids fall back to lastUpdated alone.
 */
class VersionOrderIT {

    private static final String ENDPOINT = "emr-versions";
    private static final OffsetDateTime T = OffsetDateTime.of(2026, 3, 2, 8, 0, 0, 0, ZoneOffset.UTC);

    static Stream<String> databases() {
        return Stream.of("postgresql", "h2");
    }

    @ParameterizedTest
    @MethodSource("databases")
    void anOlderVersionArrivingLaterChangesNothing(String database) {
        NamedParameterJdbcTemplate jdbc = database.equals("h2") ? StoreDatabase.createH2(ENDPOINT, T)
                : StoreDatabase.create(ENDPOINT, T);
        ResourceWriter writer = new ResourceWriter(jdbc);

        writer.write(List.of(referral("sr1", "3", T, "v3")), 1, T);
        writer.write(List.of(referral("sr1", "2", T, "v2 same instant")), 2, T);
        assertThat(held(jdbc, "sr1")).as("version 2 after version 3, same lastUpdated").isEqualTo("3 v3");
        writer.write(List.of(referral("sr1", "2", null, "v2 without lastUpdated")), 3, T);
        assertThat(held(jdbc, "sr1")).as("a version without lastUpdated").isEqualTo("3 v3");
        writer.write(List.of(referral("sr1", "3", T, "v3 sanitized again")), 4, T);
        assertThat(held(jdbc, "sr1")).as("the same version with other content").isEqualTo("3 v3 sanitized again");
        writer.write(List.of(referral("sr1", "10", T, "v10")), 5, T);
        assertThat(held(jdbc, "sr1")).as("version 10 after 3 (numbers, not text)").isEqualTo("10 v10");

        writer.write(List.of(referral("sr2", "b7f", T, "opaque 1")), 6, T);
        writer.write(List.of(referral("sr2", "a01", T, "opaque 2")), 7, T);
        assertThat(held(jdbc, "sr2")).as("opaque version ids, same lastUpdated: the later arrival")
                .isEqualTo("a01 opaque 2");
        writer.write(List.of(referral("sr2", "c3", T.minusSeconds(1), "opaque 0")), 8, T);
        assertThat(held(jdbc, "sr2")).as("an earlier lastUpdated").isEqualTo("a01 opaque 2");

        writer.write(List.of(referral("sr3", "5", T, "v5"), referral("sr3", "4", T, "v4")), 9, T);
        assertThat(held(jdbc, "sr3")).as("two versions in one page, the older last").isEqualTo("5 v5");

        jdbc.update("UPDATE referral SET deleted_at = :at, tombstone_reason = 'DELETED' WHERE resource_id = 'sr3'",
                new MapSqlParameterSource("at", T.plusDays(1)));
        writer.write(List.of(referral("sr3", "4", T, "v4 again")), 10, T);
        writer.write(List.of(referral("sr3", "3", null, "v3 without lastUpdated")), 11, T);
        assertThat(jdbc.queryForObject("SELECT tombstone_reason FROM referral WHERE resource_id = 'sr3'",
                new MapSqlParameterSource(), String.class)).as("a deleted resource stays deleted").isEqualTo("DELETED");
        assertThat(held(jdbc, "sr3")).isEqualTo("5 v5");
    }

    @Test
    void theBatchRuleIsTheDatabaseRule() {
        assertThat(ResourceWriter.notOlder(T, "2", T, "3")).isFalse();
        assertThat(ResourceWriter.notOlder(T, "10", T, "9")).isTrue();
        assertThat(ResourceWriter.notOlder(T, "3", T, "3")).isTrue();
        assertThat(ResourceWriter.notOlder(null, "9", T, "3")).isFalse();
        assertThat(ResourceWriter.notOlder(T, "1", null, "3")).isTrue();
        assertThat(ResourceWriter.notOlder(T, "a", T, "b")).isTrue();
        assertThat(ResourceWriter.notOlder(T.minusNanos(1_000_000), "9", T, "3")).isFalse();
        assertThat(ResourceWriter.notOlder(T.plusNanos(1_000_000), "1", T, "3")).isTrue();
    }

    private static String held(NamedParameterJdbcTemplate jdbc, String id) {
        return jdbc.queryForObject("SELECT version_id || ' ' || content_hash FROM referral WHERE resource_id = :id",
                new MapSqlParameterSource("id", id), String.class);
    }

    private static ReferralRow referral(String id, String versionId, OffsetDateTime lastUpdated, String hash) {
        LocalDate date = LocalDate.of(2026, 2, 20);
        return new ReferralRow(ENDPOINT, id, versionId, lastUpdated, "active", "order",
                date.atStartOfDay().atOffset(ZoneOffset.UTC), date, "p1", Ref.NONE, Ref.NONE, null, true, "test-rule",
                hash, "{}", null);
    }
}
