package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.outreach.OutreachReturn;
import org.referralmonitor.metrics.outreach.SourceReturn;

/** How the clinic page words the return on outreach. */
class OutreachReturnViewTest {

    static SourceReturn source(String org, boolean contacted, Double before, Double after, int monthsAfter,
            Double extra, Double revenue) {
        return new SourceReturn(org, contacted ? "Bayview Pediatrics" : null, contacted, LocalDate.of(2026, 6, 3), 2, 3,
                0, monthsAfter, 0, before, after, 0.5, extra, revenue);
    }

    @Test
    void saysWhatTheContactedGainedNetOfTheComparisonAndWhatItIsWorth() {
        OutreachReturnView view = new OutreachReturnView(new OutreachReturn(YearMonth.of(2026, 10),
                List.of(source("a", true, 4.0, 9.0, 3, 12.0, 1500.0), source("b", true, 2.0, null, 0, null, null)),
                List.of(source("x", false, 3.0, 4.0, 3, null, null)), 5.0, 1.0, 12.0, 1500.0, 250.0, 3, 6));

        assertThat(view.summary()).isEqualTo("2 practices contacted, 1 with final months on both sides: 5.0 more "
                + "referrals a month each after the first contact than in the 3 months before; flagged practices nobody "
                + "contacted: +1.0 a month (1), taken off. About 12 referrals more than without outreach, worth about "
                + "$1,500 at $250 per converted referral.");
        assertThat(view.rows()).extracting(OutreachReturnView.Row::after).containsExactly("9.0", "too early");
        assertThat(view.rows()).extracting(OutreachReturnView.Row::extra).containsExactly("+12.0", "–");
        assertThat(view.rows().get(0).name()).isEqualTo("Bayview Pediatrics");
    }

    @Test
    void oneMonthBeforeIsSaidInTheSingular() {
        OutreachReturnView view = new OutreachReturnView(new OutreachReturn(YearMonth.of(2026, 10),
                List.of(source("a", true, 4.0, 6.0, 2, 4.0, null)), List.of(), 2.0, null, 4.0, 0, 250.0, 1, 6));

        assertThat(view.summary()).contains("than in the 1 month before;");
    }

    @Test
    void withoutAComparisonOrAnyMonthAfterItSaysSo() {
        OutreachReturnView none = new OutreachReturnView(new OutreachReturn(YearMonth.of(2026, 10),
                List.of(source("b", true, 2.0, null, 0, null, null)), List.of(), null, null, 0, 0, 250.0, 3, 6));
        assertThat(none.summary()).isEqualTo("1 practice contacted; none has a final month after its first contact "
                + "yet: too early to tell.");

        OutreachReturnView alone = new OutreachReturnView(new OutreachReturn(YearMonth.of(2026, 10),
                List.of(source("a", true, 4.0, 3.0, 2, -2.0, null)), List.of(), -1.0, null, -2.0, 0, 250.0, 4, 12));
        assertThat(alone.summary()).isEqualTo("1 practice contacted, 1 with final months on both sides: 1.0 fewer "
                + "referrals a month each after the first contact than in the 4 months before; no flagged practice "
                + "went without contact to compare with, so the change is counted as it is. About 2 referrals fewer "
                + "than without outreach.");
    }
}
