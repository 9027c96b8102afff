package org.referralmonitor.metrics.outreach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutreachReturnsTest {

    static SourceReturn row(String org, boolean contacted, int monthsBefore, int before, int monthsAfter, int after,
            Double conversion) {
        return new SourceReturn(org, null, contacted, LocalDate.of(2026, 5, 1), contacted ? 1 : 0, monthsBefore, before,
                monthsAfter, after, monthsBefore == 0 ? null : before / (double) monthsBefore,
                monthsAfter == 0 ? null : after / (double) monthsAfter, conversion, null, null);
    }

    @Test
    void extraReferralsAreNetOfWhatUncontactedFlaggedPracticesGained() {
        OutreachReturn r = OutreachReturns.summarize(YearMonth.of(2026, 10), List.of(
                row("a", true, 3, 6, 4, 24, 0.5),    // 2 -> 6 a month: +4
                row("b", true, 3, 9, 2, 8, null),    // 3 -> 4: +1, conversion unknown
                row("x", false, 3, 3, 3, 9, 0.5),    // 1 -> 3: +2
                row("y", false, 3, 6, 3, 6, 0.5)),   // 2 -> 2: 0
                100, 3, 6);

        assertThat(r.comparisonChange()).isCloseTo(1.0, within(1e-9));
        assertThat(r.contactedChange()).isCloseTo(2.5, within(1e-9));
        assertThat(r.contacted().get(0).extraReferrals()).as("(4 - 1) x 4 months").isCloseTo(12.0, within(1e-9));
        assertThat(r.contacted().get(0).revenue()).as("12 x 0.5 x 100").isCloseTo(600.0, within(1e-9));
        assertThat(r.contacted().get(1).extraReferrals()).as("(1 - 1) x 2").isCloseTo(0.0, within(1e-9));
        assertThat(r.contacted().get(1).revenue()).as("no conversion rate, no value").isNull();
        assertThat(r.extraReferrals()).isCloseTo(12.0, within(1e-9));
        assertThat(r.revenue()).isCloseTo(600.0, within(1e-9));
        assertThat(r.measured()).isEqualTo(2);
    }

    @Test
    void withoutAComparisonTheChangeIsTakenAsItIsAndTooEarlyCountsNothing() {
        OutreachReturn r = OutreachReturns.summarize(YearMonth.of(2026, 10), List.of(
                row("a", true, 3, 6, 2, 8, 0.5),     // 2 -> 4: +2 over 2 months
                row("b", true, 3, 9, 0, 0, 0.5)),    // contacted last month: too early
                250, 3, 6);

        assertThat(r.comparisonChange()).isNull();
        assertThat(r.contacted().get(0).extraReferrals()).isCloseTo(4.0, within(1e-9));
        assertThat(r.contacted().get(1).change()).isNull();
        assertThat(r.contacted().get(1).extraReferrals()).isNull();
        assertThat(r.extraReferrals()).isCloseTo(4.0, within(1e-9));
        assertThat(r.revenue()).isCloseTo(500.0, within(1e-9));
        assertThat(r.measured()).isEqualTo(1);
    }
}
