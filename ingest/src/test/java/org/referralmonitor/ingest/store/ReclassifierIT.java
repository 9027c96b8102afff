package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.endpoint.Connection.ReferralRule;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.ReferralClassifier;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A new referral rule classifies the stored requests again from their kept JSON, without fetching:
 * a proprietary code the new rule lists makes a referral of a request the old rule did not count,
 * and the new rule is recorded; while the endpoint's rule stays the recorded one, nothing is read.
 */
class ReclassifierIT {

    private static final String ENDPOINT = "emr-rules";
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 5, 4, 8, 0, 0, 0, ZoneOffset.UTC);
    private static final ReferralRule OLD = ReferralRule.DEFAULT;
    private static final ReferralRule NEW = new ReferralRule(OLD.id(), OLD.version() + 1,
            java.util.stream.Stream.concat(OLD.codes().stream(), java.util.stream.Stream.of("urn:emr:orders|REF-01"))
                    .toList(), OLD.excludedIntents());

    @Test
    void aNewRuleClassifiesTheStoredRequestsAgainAndIsRecorded() {
        NamedParameterJdbcTemplate jdbc = StoreDatabase.create(ENDPOINT, T0);
        new ResourceWriter(jdbc).write(List.<MappedResource>of(
                request("sr-referral", "http://snomed.info/sct", "3457005", "order", true),
                request("sr-lab", "http://snomed.info/sct", "108252007", "order", false),
                request("sr-proprietary", "urn:emr:orders", "REF-01", "order", false),
                request("sr-proposal", "urn:emr:orders", "REF-01", "proposal", false)), 1, T0);
        Reclassifier reclassifier = new Reclassifier(jdbc, new ReferralClassifier());

        assertThat(reclassifier.reclassify(ENDPOINT, OLD, ZoneOffset.UTC)).as("all classified by the rule").isZero();
        assertThat(recorded(jdbc)).isEqualTo(OLD.label());

        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC)).isEqualTo(4);
        assertThat(classified(jdbc)).containsExactly(Map.entry("sr-lab", "false " + NEW.label()),
                Map.entry("sr-proposal", "false " + NEW.label()), Map.entry("sr-proprietary", "true " + NEW.label()),
                Map.entry("sr-referral", "true " + NEW.label()));
        assertThat(recorded(jdbc)).isEqualTo(NEW.label());

        // the recorded rule is trusted: a request classified otherwise is not looked for (syncs write
        // with the endpoint's rule, so none can be)
        jdbc.update("UPDATE referral SET classified_by = 'other@1' WHERE resource_id = 'sr-lab'",
                new MapSqlParameterSource());
        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC)).isZero();
        assertThat(reclassifier.reclassify(ENDPOINT, OLD, ZoneOffset.UTC)).as("back to the old rule: all again")
                .isEqualTo(4);
        assertThat(classified(jdbc)).containsExactly(Map.entry("sr-lab", "false " + OLD.label()),
                Map.entry("sr-proposal", "false " + OLD.label()), Map.entry("sr-proprietary", "false " + OLD.label()),
                Map.entry("sr-referral", "true " + OLD.label()));
    }

    /** A sync announces its first write from here: once, before the first change, and not when nothing changes. */
    @Test
    void runsItsCallbackOnceBeforeTheFirstChangeOnly() {
        NamedParameterJdbcTemplate jdbc = StoreDatabase.create(ENDPOINT, T0);
        new ResourceWriter(jdbc).write(List.<MappedResource>of(
                request("sr-referral", "http://snomed.info/sct", "3457005", "order", true),
                request("sr-proprietary", "urn:emr:orders", "REF-01", "order", false)), 1, T0);
        Reclassifier reclassifier = new Reclassifier(jdbc, new ReferralClassifier());
        List<String> changedWhenCalled = new java.util.ArrayList<>();
        Runnable callback = () -> changedWhenCalled.add(classified(jdbc).get("sr-proprietary"));

        assertThat(reclassifier.reclassify(ENDPOINT, OLD, ZoneOffset.UTC, callback)).isZero();
        assertThat(changedWhenCalled).as("nothing classified again: no call").isEmpty();
        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC, callback)).isEqualTo(2);
        assertThat(changedWhenCalled).as("called once, before any request was classified again")
                .containsExactly("false " + OLD.label());
    }

    @Test
    void aRequestWrittenUnderAnotherRuleMakesTheNextSyncLookAgain() {
        NamedParameterJdbcTemplate jdbc = StoreDatabase.create(ENDPOINT, T0);
        ResourceWriter writer = new ResourceWriter(jdbc);
        writer.write(List.<MappedResource>of(request("sr-referral", "http://snomed.info/sct", "3457005", "order", true),
                request("sr-proprietary", "urn:emr:orders", "REF-01", "order", false)), 1, T0);
        Reclassifier reclassifier = new Reclassifier(jdbc, new ReferralClassifier());
        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC)).isEqualTo(2);
        assertThat(recorded(jdbc)).isEqualTo(NEW.label());

        // a request written under the new rule keeps the record
        writer.write(List.<MappedResource>of(relabelled(request("sr-new", "urn:emr:orders", "REF-01", "order", true),
                NEW.label())), 2, T0);
        assertThat(recorded(jdbc)).isEqualTo(NEW.label());
        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC)).isZero();

        // another process, still configured with the old rule, writes a request classified by it
        writer.write(List.<MappedResource>of(request("sr-late", "urn:emr:orders", "REF-01", "order", false)), 3, T0);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM referral_rule_state WHERE endpoint_id = :e",
                new MapSqlParameterSource("e", ENDPOINT), Integer.class)).as("the record no longer holds").isZero();
        assertThat(reclassifier.reclassify(ENDPOINT, NEW, ZoneOffset.UTC)).as("only the request the record missed")
                .isEqualTo(1);
        assertThat(classified(jdbc)).containsEntry("sr-late", "true " + NEW.label());
        assertThat(recorded(jdbc)).isEqualTo(NEW.label());
    }

    private static ReferralRow relabelled(ReferralRow r, String label) {
        return new ReferralRow(r.endpointId(), r.resourceId(), r.versionId(), r.lastUpdated(), r.status(), r.intent(),
                r.authoredOn(), r.authoredDate(), r.patientHash(), r.requester(), r.performer(), r.encounterId(),
                r.referral(), label, r.contentHash(), r.json(), r.statusReason());
    }

    private static String recorded(NamedParameterJdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT label FROM referral_rule_state WHERE endpoint_id = :e",
                new MapSqlParameterSource("e", ENDPOINT), String.class);
    }

    private static Map<String, String> classified(NamedParameterJdbcTemplate jdbc) {
        Map<String, String> rows = new TreeMap<>();
        jdbc.query("SELECT resource_id, is_referral, classified_by FROM referral WHERE endpoint_id = :e",
                new MapSqlParameterSource("e", ENDPOINT),
                rs -> {
                    rows.put(rs.getString(1), rs.getBoolean(2) + " " + rs.getString(3));
                });
        return rows;
    }

    /** A request as the mapper stores it under the old rule, its kept JSON with its code and intent. */
    private static ReferralRow request(String id, String system, String code, String intent, boolean referral) {
        LocalDate day = LocalDate.of(2026, 4, 20);
        String json = """
                {"resourceType": "ServiceRequest", "id": "%s", "status": "active", "intent": "%s",
                 "code": {"coding": [{"system": "%s", "code": "%s"}]}, "authoredOn": "2026-04-20"}
                """.formatted(id, intent, system, code);
        return new ReferralRow(ENDPOINT, id, "1", T0, "active", intent, day.atStartOfDay().atOffset(ZoneOffset.UTC),
                day, "patient-" + id, Ref.NONE, Ref.NONE, null, referral, OLD.label(), "hash-" + id, json, null);
    }
}
