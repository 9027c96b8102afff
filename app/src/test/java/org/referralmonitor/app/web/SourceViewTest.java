package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.alert.AlertLabel;
import org.referralmonitor.metrics.report.SourceSummary;

/** A source's month as its table row and detail page show it. */
class SourceViewTest {

    static SourceSummary source(String orgKey, String name, int referrals, int converted,
            SourceSummary.NotConverted notConverted, List<String> flags) {
        return new SourceSummary(orgKey, name, "1234567893", referrals, converted,
                referrals == 0 ? null : converted / (double) referrals, 10.0, 14, "SLOWDOWN", 0.01, 3,
                List.of(9, 11, 10, 6), false, 18, 12.5, 30.0, notConverted, 5,
                referrals == 0 ? null : 5 / (double) referrals, 9.5, 1.0526, 0.7, 8.2, flags, 812.5);
    }

    @Test
    void whatBecameOfTheReferralsAddsUpToThemInTheBarsOrder() {
        Map<String, Integer> reasons = new LinkedHashMap<>();
        reasons.put("not given", 1);
        reasons.put("Patient declined", 2);
        SourceView view = SourceView.of(source("npi:1234567893", "Lakeside Family Practice", 20, 10,
                new SourceSummary.NotConverted(3, reasons, 2, 1, 4), List.of("SLOWDOWN", "RECIPROCITY_FLIP")));

        assertThat(view.outcome()).extracting(SourceView.Outcome::kind)
                .containsExactly("converted", "cancelled", "visit-missed", "no-visit", "waiting");
        assertThat(view.outcome()).extracting(SourceView.Outcome::count).containsExactly(10, 3, 2, 4, 1);
        assertThat(view.outcome()).extracting(SourceView.Outcome::share).containsExactly("50%", "15%", "10%", "20%", "5%");
        assertThat(view.outcome()).extracting(SourceView.Outcome::width)
                .containsExactly("50.0", "15.0", "10.0", "20.0", "5.0");
        assertThat(view.outcomeText()).isEqualTo("10 converted, 3 cancelled, 2 visit missed, 4 no visit, 1 waiting");
        assertThat(view.cancelReasons()).containsExactly(new SourceView.Reason("Patient declined", 2),
                new SourceView.Reason("not given", 1));
    }

    @Test
    void flagsGetReadableLabelsAndNumbersAreFormatted() {
        SourceView view = SourceView.of(source("npi:1234567893", "Lakeside Family Practice", 4, 1,
                new SourceSummary.NotConverted(0, Map.of(), 0, 3, 0), List.of("SLOWDOWN", "GONE_DARK",
                        "SUSTAINED_DECLINE", "CONVERSION_COLLAPSE", "RECIPROCITY_FLIP", "SOMETHING_NEW")));

        assertThat(view.flags()).extracting(AlertLabel::label).containsExactly("Slowdown", "Gone dark",
                "Sustained decline", "Conversion collapse", "Reciprocity flip", "Something new");
        assertThat(view.flags().get(0).meaning()).isNotBlank();
        assertThat(view.baseline()).isEqualTo("10.0");
        assertThat(view.fixedBaseline()).isEqualTo("8.2");
        assertThat(view.change()).isEqualTo("-60%");
        assertThat(view.fixedChange()).isEqualTo("-51%");
        assertThat(view.conversion()).isEqualTo("25%");
        assertThat(view.baselineConversion()).isEqualTo("70%");
        assertThat(view.medianDays()).isEqualTo("12.5 days");
        assertThat(view.p90Days()).isEqualTo("30 days");
        assertThat(view.ratio()).isEqualTo("1.25");
        assertThat(view.revenueAtRisk()).isEqualTo("$813");
        assertThat(view.seasonalFactor()).isEqualTo("1.05");
        assertThat(view.slowdown()).isTrue();
        assertThat(view.outcomeText()).isEqualTo("1 converted, 3 waiting");
    }

    @Test
    void unattributedAndUnnamedSourcesAndAMonthWithoutReferrals() {
        SourceView unknown = SourceView.of(source("unknown", null, 0, 0,
                new SourceSummary.NotConverted(0, Map.of(), 0, 0, 0), List.of()));
        SourceView unnamed = SourceView.of(source("sandbox/Organization/x", null, 2, 2,
                new SourceSummary.NotConverted(0, Map.of(), 0, 0, 0), List.of()));

        assertThat(unknown.name()).isEqualTo("Unattributed referrals");
        assertThat(unknown.outcomeText()).isEqualTo("no referrals");
        assertThat(unknown.outcome()).extracting(SourceView.Outcome::width).containsOnly("0.0");
        assertThat(unknown.conversion()).isEqualTo("–");
        assertThat(unknown.ratio()).isEqualTo("–");
        assertThat(unnamed.name()).isEqualTo("sandbox/Organization/x");
    }
}
