package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.report.ProviderSummary;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The monthly facts of a hand-built clinic, with every figure computed by hand, on 2026-11-23 with a
 * 30-day conversion window (referrals authored before 2026-10-24 have had their whole window).
 * r4 is revoked with the EMR's reason "Patient declined".
 * Subclasses run it on PostgreSQL and on H2, so the one SQL is checked on both.
 *
 * <p>Alpha (npi:1111111112) sends 10 a month from October 2025, except 20 in July 2026 and 2 in
 * September 2026; in October 2026 nine referrals, one outcome each: r1 (patient P1) seen after 5
 * days, r2 (P1 again) after 10, r3 after 20; r4 revoked; r5's booked visit cancelled; r9's planned
 * visit on November 1 never happened; r6 no visit, window over; r8 seen after 40 days, past the
 * window; r7 authored October 28, still waiting. The clinic sent Alpha 2 referrals in September
 * and 3 in October, and Gamma 4 in October (Gamma never sent any). Bravo sends 12 and 8 in turn,
 * and only 2 in October. Seasons, a second clinic, has 26 months (from September 2024) of a source sending
 * 10 a month and 20 every October. Stray has 8 months of 10 a month and 2 in October 2026, and one draft
 * and one referral it sent, both with a mistyped year; Half starts on October 17, 2024. At Recip, Theta
 * sends 3 a month from July 2025; the clinic sends Theta 8 in September 2026 and 8 again in October.
 */
abstract class MonthlyFactsContract {

    static final YearMonth AUGUST = YearMonth.of(2026, 8);
    static final YearMonth SEPTEMBER = YearMonth.of(2026, 9);
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);
    static final String ALPHA = "npi:1111111112";
    static final String BRAVO = "npi:2222222224";
    static final String GAMMA = "npi:3333333336";
    static final String DELTA = "pooled-emr/Organization/delta";
    static final String ECHO = "pooled-emr/Organization/echo";
    static final String STRAY = "npi:5555555557";
    static final String HALF = "npi:6666666665";
    static final String THETA = "npi:7777777773";

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    SourceReport report;

    @Autowired
    Alerts alerts;

    @Autowired
    FixedBaselines fixed;

    @Autowired
    MonthlyAggregation aggregation;

    @BeforeEach
    void seedOnce() {
        if (jdbc.sql("SELECT COUNT(*) FROM clinic WHERE id = 'facts'").query(Integer.class).single() > 0) {
            return;
        }
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("facts", "facts-emr");
        f.organization("facts-emr", "self", "Facts Orthopedics", null);
        f.organization("facts-emr", "alpha", "Alpha Clinic", "1111111112");
        f.organization("facts-emr", "bravo", "Bravo Clinic", "2222222224");
        f.organization("facts-emr", "gamma", "Gamma Clinic", "3333333336");
        f.ownOrganizations("facts-emr", "[\"Organization/self\"]");
        for (YearMonth m = YearMonth.of(2025, 10); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
            int alpha = m.equals(YearMonth.of(2026, 7)) ? 20 : m.equals(SEPTEMBER) ? 2 : 10;
            f.referrals("facts-emr", ALPHA, null, m, alpha, 7 * alpha / 10);
            int bravo = m.getMonthValue() % 2 == 0 ? 12 : 8;
            f.referrals("facts-emr", BRAVO, null, m, bravo, bravo / 2);
        }
        f.referrals("facts-emr", BRAVO, null, OCTOBER, 2, 1);
        String own = "facts-emr/Organization/self";
        f.outbound("facts-emr", own, "alpha", SEPTEMBER, 2);
        f.outbound("facts-emr", own, "alpha", OCTOBER, 3);
        f.outbound("facts-emr", own, "gamma", OCTOBER, 4);

        String a1 = "npi:1000000001";
        String a2 = "npi:1000000002";
        String r1 = f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 1), "active", "P1");
        f.visit("facts-emr", r1, LocalDate.of(2026, 10, 6), "finished", true);
        String r2 = f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 2), "completed", "P1");
        f.visit("facts-emr", r2, LocalDate.of(2026, 10, 12), "finished", true);
        String r3 = f.referral("facts-emr", ALPHA, a2, LocalDate.of(2026, 10, 3), "completed", null);
        f.visit("facts-emr", r3, LocalDate.of(2026, 10, 23), "in-progress", false);
        String r4 = f.referral("facts-emr", ALPHA, a2, LocalDate.of(2026, 10, 4), "revoked", null);
        f.statusReason("facts-emr", r4, "Patient declined");
        String r5 = f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 5), "active", null);
        f.visit("facts-emr", r5, LocalDate.of(2026, 10, 15), "cancelled", true);
        f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 6), "active", null);
        f.referral("facts-emr", ALPHA, a2, LocalDate.of(2026, 10, 28), "active", null);
        String r8 = f.referral("facts-emr", ALPHA, a2, LocalDate.of(2026, 10, 3), "active", null);
        f.visit("facts-emr", r8, LocalDate.of(2026, 11, 12), "finished", true);
        String r9 = f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 9), "active", null);
        f.visit("facts-emr", r9, LocalDate.of(2026, 11, 1), "planned", true);
        // one not counted at all: entered in error
        f.referral("facts-emr", ALPHA, a1, LocalDate.of(2026, 10, 9), "entered-in-error", null);

        f.clinic("seasons", "seasons-emr");
        for (YearMonth m = YearMonth.of(2024, 9); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("seasons-emr", "npi:4444444448", null, m, m.getMonthValue() == 10 ? 20 : 10, 5);
        }

        f.clinic("stray", "stray-emr");
        f.organization("stray-emr", "self", "Stray Orthopedics", null);
        f.ownOrganizations("stray-emr", "[\"Organization/self\"]");
        for (YearMonth m = YearMonth.of(2026, 2); m.isBefore(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("stray-emr", STRAY, null, m, 10, 5);
        }
        f.referrals("stray-emr", STRAY, null, OCTOBER, 2, 1);
        f.referral("stray-emr", STRAY, null, LocalDate.of(2016, 3, 9), "draft", null);
        f.outbound("stray-emr", "stray-emr/Organization/self", "zeta", YearMonth.of(2017, 3), 1);

        f.clinic("half", "half-emr");
        for (int day = 17; day <= 21; day++) {
            f.referral("half-emr", HALF, null, LocalDate.of(2024, 10, day), "active", null);
        }
        for (YearMonth m = YearMonth.of(2024, 11); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("half-emr", HALF, null, m, 10, 5);
        }

        f.clinic("recip", "recip-emr");
        f.organization("recip-emr", "self", "Recip Orthopedics", null);
        f.organization("recip-emr", "theta", "Theta Clinic", "7777777773");
        f.ownOrganizations("recip-emr", "[\"Organization/self\"]");
        for (YearMonth m = YearMonth.of(2025, 7); !m.isAfter(OCTOBER); m = m.plusMonths(1)) {
            f.referrals("recip-emr", THETA, null, m, 3, 2);
        }
        f.outbound("recip-emr", "recip-emr/Organization/self", "theta", SEPTEMBER, 8);
        f.outbound("recip-emr", "recip-emr/Organization/self", "theta", OCTOBER, 8);

        f.clinic("pooled", "pooled-emr");
        f.organization("pooled-emr", "delta", "Delta Clinic", null);
        f.organization("pooled-emr", "echo", "Echo Clinic", null);
        for (YearMonth m = YearMonth.of(2025, 7); !m.isAfter(SEPTEMBER); m = m.plusMonths(1)) {
            boolean dropped = !m.isBefore(AUGUST);
            f.referrals("pooled-emr", DELTA, null, m, dropped ? 6 : 10, 5);
            f.referrals("pooled-emr", ECHO, null, m, m.equals(SEPTEMBER) ? 6 : 10, 5);
        }
        assertThat(runner.run("pooled", AUGUST, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("pooled", SEPTEMBER, true).status()).isEqualTo("COMPLETED");

        assertThat(runner.run("facts", SEPTEMBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("facts", OCTOBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("facts", OCTOBER.plusMonths(1), true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("seasons", OCTOBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("stray", OCTOBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("half", OCTOBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("recip", SEPTEMBER, true).status()).isEqualTo("COMPLETED");
        assertThat(runner.run("recip", OCTOBER, true).status()).isEqualTo("COMPLETED");
    }

    @Test
    void eachReferralFallsInExactlyOneOutcome() {
        SourceSummary alpha = sources("facts", OCTOBER).get(ALPHA);
        assertThat(alpha.referrals()).as("9 received; outbound and entered-in-error not counted").isEqualTo(9);
        assertThat(alpha.converted()).isEqualTo(3);
        assertThat(alpha.conversionRate()).isCloseTo(3 / 9.0, within(1e-9));
        assertThat(alpha.notConverted())
                .isEqualTo(new SourceSummary.NotConverted(1, Map.of("Patient declined", 1), 2, 1, 2));
        SourceSummary.NotConverted n = alpha.notConverted();
        assertThat(alpha.converted() + n.cancelled() + n.visitMissed() + n.waiting() + n.noVisit())
                .isEqualTo(alpha.referrals());
        assertThat(alpha.patients()).as("P1 twice").isEqualTo(8);
        assertThat(alpha.medianDaysToVisit()).isEqualTo(10.0);
        assertThat(alpha.p90DaysToVisit()).as("5, 10, 20 at 0.9").isCloseTo(18.0, within(1e-9));
        assertThat(alpha.activeProviders()).isEqualTo(2);
    }

    /**
     * October, on 2026-11-23, is 23 days past its end: every referral has had 14 days (the step below),
     * so its conversion is judged on those seen within 14 days: r1 (5 days) and r2 (10), not r3 (20).
     * September is past its 30-day window: all its conversions count.
     */
    @Test
    void aMonthNotPastItsWindowCountsTheConversionsWithinItsHorizon() {
        String sql = "SELECT horizon_days, converted, converted_horizon FROM source_month WHERE clinic_id = 'facts' "
                + "AND month_start = :m AND org_key = :org AND practitioner_key = '*'";
        Map<String, Object> october = jdbc.sql(sql).param("m", OCTOBER.atDay(1)).param("org", ALPHA).query().singleRow();
        assertThat(october).containsEntry("horizon_days", 14).containsEntry("converted", 3)
                .containsEntry("converted_horizon", 2);
        Map<String, Object> september = jdbc.sql(sql).param("m", SEPTEMBER.atDay(1)).param("org", BRAVO).query()
                .singleRow();
        assertThat(september).containsEntry("horizon_days", 30).containsEntry("converted", 4)
                .containsEntry("converted_horizon", 4);
    }

    @Test
    void referralsTheClinicSentAreOutboundNotASource() {
        Map<String, SourceSummary> sources = sources("facts", OCTOBER);
        assertThat(sources).doesNotContainKey("facts-emr/Organization/self");
        assertThat(sources.get(ALPHA).sent()).isEqualTo(3);
        assertThat(sources.get(ALPHA).sentReceivedRatio()).isCloseTo(3 / 9.0, within(1e-9));
        SourceSummary gamma = sources.get(GAMMA);
        assertThat(gamma.referrals()).isZero();
        assertThat(gamma.sent()).isEqualTo(4);
        assertThat(gamma.sentReceivedRatio()).isNull();
        assertThat(gamma.status()).isEqualTo("NEW");
        assertThat(jdbc.sql("SELECT sent_before FROM source_month WHERE clinic_id = 'facts' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("org", ALPHA)
                .query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void providersAreCountedWithinTheirPractice() {
        List<ProviderSummary> providers = report.providers("facts", OCTOBER, ALPHA);
        assertThat(providers).extracting(ProviderSummary::practitionerKey)
                .containsExactly("npi:1000000001", "npi:1000000002");
        assertThat(providers).extracting(ProviderSummary::referrals).containsExactly(5, 4);
        assertThat(providers).extracting(ProviderSummary::converted).containsExactly(2, 1);
        assertThat(providers).extracting(ProviderSummary::cancelled).containsExactly(0, 1);
    }

    @Test
    void theBaselineDropsTheHighestAndLowestMonth() {
        // October's trailing 12 months: ten tens, 20 and 2 -> (122 - 20 - 2) / 10
        SourceSummary alpha = sources("facts", OCTOBER).get(ALPHA);
        assertThat(alpha.baseline()).isCloseTo(10.0, within(1e-9));
        assertThat(alpha.baselineAverage()).isCloseTo(10.0, within(1e-9));
        assertThat(alpha.seasonalFactor()).as("no 24 months of history").isEqualTo(1.0);
        assertThat(alpha.historyMonths()).isEqualTo(12);
        assertThat(jdbc.sql("SELECT baseline_variance FROM source_month WHERE clinic_id = 'facts' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("org", ALPHA)
                .query(Double.class).single()).as("variance of the trimmed months: ten tens")
                .isCloseTo(0.0, within(1e-9));
        assertThat(jdbc.sql("SELECT baseline_variance FROM source_month WHERE clinic_id = 'facts' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", SEPTEMBER.atDay(1)).param("org", ALPHA)
                .query(Double.class).single()).as("September: Oct 2025..Aug 2026 without 20 and one 10, nine tens")
                .isCloseTo(0.0, within(1e-9));
        assertThat(jdbc.sql("SELECT baseline_variance FROM source_month WHERE clinic_id = 'facts' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", OCTOBER.atDay(1)).param("org", BRAVO)
                .query(Double.class).single()).as("Bravo: six 12s and six 8s, one of each trimmed: 40 / 9")
                .isCloseTo(40 / 9.0, within(1e-9));
        // conversion over the baseline months whose window is over: 7 of each 10, 14 of 20, 1 of 2
        assertThat(alpha.baselineConversion()).isCloseTo(85 / 122.0, within(1e-4));
    }

    @Test
    void theSeasonalFactorComesFromTheClinicsOwnTwoYears() {
        // 24 months before October 2026: 22 of 10 and two Octobers of 20 -> October's factor 12 * 40 / 260
        SourceSummary s = sources("seasons", OCTOBER).get("npi:4444444448");
        double october = 12 * 40 / 260.0;
        double other = 12 * 20 / 260.0;
        assertThat(s.seasonalFactor()).isCloseTo(october, within(1e-4));
        assertThat(s.baselineAverage()).isCloseTo(10 / other, within(1e-4));
        assertThat(s.baseline()).as("20 expected in an October").isCloseTo(20.0, within(1e-3));
        assertThat(s.status()).isEqualTo("STEADY");
    }

    /**
     * Stray's history is 8 months, whatever its draft of 2016 and the referral it sent in 2017 say: no
     * seasonal factor (with one, October would be a calendar month without referrals, at the floor of
     * 0.25, and about 1.7 expected of a source sending 10 a month), so its 2 in October are a slowdown.
     */
    @Test
    void draftsAndReferralsSentAreNoHistoryForSeasonalFactors() {
        SourceSummary s = sources("stray", OCTOBER).get(STRAY);
        assertThat(s.seasonalFactor()).as("8 months of referrals received").isEqualTo(1.0);
        assertThat(s.baseline()).isCloseTo(10.0, within(1e-9));
        assertThat(s.status()).isEqualTo("SLOWDOWN");
        assertThat(s.flags()).containsExactly("SLOWDOWN");
    }

    /**
     * Half's first referral came on October 17, 2024: October 2026's 24 months before it begin with
     * that half month, so no seasonal factor yet (October's would be 12 x 15 / 235, about 0.77, from
     * a half month and a whole one); Seasons, whose first month is September 2024, has its factors.
     */
    @Test
    void seasonalFactorsWaitForTwentyFourCompleteMonthsAfterTheFirst() {
        SourceSummary s = sources("half", OCTOBER).get(HALF);
        assertThat(s.seasonalFactor()).as("October 2024 was the first month, in part").isEqualTo(1.0);
        assertThat(s.baseline()).isCloseTo(10.0, within(1e-9));
        assertThat(s.status()).isEqualTo("STEADY");
        assertThat(sources("seasons", OCTOBER).get("npi:4444444448").seasonalFactor()).isNotEqualTo(1.0);
    }

    /**
     * Recip: in September the clinic sent Theta 8 and received 3, after twelve months of 36 received
     * and none sent: a reciprocity flip. In October it sent 8 and received 3 again: September already
     * ran one way, so October raises nothing new.
     */
    @Test
    void aReciprocityFlipIsRaisedInTheMonthItHappensOnly() {
        assertThat(sources("recip", SEPTEMBER).get(THETA).flags()).containsExactly("RECIPROCITY_FLIP");
        assertThat(alerts.find("recip", "OPEN")).extracting(Alert::orgKey, Alert::month, Alert::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(THETA, SEPTEMBER, "RECIPROCITY_FLIP"));
        assertThat(jdbc.sql("""
                SELECT previous_sent, previous_received, previous_sent_before, previous_received_before
                FROM source_month WHERE clinic_id = 'recip' AND month_start = :m AND org_key = :org
                  AND practitioner_key = '*'""").param("m", OCTOBER.atDay(1)).param("org", THETA)
                .query((rs, n) -> List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4))).single())
                .as("September's figures: sent 8, received 3; over Sep 2025..Aug 2026 sent 0, received 36")
                .containsExactly(8, 3, 0, 36);
        assertThat(sources("recip", OCTOBER).get(THETA).flags()).as("not new").isNullOrEmpty();
    }

    @Test
    void provisionalMonthsAreShownButNotAlertedOn() {
        Map<String, SourceSummary> october = sources("facts", OCTOBER);
        assertThat(october.get(BRAVO).status()).isEqualTo("SLOWDOWN");
        assertThat(october.get(BRAVO).provisional()).isTrue();
        assertThat(october.get(BRAVO).flags()).containsExactly("SLOWDOWN");
        assertThat(sources("facts", SEPTEMBER).get(ALPHA).provisional()).isFalse();

        List<Alert> open = alerts.find("facts", "OPEN");
        assertThat(open).extracting(Alert::orgKey, Alert::month, Alert::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ALPHA, SEPTEMBER, "SLOWDOWN"));
        assertThat(open.get(0).explanation()).startsWith("Alpha Clinic (NPI 1111111112): 2 referrals in September 2026 "
                + "vs about 10 expected (average of the previous 11 months without the highest and lowest)");
    }

    /**
     * Pooled: Delta sends 10 a month, then 6 in August and 6 in September 2026, a drop neither month
     * shows alone (6 of 10 happens about 10% of the time) but the two together do (12 of 20: 3%).
     * Echo's 6 in September follows a normal August: not flagged.
     */
    @Test
    void aDropLastingTwoMonthsIsFlaggedInItsSecondMonth() {
        assertThat(sources("pooled", AUGUST).get(DELTA).status()).as("August alone").isEqualTo("STEADY");
        Map<String, SourceSummary> september = sources("pooled", SEPTEMBER);
        assertThat(september.get(DELTA).status()).isEqualTo("SLOWDOWN");
        assertThat(september.get(DELTA).flags()).containsExactly("SLOWDOWN");
        assertThat(september.get(ECHO).status()).as("one month down").isEqualTo("STEADY");

        List<Alert> open = alerts.find("pooled", "OPEN");
        assertThat(open).extracting(Alert::orgKey, Alert::month, Alert::kind, Alert::observed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(DELTA, SEPTEMBER, "SLOWDOWN", 12));
        assertThat(open.get(0).expected()).isCloseTo(20.0, within(1e-9));
        assertThat(open.get(0).months()).as("the figures are August's and September's").isEqualTo(2);
        assertThat(open.get(0).explanation()).startsWith("Delta Clinic: 12 referrals in August and September 2026 "
                + "(6 and 6) vs about 20 expected (10 and 10, each month against its own baseline); each month at "
                + "least 30% below, and a drop this large over two months happens by chance about 3% of the time.");
    }

    @Test
    void aMonthInProgressIsComparedWithWhatIsExpectedByNow() {
        YearMonth november = OCTOBER.plusMonths(1);
        assertThat(jdbc.sql("SELECT exposure FROM source_month WHERE clinic_id = 'facts' AND month_start = :m "
                + "AND org_key = :org AND practitioner_key = '*'").param("m", november.atDay(1)).param("org", ALPHA)
                .query(Double.class).single()).as("23 of 30 days").isCloseTo(23 / 30.0, within(1e-4));
        SourceSummary bravo = sources("facts", november).get(BRAVO);
        assertThat(bravo.referrals()).isZero();
        assertThat(bravo.provisional()).isTrue();
        assertThat(bravo.status()).as("none of about 7.7 expected by now").isEqualTo("SLOWDOWN");
        assertThat(alerts.find("facts", null, november, null)).isEmpty();
    }

    @Test
    void aFixedBaselineIsComparedAlongsideTheRollingOne() {
        fixed.fix("facts", SEPTEMBER, ReferralFixture.SEEN);
        try {
            // September's baseline: Oct 2025..Aug 2026, ten tens and 20 -> (120 - 20 - 10) / 9
            SourceSummary alpha = sources("facts", OCTOBER).get(ALPHA);
            assertThat(alpha.fixedBaseline()).isCloseTo(10.0, within(1e-9));
            assertThat(sources("facts", OCTOBER).get(GAMMA).fixedBaseline()).isNull();
            assertThat(fixed.find("facts")).hasValueSatisfying(b -> assertThat(b.asOf()).isEqualTo(SEPTEMBER));
        } finally {
            fixed.clear("facts");
        }
        assertThat(sources("facts", OCTOBER).get(ALPHA).fixedBaseline()).isNull();
    }

    /**
     * A full recompute computes many months in one run; it must write exactly what computing them one
     * at a time writes: facts, baselines (seasonal and not), horizons of months not past the window,
     * verdicts and reasons.
     */
    @Test
    void aRunOverSeveralMonthsWritesWhatMonthByMonthRunsWrite() {
        for (String clinic : List.of("facts", "seasons", "pooled", "recip")) {
            YearMonth from = YearMonth.of(2026, 6);
            YearMonth to = OCTOBER.plusMonths(1);
            for (YearMonth m = from; !m.isAfter(to); m = m.plusMonths(1)) {
                assertThat(runner.run(clinic, m, true).status()).isEqualTo("COMPLETED");
            }
            List<Map<String, Object>> byMonth = rows(clinic);
            List<Map<String, Object>> reasonsByMonth = reasons(clinic);
            assertThat(byMonth).as("rows of %s", clinic).hasSizeGreaterThanOrEqualTo(6);

            MetricsJobRun run = runner.run(clinic, from, to, true);
            assertThat(run.status()).isEqualTo("COMPLETED");
            assertThat(run.month()).isEqualTo("2026-06/2026-11");
            assertThat(rows(clinic)).as("%s computed in one run", clinic).isEqualTo(byMonth);
            assertThat(reasons(clinic)).isEqualTo(reasonsByMonth);
            assertThat(runner.history(clinic, 1)).extracting(MetricsJobRun::month).containsExactly("2026-06/2026-11");
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM metrics_target").query(Integer.class).single())
                .as("a run leaves no months behind").isZero();
    }

    /**
     * A month reads the kept counts of earlier settled months instead of their referrals; what it
     * writes must equal what it writes when every month is counted from the referrals again. On
     * PostgreSQL the runs counting 25 months join the conversions by hashing, those counting one or
     * two look them up: the month's own figures come from one, then the other (H2 looks them up in
     * both, SqlDialect.hashJoins).
     */
    @Test
    void aMonthReadingKeptCountsWritesWhatCountingEveryMonthAgainWrites() {
        for (String clinic : List.of("facts", "seasons")) {
            YearMonth from = YearMonth.of(2026, 6);
            YearMonth to = OCTOBER.plusMonths(1);
            for (YearMonth m = from; !m.isAfter(to); m = m.plusMonths(1)) {
                jdbc.sql("DELETE FROM metrics_month_state").update();
                assertThat(runner.run(clinic, m, true).status()).isEqualTo("COMPLETED");
                assertThat(aggregation.lastCounted()).as("%s %s, nothing kept: its month and the 24 before", clinic, m)
                        .isEqualTo(25).isGreaterThan(MonthlyAggregation.LARGE_RUN_MONTHS);
            }
            List<Map<String, Object>> counted = rows(clinic);
            List<Map<String, Object>> countedReasons = reasons(clinic);

            assertThat(runner.run(clinic, from.minusMonths(24), to, true).status()).isEqualTo("COMPLETED");
            for (YearMonth m = from; !m.isAfter(to); m = m.plusMonths(1)) {
                assertThat(runner.run(clinic, m, true).status()).isEqualTo("COMPLETED");
                // settled: authored before 2026-10-24 (30-day window), i.e. up to September
                assertThat(aggregation.lastCounted()).as("%s %s: its own month, and earlier ones not settled", clinic, m)
                        .isEqualTo(1 + Math.max(0, (int) OCTOBER.until(m, java.time.temporal.ChronoUnit.MONTHS)))
                        .isLessThanOrEqualTo(MonthlyAggregation.LARGE_RUN_MONTHS);
            }
            assertThat(rows(clinic)).as("%s from kept counts", clinic).isEqualTo(counted);
            assertThat(reasons(clinic)).isEqualTo(countedReasons);
        }
    }

    private List<Map<String, Object>> rows(String clinic) {
        return jdbc.sql("""
                SELECT * FROM source_month WHERE clinic_id = :clinic AND month_start >= DATE '2026-06-01'
                ORDER BY month_start, org_key, practitioner_key
                """).param("clinic", clinic).query().listOfRows().stream()
                .peek(r -> r.keySet().removeIf(k -> k.equalsIgnoreCase("computed_at")
                        || k.equalsIgnoreCase("job_execution_id")))
                .toList();
    }

    private List<Map<String, Object>> reasons(String clinic) {
        return jdbc.sql("""
                SELECT * FROM source_month_reason WHERE clinic_id = :clinic AND month_start >= DATE '2026-06-01'
                ORDER BY month_start, org_key, reason
                """).param("clinic", clinic).query().listOfRows();
    }

    Map<String, SourceSummary> sources(String clinic, YearMonth month) {
        return report.sources(clinic, month).stream().collect(Collectors.toMap(SourceSummary::orgKey, s -> s));
    }
}
