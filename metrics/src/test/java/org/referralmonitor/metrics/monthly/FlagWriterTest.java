package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.MetricsProperties;

/** What a resolved alert says: the figures of its own kind, as recomputed. */
class FlagWriterTest {

    private final MetricsProperties properties = MonthContextTest.properties(0, false, 1);
    private final FlagWriter writer = new FlagWriter(null, null, Optional.empty(), properties);

    private static Evaluation steady(SourceRulesTest.Row row) {
        return new Evaluation(row.build(), Evaluation.Status.STEADY, row.baseline * row.exposure, 0.5, List.of(), true,
                false);
    }

    @Test
    void aSlowdownNoLongerFlaggedQuotesTheMonthsReferralsAgainstExpected() {
        SourceRulesTest.Row row = new SourceRulesTest.Row();
        row.referrals = 9;
        assertThat(writer.resolvedReason(Flag.Kind.SLOWDOWN, steady(row)))
                .isEqualTo("Recomputed: 9 referrals vs about 10 expected is no longer flagged as slowdown");
    }

    @Test
    void aSustainedDeclineNoLongerFlaggedQuotesItsMonthsTogether() {
        SourceRulesTest.Row row = new SourceRulesTest.Row();
        row.referrals = 9;
        row.recentReferrals = 28;
        row.recentExpected = 30.0;
        assertThat(writer.resolvedReason(Flag.Kind.SUSTAINED_DECLINE, steady(row)))
                .isEqualTo("Recomputed: 28 referrals from August to October 2026 vs about 30 expected is no longer "
                        + "flagged as sustained decline");
        row.recentExpected = null;
        assertThat(writer.resolvedReason(Flag.Kind.SUSTAINED_DECLINE, steady(row)))
                .isEqualTo("Recomputed: no longer flagged as sustained decline (no baseline now)");
    }

    @Test
    void aConversionCollapseNoLongerFlaggedQuotesTheReferralsSeen() {
        SourceRulesTest.Row row = new SourceRulesTest.Row();
        row.referrals = 20;
        row.convertedHorizon = 13;
        assertThat(writer.resolvedReason(Flag.Kind.CONVERSION_COLLAPSE, steady(row)))
                .isEqualTo("Recomputed: 13 of 20 referrals in October 2026 seen within 14 days vs about 14 expected is "
                        + "no longer flagged as conversion collapse");
    }

    @Test
    void aReciprocityFlipNoLongerFlaggedQuotesWhatWasSentAndReceived() {
        SourceRulesTest.Row row = new SourceRulesTest.Row();
        row.referrals = 3;
        row.sent = 8;
        row.sentBefore = 10;
        row.receivedBefore = 36;
        row.previousReciprocity = new SourceMonth.Reciprocity(7, 3, 3, 36);
        assertThat(writer.resolvedReason(Flag.Kind.RECIPROCITY_FLIP, steady(row)))
                .isEqualTo("Recomputed: 8 referrals sent and 3 received in October 2026 (10 and 36 over the previous 12 "
                        + "months; 7 and 3 in September 2026) is no longer flagged as reciprocity flip");
    }
}
