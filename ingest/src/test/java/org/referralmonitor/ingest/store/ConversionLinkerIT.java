package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Incremental conversion linking gives what linking every referral gives. A seeded world of
 * patients with referrals and visits (visits naming referrals by basedOn, some of another patient,
 * some not yet received; visits cancelled, missed, with another provider, outside the window) is
 * linked once; then, round after round, referrals and visits change, arrive and are deleted as a
 * sync would write them, each round is linked incrementally (some rounds only after the next, as
 * when a sync dies before it finishes), and its links must equal a full linking of the same data.
 */
class ConversionLinkerIT {

    private static final String ENDPOINT = "emr-links";
    private static final List<String> OWN = List.of("Organization/own");
    private static final List<String> VISIT_STATUSES =
            List.of("finished", "finished", "finished", "in-progress", "planned", "cancelled", "entered-in-error");
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 1, 5, 8, 0, 0, 0, ZoneOffset.UTC);

    private NamedParameterJdbcTemplate jdbc;
    private ResourceWriter writer;
    private Tombstones tombstones;
    private ConversionLinker linker;
    private SplittableRandom rng;
    private final Map<String, ReferralRow> referrals = new LinkedHashMap<>();
    private final Map<String, VisitRow> visits = new LinkedHashMap<>();
    private int version;
    private long run;

    @BeforeEach
    void database() {
        jdbc = StoreDatabase.create(ENDPOINT, T0);
        writer = new ResourceWriter(jdbc);
        tombstones = new Tombstones(jdbc);
        linker = new ConversionLinker(jdbc);
        rng = new SplittableRandom(Long.getLong("links.seed", 20261202));
    }

    @Test
    void eachIncrementalLinkingEqualsLinkingEveryReferral() {
        List<MappedResource> first = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            first.add(referral("sr" + i));
        }
        for (int i = 0; i < 240; i++) {
            first.add(visit("enc" + i));
        }
        writer.write(first, ++run, T0, false);
        ConversionLinker.Linked initial = link(false);
        assertThat(initial.full()).isTrue();
        assertThat(initial.linked()).as("a world where referrals convert").isGreaterThan(40);
        assertThat(linker.hasLinks(ENDPOINT)).isTrue();

        int relinkedAtMost = 0;
        for (int round = 1; round <= 12; round++) {
            List<MappedResource> page = new ArrayList<>();
            List<String> deletedVisits = new ArrayList<>();
            List<String> deletedReferrals = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                int what = rng.nextInt(10);
                if (what < 4) {
                    page.add(visit(pick(visits)));               // a visit changed
                } else if (what < 5) {
                    page.add(visit("enc-r" + round + "-" + k)); // a new visit
                } else if (what < 7) {
                    page.add(referral(pick(referrals)));         // a referral changed
                } else if (what < 8) {
                    page.add(referral("sr-r" + round + "-" + k)); // a new referral
                } else if (what < 9) {
                    deletedVisits.add(pick(visits));
                } else {
                    deletedReferrals.add(pick(referrals));
                }
            }
            long thisRun = ++run;
            writer.write(page, thisRun, T0.plusDays(round), true);
            tombstones.markDeleted(ENDPOINT, "Encounter", deletedVisits, T0.plusDays(round));
            tombstones.markDeleted(ENDPOINT, "ServiceRequest", deletedReferrals, T0.plusDays(round));
            if (round % 4 == 2) {
                continue; // a sync that died before finishing: the next linking covers its changes too
            }

            ConversionLinker.Linked incremental = link(true);
            Map<String, String> afterIncremental = links();
            assertThat(incremental.full()).as("round %d is linked incrementally", round).isFalse();
            assertThat(jdbc.getJdbcTemplate().queryForObject("SELECT COUNT(*) FROM change_scope", Integer.class))
                    .as("the scope is used up").isZero();

            ConversionLinker.Linked full = link(false);
            assertThat(afterIncremental).as("round %d: incremental links equal full links", round)
                    .isEqualTo(links());
            assertThat(incremental.linked()).as("round %d relinks only what its changes touch", round)
                    .isLessThan(full.linked());
            relinkedAtMost = Math.max(relinkedAtMost, incremental.linked());
            assertThat(orphans()).as("round %d: links and basedOn rows name stored rows (no foreign key on "
                    + "PostgreSQL checks it)", round).isZero();
        }
        assertThat(relinkedAtMost).as("the rounds changed links at all").isPositive();
    }

    @Test
    void aChangedWindowOrOwnOrganizationOrAForgottenEndpointLinksEveryReferral() {
        List<MappedResource> first = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            first.add(referral("sr" + i));
            first.add(visit("enc" + i));
        }
        writer.write(first, ++run, T0, false);
        assertThat(link(false).full()).isTrue();

        writer.write(List.of(visit(pick(visits))), ++run, T0.plusDays(1), true);
        assertThat(link(true).full()).as("same settings, scope recorded").isFalse();

        writer.write(List.of(visit(pick(visits))), ++run, T0.plusDays(2), true);
        assertThat(linker.link(ENDPOINT, 30, OWN, true, ++run, T0.plusDays(2)).full()).as("window changed").isTrue();
        assertThat(linker.link(ENDPOINT, 30, List.of("Organization/other"), true, ++run, T0.plusDays(2)).full())
                .as("own organizations changed").isTrue();
        assertThat(linker.link(ENDPOINT, 30, List.of("Organization/other"), true, ++run, T0.plusDays(2)).full())
                .as("unchanged since").isFalse();

        linker.forget(ENDPOINT);
        assertThat(linker.hasLinks(ENDPOINT)).isFalse();
        assertThat(linker.link(ENDPOINT, 30, List.of("Organization/other"), true, ++run, T0.plusDays(3)).full())
                .as("forgotten").isTrue();
    }

    /**
     * A visit that stops naming a referral of another patient unlinks it, though neither the referral
     * nor its patient's visits changed: the linking reports that referral's month.
     */
    @Test
    void aVisitThatStopsNamingAnotherPatientsReferralReportsItsMonth() {
        LocalDate day = LocalDate.of(2025, 3, 10);
        ReferralRow named = new ReferralRow(ENDPOINT, "sr-named", "1", T0, "active", "order",
                day.atStartOfDay().atOffset(ZoneOffset.UTC), day, "patient-a", Ref.NONE, Ref.NONE, null, true,
                "test-rule", "hash-sr-1", "{}", null);
        writer.write(List.of(named, visitOfAnotherChart("1", List.of("sr-named"))), ++run, T0, false);
        assertThat(link(false).full()).isTrue();
        assertThat(links()).containsKey("sr-named");

        run++;
        writer.write(List.of(visitOfAnotherChart("2", List.of())), run, T0.plusDays(1), true);
        ConversionLinker.Linked linked = link(true);

        assertThat(linked.full()).isFalse();
        assertThat(links()).doesNotContainKey("sr-named");
        assertThat(linked.months()).as("the month of the referral no longer named").containsExactly(day.withDayOfMonth(1));
    }

    /**
     * A visit that took place is the conversion, not an earlier one that did not (a no-show, one still
     * planned): whether both name the referral or both are the patient's visits in the window. A
     * visit booked for the referral comes before a guess from the patient's other visits. A visit
     * named by basedOn that started the day before the referral was written is day 0.
     */
    @Test
    void aVisitThatTookPlaceIsTheConversionNotAnEarlierNoShowOrPlannedOne() {
        LocalDate day = LocalDate.of(2025, 3, 10);
        List<MappedResource> rows = new ArrayList<>();
        for (String id : List.of("sr-window", "sr-based", "sr-before", "sr-booked", "sr-rebooked", "sr-undated")) {
            rows.add(new ReferralRow(ENDPOINT, id, "1", T0, "active", "order", day.atStartOfDay().atOffset(ZoneOffset.UTC),
                    day, "patient-" + id, Ref.NONE, Ref.NONE, null, true, "test-rule", "hash-" + id, "{}", null));
        }
        rows.add(visitOn("enc-w1", "patient-sr-window", day.plusDays(7), "noshow", List.of()));
        rows.add(visitOn("enc-w2", "patient-sr-window", day.plusDays(9), "planned", List.of()));
        rows.add(visitOn("enc-w3", "patient-sr-window", day.plusDays(15), "finished", List.of()));
        rows.add(visitOn("enc-b1", "patient-sr-based", day.plusDays(3), "noshow", List.of("sr-based")));
        rows.add(visitOn("enc-b2", "patient-sr-based", day.plusDays(20), "arrived", List.of("sr-based")));
        rows.add(visitOn("enc-x1", "patient-sr-before", day.minusDays(1), "finished", List.of("sr-before")));
        // booked for the referral, not yet held, and an unrelated visit of the same patient on day 3: the booking
        rows.add(visitOn("enc-p1", "patient-sr-booked", day.plusDays(20), "planned", List.of("sr-booked")));
        rows.add(visitOn("enc-p2", "patient-sr-booked", day.plusDays(3), "finished", List.of()));
        // the booked visit missed, the patient seen on day 15 at a visit rebooked without basedOn
        rows.add(visitOn("enc-r1", "patient-sr-rebooked", day.plusDays(7), "noshow", List.of("sr-rebooked")));
        rows.add(visitOn("enc-r2", "patient-sr-rebooked", day.plusDays(15), "finished", List.of()));
        // a dated referral named by a visit without a date: held, delay unknown
        rows.add(new VisitRow(ENDPOINT, "enc-u1", "1", T0, "finished", "AMB", "patient-sr-undated", null, null, "own",
                List.of("sr-undated"), "hash-enc-u1", "{}"));
        writer.write(rows, ++run, T0, false);

        link(false);

        assertThat(links()).containsEntry("sr-window", "enc-w3 PATIENT_WINDOW 0.70 15")
                .containsEntry("sr-based", "enc-b2 BASED_ON 1.00 20")
                .containsEntry("sr-before", "enc-x1 BASED_ON 1.00 0")
                .containsEntry("sr-booked", "enc-p1 BASED_ON 1.00 20")
                .containsEntry("sr-rebooked", "enc-r2 PATIENT_WINDOW 0.70 15")
                .containsEntry("sr-undated", "enc-u1 BASED_ON 1.00 null");
    }

    private static VisitRow visitOn(String id, String patient, LocalDate day, String status, List<String> basedOn) {
        return new VisitRow(ENDPOINT, id, "1", T0, status, "AMB", patient, day.atTime(9, 0).atOffset(ZoneOffset.UTC),
                day, "own", basedOn, "hash-" + id, "{}");
    }

    /** A visit of patient-c (another chart than the referral's patient-a), with our clinic, on 2025-03-15. */
    private static VisitRow visitOfAnotherChart(String version, List<String> basedOn) {
        LocalDate day = LocalDate.of(2025, 3, 15);
        return new VisitRow(ENDPOINT, "enc-other-chart", version, T0.plusSeconds(Long.parseLong(version)), "finished",
                "AMB", "patient-c", day.atTime(9, 0).atOffset(ZoneOffset.UTC), day, "own", basedOn,
                "hash-enc-" + version, "{}");
    }

    private ConversionLinker.Linked link(boolean scopeRecorded) {
        return linker.link(ENDPOINT, 90, OWN, scopeRecorded, run, T0);
    }

    /** A new referral, or a new version of one: another patient, day, status or classification. */
    private ReferralRow referral(String id) {
        int v = ++version;
        String patient = "patient-" + rng.nextInt(40);
        LocalDate day = LocalDate.of(2025, 1, 1).plusDays(rng.nextInt(330));
        String status = rng.nextInt(8) == 0 ? "revoked" : "active";
        ReferralRow row = new ReferralRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), status, "order",
                day.atStartOfDay().atOffset(ZoneOffset.UTC), day, rng.nextInt(15) == 0 ? null : patient, Ref.NONE,
                Ref.NONE, null, rng.nextInt(10) != 0, "test-rule", "hash-" + v, "{}", null);
        referrals.put(id, row);
        return row;
    }

    /**
     * A new visit, or a new version of one: another patient, day, status, provider, or referrals it is
     * based on (the patient's own, another patient's, or one not received).
     */
    private VisitRow visit(String id) {
        int v = ++version;
        String patient = "patient-" + rng.nextInt(40);
        LocalDate day = LocalDate.of(2025, 1, 1).plusDays(rng.nextInt(400));
        List<String> basedOn = new ArrayList<>();
        int b = rng.nextInt(10);
        if (b < 3 && !referrals.isEmpty()) {
            List<ReferralRow> own = referrals.values().stream().filter(r -> patient.equals(r.patientHash())).toList();
            if (!own.isEmpty()) {
                basedOn.add(own.get(rng.nextInt(own.size())).resourceId());
            }
        } else if (b == 3 && !referrals.isEmpty()) {
            basedOn.add(pick(referrals));
        } else if (b == 4) {
            basedOn.add("sr-not-received-" + rng.nextInt(5));
        }
        VisitRow row = new VisitRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v),
                VISIT_STATUSES.get(rng.nextInt(VISIT_STATUSES.size())), "AMB", patient,
                day.atTime(9, 0).atOffset(ZoneOffset.UTC), day, rng.nextInt(5) == 0 ? "elsewhere" : "own", basedOn,
                "hash-" + v, "{}");
        visits.put(id, row);
        return row;
    }

    private String pick(Map<String, ?> rows) {
        List<String> ids = new ArrayList<>(rows.keySet());
        return ids.get(rng.nextInt(ids.size()));
    }

    /** Links naming a referral or visit that is not stored, and basedOn rows naming a visit that is not. */
    private int orphans() {
        return jdbc.getJdbcTemplate().queryForObject("""
                SELECT (SELECT COUNT(*) FROM referral_conversion c
                        WHERE NOT EXISTS (SELECT 1 FROM referral r WHERE r.endpoint_id = c.endpoint_id
                                                                     AND r.resource_id = c.referral_id)
                           OR NOT EXISTS (SELECT 1 FROM visit v WHERE v.endpoint_id = c.endpoint_id
                                                                  AND v.resource_id = c.visit_id))
                     + (SELECT COUNT(*) FROM visit_based_on b
                        WHERE NOT EXISTS (SELECT 1 FROM visit v WHERE v.endpoint_id = b.endpoint_id
                                                                  AND v.resource_id = b.visit_id))
                """, Integer.class);
    }

    private Map<String, String> links() {
        Map<String, String> links = new LinkedHashMap<>();
        jdbc.getJdbcTemplate().query("""
                SELECT referral_id, visit_id, method, confidence, days_to_visit FROM referral_conversion
                WHERE endpoint_id = ? ORDER BY referral_id
                """, rs -> {
            links.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getBigDecimal(4) + " "
                    + rs.getObject(5));
        }, ENDPOINT);
        return links;
    }
}
