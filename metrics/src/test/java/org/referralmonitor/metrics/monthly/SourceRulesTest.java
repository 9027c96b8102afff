package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.MetricsProperties;

class SourceRulesTest {

    static final LocalDate NOV_23 = LocalDate.of(2026, 11, 23);
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    private final MetricsProperties properties = MonthContextTest.properties(0, false, 1);
    private final SourceRules rules = new SourceRules(properties);
    private final MonthContext october = MonthContext.of("c", OCTOBER, NOV_23, properties, 90);

    /** A practice's October with a baseline of 10 a month over 12 months, Poisson-like, 70% converting. */
    static final class Row {
        int referrals = 10;
        Double baseline = 10.0;
        Double average = 10.0;
        /** Of the trimmed months: about 0.57 of the months' variance, here Poisson (10). */
        Double variance = 5.7;
        double seasonalFactor = 1.0;
        double exposure = 1.0;
        int history = 12;
        LocalDate last = LocalDate.of(2026, 10, 30);
        int recentBelow = 0;
        int recentReferrals = 30;
        Double recentExpected = 30.0;
        int horizon = 14;
        /** Default: 70% of the referrals, the usual rate. */
        Integer convertedHorizon;
        /** Within the whole window; default: those seen within the horizon. */
        Integer converted;
        int baselineReferrals = 120;
        int baselineConvertedHorizon = 84;
        Double baselineConversion = 0.7;
        int cancelled;
        int visitMissed;
        int waiting;
        int noVisit;
        int sent;
        int sentBefore;
        int receivedBefore = 120;
        /** The month before: none computed. */
        Integer previousReferrals;
        Double previousExpected;
        /** The month before's reciprocity figures: none known. */
        SourceMonth.Reciprocity previousReciprocity;

        SourceMonth build() {
            int convertedHorizon = this.convertedHorizon != null ? this.convertedHorizon : (int) Math.round(0.7 * referrals);
            return new SourceMonth("c", OCTOBER, "npi:1245319599", "Lakeside Family Practice", "1245319599", referrals,
                    converted != null ? converted : convertedHorizon, history, baseline, average, variance, seasonalFactor, exposure, last, recentBelow,
                    recentReferrals, recentExpected, horizon, convertedHorizon, baselineReferrals,
                    baselineConvertedHorizon, baselineConversion, cancelled, visitMissed, waiting, noVisit, sent,
                    sentBefore, receivedBefore, previousReferrals, previousExpected, previousReciprocity);
        }
    }

    private Evaluation evaluate(java.util.function.Consumer<Row> change) {
        Row row = new Row();
        change.accept(row);
        return rules.evaluate(row.build(), october, false);
    }

    @Test
    void halfOfTenIsASlowdownThatExplainsItself() {
        Evaluation e = evaluate(r -> r.referrals = 5);
        assertThat(e.status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.SLOWDOWN);
        Flag f = e.flags().get(0);
        assertThat(f.explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 5 referrals in October 2026 "
                + "vs about 10 expected (average of the previous 12 months without the highest and lowest); a drop this "
                + "large happens by chance about 5% of the time. Revenue at risk: about $875 (5 fewer referrals x 70% "
                + "converted x $250).");
        assertThat(f.revenueAtRisk()).isEqualTo(5 * 0.7 * 250);
        assertThat(e.alertable()).isTrue();
    }

    @Test
    void sixOfTenTwoMonthsRunningIsASlowdownThatNeitherMonthIsAlone() {
        Evaluation alone = evaluate(r -> r.referrals = 6);
        assertThat(alone.status()).as("6 of 10 happens about 10% of the time").isEqualTo(Evaluation.Status.STEADY);

        Evaluation e = evaluate(r -> {
            r.referrals = 6;
            r.previousReferrals = 6;
            r.previousExpected = 10.0;
        });
        assertThat(e.status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.SLOWDOWN);
        Flag f = e.flags().get(0);
        assertThat(f.observed()).isEqualTo(12);
        assertThat(f.expected()).isEqualTo(20.0);
        assertThat(f.months()).isEqualTo(2);
        assertThat(f.pValue()).isCloseTo(0.0302, org.assertj.core.api.Assertions.within(0.0005));
        assertThat(f.explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 12 referrals in September "
                + "and October 2026 (6 and 6) vs about 20 expected (10 and 10, each month against its own baseline); "
                + "each month at least 30% below, and a drop this large over two months happens by chance about 3% of "
                + "the time. Revenue at risk: about $1,400 (8 fewer referrals x 70% converted x $250).");
        assertThat(f.revenueAtRisk()).isEqualTo(8 * 0.7 * 250);
    }

    @Test
    void twoMonthsCountTogetherOnlyWhenEachIsWellBelowExpected() {
        assertThat(evaluate(r -> {
            r.referrals = 6;
            r.previousReferrals = 22;
            r.previousExpected = 30.0;
        }).status()).as("the month before only 27% below (28 of 40 together would be a 2% chance)")
                .isEqualTo(Evaluation.Status.STEADY);
        assertThat(evaluate(r -> {
            r.referrals = 7;
            r.previousReferrals = 2;
            r.previousExpected = 10.0;
        }).status()).as("the month before a slowdown on its own (2 of 10): not counted again")
                .isEqualTo(Evaluation.Status.STEADY);
        assertThat(evaluate(r -> {
            r.referrals = 8;
            r.previousReferrals = 3;
            r.previousExpected = 10.0;
        }).status()).as("this month only 20% below").isEqualTo(Evaluation.Status.STEADY);
        assertThat(evaluate(r -> {
            r.referrals = 1;
            r.baseline = 2.5;
            r.average = 2.5;
            r.previousReferrals = 0;
            r.previousExpected = 2.5;
        }).status()).as("under min-expected a month").isEqualTo(Evaluation.Status.LOW_VOLUME);

        MetricsProperties off = MonthContextTest.properties(0, false, 1, false);
        Row row = new Row();
        row.referrals = 6;
        row.previousReferrals = 6;
        row.previousExpected = 10.0;
        assertThat(new SourceRules(off).evaluate(row.build(), october, false).status())
                .as("two-month-slowdown: false").isEqualTo(Evaluation.Status.STEADY);
        assertThat(rules.evaluate(row.build().withoutPreviousMonth(), october, false).status())
                .as("the month before unknown").isEqualTo(Evaluation.Status.STEADY);
    }

    @Test
    void twoMonthsAcrossTheYearAndAMonthInProgressAreSaidSo() {
        MonthContext january = MonthContext.of("c", YearMonth.of(2027, 1), LocalDate.of(2027, 3, 1), properties, 90);
        Row row = new Row();
        row.referrals = 6;
        row.last = LocalDate.of(2027, 1, 30);
        row.previousReferrals = 6;
        row.previousExpected = 10.0;
        assertThat(rules.evaluate(row.build(), january, false).flags().get(0).explanation())
                .contains("12 referrals in December 2026 and January 2027 (6 and 6) vs about 20 expected");

        MonthContext inProgress = MonthContext.of("c", OCTOBER, LocalDate.of(2026, 10, 16), properties, 90);
        Row half = new Row();
        half.referrals = 2;
        half.exposure = 0.5;
        half.previousReferrals = 6;
        half.previousExpected = 10.0;
        Flag f = rules.evaluate(half.build(), inProgress, false).flags().get(0);
        assertThat(f.expected()).isEqualTo(15.0);
        assertThat(f.explanation()).contains("8 referrals in September and October 2026 so far (6 and 2) vs about 15 "
                + "expected (10 and 5, each month against its own baseline, this one as far as it has gone)");
    }

    @Test
    void aMonthSignificantAloneIsExplainedAlone() {
        Flag f = evaluate(r -> {
            r.referrals = 3;
            r.previousReferrals = 6;
            r.previousExpected = 10.0;
        }).flags().get(0);
        assertThat(f.kind()).isEqualTo(Flag.Kind.SLOWDOWN);
        assertThat(f.observed()).isEqualTo(3);
        assertThat(f.months()).isEqualTo(1);
        assertThat(f.explanation()).startsWith("Lakeside Family Practice (NPI 1245319599): 3 referrals in October 2026 "
                + "vs about 10 expected");
    }

    @Test
    void saysHowTheSeasonShapedTheExpectation() {
        Evaluation e = evaluate(r -> {
            r.referrals = 4;
            r.baseline = 11.55;
            r.average = 11.0;
            r.seasonalFactor = 1.05;
        });
        assertThat(e.flags().get(0).explanation()).contains("4 referrals in October 2026 vs about 12 expected",
                "October is usually 5% above average", "happens by chance less than 1% of the time");
    }

    @Test
    void ordinaryNoiseAndSmallOrInsignificantDropsAreSteady() {
        assertThat(evaluate(r -> r.referrals = 8).status()).isEqualTo(Evaluation.Status.STEADY);
        assertThat(evaluate(r -> r.referrals = 14).status()).isEqualTo(Evaluation.Status.STEADY);
        // 2 instead of 4: a 50% drop, but a month this low happens about 17% of the time
        assertThat(evaluate(r -> {
            r.referrals = 2;
            r.baseline = 4.0;
            r.average = 4.0;
            r.variance = 4.0;
        }).status()).isEqualTo(Evaluation.Status.STEADY);
        // 170 vs 200 is unlikely by chance but only a 15% drop
        assertThat(evaluate(r -> {
            r.referrals = 170;
            r.baseline = 200.0;
            r.average = 200.0;
            r.variance = 200.0;
        }).flags()).isEmpty();
    }

    @Test
    void newAndSmallSourcesAreNeverFlagged() {
        Evaluation fresh = evaluate(r -> {
            r.referrals = 0;
            r.baseline = null;
            r.average = null;
            r.history = 3;
        });
        assertThat(fresh.status()).isEqualTo(Evaluation.Status.NEW);
        assertThat(fresh.flags()).isEmpty();
        Evaluation small = evaluate(r -> {
            r.referrals = 0;
            r.baseline = 1.5;
            r.average = 1.5;
            r.last = LocalDate.of(2026, 8, 1);
        });
        assertThat(small.status()).isEqualTo(Evaluation.Status.LOW_VOLUME);
        assertThat(small.flags()).as("1.5 a month is under gone-dark-min-expected").isEmpty();
    }

    @Test
    void aSourceWhoseMonthsVaryALotNeedsALargerDrop() {
        assertThat(evaluate(r -> r.referrals = 5).status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        // trimmed months' variance 20: the months' variance is about 35, three and a half times the mean
        Evaluation e = evaluate(r -> {
            r.referrals = 5;
            r.variance = 20.0;
        });
        assertThat(e.status()).as("negative binomial: 5 of 10 is ordinary when months vary this much")
                .isEqualTo(Evaluation.Status.STEADY);
        assertThat(evaluate(r -> {
            r.referrals = 1;
            r.variance = 20.0;
        }).flags().get(0).explanation()).contains("allowing for how much this source varies from month to month");
    }

    @Test
    void variabilityMustBeClearBeforeItWidensTheTest() {
        // trimmed variance 12: the months' about 21, twice the mean; more than Poisson at 5% (the
        // dispersion statistic 18.9 over 9 degrees of freedom, 16.9 at 5%), not at 1% (21.7)
        java.util.function.Consumer<Row> fiveOfTenModeratelyVariable = r -> {
            r.referrals = 5;
            r.variance = 12.0;
        };
        assertThat(evaluate(fiveOfTenModeratelyVariable).status()).as("dispersion-alpha 0.01: still Poisson")
                .isEqualTo(Evaluation.Status.SLOWDOWN);
        MetricsProperties strict = MonthContextTest.properties(0, false, 1);
        MetricsProperties loose = new MetricsProperties(12, 6, true, true, 0.30, 0.05, 0.05, 3.0, 0, false, 1, 45,
                2.0, true, 3, 0.15, 2.0, 0.6, 3, 250, java.util.List.of(), 500, "0 0 3 1 * *", true, 13, 2, 3, 6, 3,
                java.time.Duration.ofMinutes(10));
        assertThat(strict.dispersionAlpha()).isEqualTo(0.01);
        Row row = new Row();
        fiveOfTenModeratelyVariable.accept(row);
        assertThat(new SourceRules(loose).evaluate(row.build(), october, false).status())
                .as("dispersion-alpha 0.05: negative binomial, 5 of 10 is ordinary").isEqualTo(Evaluation.Status.STEADY);
    }

    @Test
    void aSourceSilentForFortyFiveDaysHasGoneDark() {
        Evaluation e = evaluate(r -> {
            r.referrals = 0;
            r.average = 9.0;
            r.baseline = 9.0;
            r.variance = 9.0;
            r.last = LocalDate.of(2026, 8, 31);
        });
        assertThat(e.status()).isEqualTo(Evaluation.Status.SLOWDOWN);
        assertThat(e.flags()).extracting(Flag::kind).as("the most specific volume flag only")
                .containsExactly(Flag.Kind.GONE_DARK);
        assertThat(e.flags().get(0).explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 0 referrals "
                + "in October 2026 vs about 9 expected, and none in the 61 days since the last on August 31, 2026 (about "
                + "9 a month before); a silence this long happens by chance less than 1 time in 1,000. Revenue at risk: "
                + "about $1,575 (9 fewer referrals x 70% converted x $250).");
        Evaluation recent = evaluate(r -> {
            r.referrals = 0;
            r.average = 2.5;
            r.baseline = 2.5;
            r.last = LocalDate.of(2026, 9, 20);
        });
        assertThat(recent.flags()).as("41 days is not 45").isEmpty();
    }

    /**
     * Gone dark asks for at least 2 expected this month: the average month times this calendar month's
     * seasonal factor, not the average with the season taken out.
     */
    @Test
    void goneDarkJudgesWhatIsExpectedThisMonthWithItsSeason() {
        Evaluation quietSeason = evaluate(r -> {
            r.referrals = 0;
            r.average = 2.5;
            r.seasonalFactor = 0.6;
            r.baseline = 1.5;
            r.variance = 2.5;
            r.last = LocalDate.of(2026, 8, 31);
        });
        assertThat(quietSeason.flags()).as("1.5 expected in October: under gone-dark-min-expected").isEmpty();
        Evaluation busySeason = evaluate(r -> {
            r.referrals = 0;
            r.average = 1.8;
            r.seasonalFactor = 1.5;
            r.baseline = 2.7;
            r.variance = 1.8;
            r.last = LocalDate.of(2026, 8, 31);
        });
        assertThat(busySeason.flags()).extracting(Flag::kind).as("2.7 expected in October")
                .containsExactly(Flag.Kind.GONE_DARK);
        assertThat(busySeason.flags().get(0).pValue()).as("61 days silent at 2.7 a month")
                .isCloseTo(Math.exp(-2.7 * 61 / (365.25 / 12)), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(busySeason.flags().get(0).explanation()).contains("0 referrals in October 2026 vs about 2.7 "
                + "expected, and none in the 61 days since the last on August 31, 2026 (about 2.7 a month at this time "
                + "of year); a silence this long happens by chance less than 1% of the time.");
    }

    @Test
    void threeMonthsBelowExpectedTogetherAreASustainedDecline() {
        Evaluation e = evaluate(r -> {
            r.referrals = 7;
            r.recentBelow = 3;
            r.recentReferrals = 20;
        });
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.SUSTAINED_DECLINE);
        assertThat(e.flags().get(0).months()).as("its figures are the three months'").isEqualTo(3);
        assertThat(e.flags().get(0).explanation()).startsWith("Lakeside Family Practice (NPI 1245319599): at least "
                + "15% below expected 3 months running, 20 referrals from August to October 2026 vs about 30 expected "
                + "(33% fewer)");
        assertThat(evaluate(r -> {
            r.referrals = 7;
            r.recentBelow = 2;
            r.recentReferrals = 20;
        }).flags()).as("one of the three months was not 15% below").isEmpty();
        assertThat(evaluate(r -> {
            r.referrals = 9;
            r.recentBelow = 3;
            r.recentReferrals = 27;
        }).flags()).as("10% fewer is within noise").isEmpty();
    }

    @Test
    void aSustainedDeclineAcrossTheYearNamesBothYears() {
        MonthContext january = MonthContext.of("c", YearMonth.of(2027, 1), LocalDate.of(2027, 3, 1), properties, 90);
        Row row = new Row();
        row.referrals = 7;
        row.last = LocalDate.of(2027, 1, 30);
        row.recentBelow = 3;
        row.recentReferrals = 20;
        Flag f = rules.evaluate(row.build(), january, false).flags().get(0);
        assertThat(f.kind()).isEqualTo(Flag.Kind.SUSTAINED_DECLINE);
        assertThat(f.explanation()).contains("20 referrals from November 2026 to January 2027 vs about 30 expected");
    }

    @Test
    void fewerReferralsSeenThanUsualIsAConversionCollapse() {
        Evaluation e = evaluate(r -> {
            r.referrals = 20;
            r.convertedHorizon = 4;
            r.cancelled = 9;
            r.noVisit = 3;
            r.waiting = 4;
        });
        assertThat(e.status()).isEqualTo(Evaluation.Status.STEADY);
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.CONVERSION_COLLAPSE);
        assertThat(e.flags().get(0).explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): 4 of 20 "
                + "referrals in October 2026 were seen within 14 days (20%), vs 70% usually within that time (about 14 "
                + "expected); a rate this low happens by chance less than 1 time in 1,000. Of the 16 not seen within "
                + "14 days: 9 cancelled, 4 still within the window, 3 no visit within the window. Revenue at risk: "
                + "about $2,500 (10 fewer visits x $250).");
        assertThat(evaluate(r -> {
            r.referrals = 20;
            r.convertedHorizon = 12;
        }).flags()).as("60% vs 70%").isEmpty();
    }

    /** Those seen after the horizon, within the window, are counted too: the figures add up to the month's. */
    @Test
    void aConversionCollapseAccountsForEveryReferralNotSeenWithinTheHorizon() {
        Evaluation e = evaluate(r -> {
            r.referrals = 20;
            r.convertedHorizon = 4;
            r.converted = 6;
            r.cancelled = 7;
            r.noVisit = 3;
            r.waiting = 4;
        });
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.CONVERSION_COLLAPSE);
        assertThat(e.flags().get(0).explanation()).contains("4 of 20 referrals in October 2026 were seen within 14 "
                + "days", "Of the 16 not seen within 14 days: 2 seen later, 7 cancelled, 4 still within the window, 3 no "
                + "visit within the window.");
    }

    @Test
    void sendingThemClearlyMoreThanTheySendUsIsAReciprocityFlip() {
        Evaluation e = evaluate(r -> {
            r.referrals = 3;
            r.baseline = 3.0;
            r.average = 3.0;
            r.variance = 3.0;
            r.sent = 8;
            r.sentBefore = 10;
            r.receivedBefore = 36;
        });
        assertThat(e.flags()).extracting(Flag::kind).containsExactly(Flag.Kind.RECIPROCITY_FLIP);
        assertThat(e.flags().get(0).explanation()).isEqualTo("Lakeside Family Practice (NPI 1245319599): we sent them 8 "
                + "referrals in October 2026 and received 3; over the previous 12 months we sent 10 and received 36. The "
                + "relationship now runs mostly one way.");
        assertThat(evaluate(r -> {
            r.referrals = 3;
            r.sent = 8;
            r.sentBefore = 50;
            r.receivedBefore = 36;
        }).flags()).extracting(Flag::kind).as("not new: we always sent more").doesNotContain(Flag.Kind.RECIPROCITY_FLIP);
    }

    @Test
    void aReciprocityFlipIsToldInTheMonthItHappensNotEachMonthItLasts() {
        java.util.function.Consumer<Row> flip = r -> {
            r.referrals = 3;
            r.baseline = 3.0;
            r.average = 3.0;
            r.variance = 3.0;
            r.sent = 8;
            r.sentBefore = 10;
            r.receivedBefore = 36;
        };
        assertThat(evaluate(flip.andThen(r -> r.previousReciprocity = new SourceMonth.Reciprocity(1, 3, 9, 36)))
                .flags()).extracting(Flag::kind).as("September balanced: the flip is new")
                .containsExactly(Flag.Kind.RECIPROCITY_FLIP);
        assertThat(evaluate(flip.andThen(r -> r.previousReciprocity = new SourceMonth.Reciprocity(2, 3, 8, 36)))
                .flags()).extracting(Flag::kind).as("we sent 2 in September: under min-expected, not a flip then")
                .containsExactly(Flag.Kind.RECIPROCITY_FLIP);
        assertThat(evaluate(flip.andThen(r -> r.previousReciprocity = new SourceMonth.Reciprocity(8, 3, 2, 36)))
                .flags()).as("September was the flip already: not told again").isEmpty();
        Row row = new Row();
        flip.andThen(r -> r.previousReciprocity = new SourceMonth.Reciprocity(8, 3, 2, 36)).accept(row);
        assertThat(rules.evaluate(row.build().withoutPreviousMonth(), october, false).flags()).extracting(Flag::kind)
                .as("September's feed suspect: October judged alone").containsExactly(Flag.Kind.RECIPROCITY_FLIP);
    }

    @Test
    void aMonthInProgressIsJudgedOnWhatIsExpectedByNow() {
        MonthContext november = MonthContext.of("c", YearMonth.of(2026, 11), NOV_23, properties, 90);
        Row row = new Row();
        row.referrals = 7;
        row.exposure = november.exposure();
        Evaluation e = rules.evaluate(row.build(), november, false);
        assertThat(e.expected()).isCloseTo(10 * 23 / 30.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(e.status()).isEqualTo(Evaluation.Status.STEADY);
        assertThat(e.alertable()).isFalse();
    }

    @Test
    void aSuspectFeedHoldsTheAlerts() {
        Row row = new Row();
        row.referrals = 2;
        Evaluation e = rules.evaluate(row.build(), october, true);
        assertThat(e.flags()).isNotEmpty();
        assertThat(e.held()).isTrue();
        assertThat(e.alertable()).isFalse();
    }
}
