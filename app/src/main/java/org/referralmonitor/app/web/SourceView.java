package org.referralmonitor.app.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.referralmonitor.metrics.alert.AlertLabel;
import org.referralmonitor.metrics.report.SourceSummary;

/**
 * A referring practice's month as the dashboard shows it: its row in the sources table and its
 * detail page, numbers formatted for people.
 *
 * @param outcome what became of the month's referrals, in the order the bar shows them
 * @param flags the alert kinds raised for the month, with readable labels
 */
record SourceView(SourceSummary source, String sparkline, List<Outcome> outcome, List<AlertLabel> flags) {

    /**
     * One part of what became of the referrals.
     *
     * @param kind a CSS-friendly key: converted, cancelled, visit-missed, no-visit, waiting
     * @param share of the referrals, e.g. "25%"
     * @param width of the stacked bar, in percent with one decimal (Locale.ROOT)
     */
    record Outcome(String kind, String label, int count, String share, String width) {
    }

    /** Cancelled referrals that gave one reason. */
    record Reason(String reason, int count) {
    }

    static SourceView of(SourceSummary s) {
        return new SourceView(s, Sparkline.points(s.trend()), outcome(s), s.flags().stream().map(SourceView::flag)
                .toList());
    }

    /** Readable label of an alert kind; an unknown code is shown as words ("NEW_KIND" as "New kind"). */
    static AlertLabel flag(String code) {
        return AlertLabel.of(code);
    }

    static List<Outcome> outcome(SourceSummary s) {
        SourceSummary.NotConverted n = s.notConverted();
        int[] counts = {s.converted(), n.cancelled(), n.visitMissed(), n.noVisit(), n.waiting()};
        String[] kinds = {"converted", "cancelled", "visit-missed", "no-visit", "waiting"};
        String[] labels = {"Converted", "Cancelled", "Visit missed", "No visit", "Waiting"};
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        List<Outcome> parts = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            double share = total == 0 ? 0 : counts[i] / (double) total;
            parts.add(new Outcome(kinds[i], labels[i], counts[i], Format.percent(share),
                    String.format(Locale.ROOT, "%.1f", share * 100)));
        }
        return parts;
    }

    /** "Unattributed referrals" for the unknown source, else its name, else its key. */
    public String name() {
        return source.displayName();
    }

    public boolean slowdown() {
        return "SLOWDOWN".equals(source.status());
    }

    /** The status as a label: "LOW VOLUME" for LOW_VOLUME. */
    public String status() {
        return source.status() == null ? "" : source.status().replace('_', ' ');
    }

    public String baseline() {
        return Format.expected(source.baseline());
    }

    public String fixedBaseline() {
        return Format.expected(source.fixedBaseline());
    }

    public String change() {
        return Format.change(source.referrals(), source.baseline());
    }

    public String fixedChange() {
        return Format.change(source.referrals(), source.fixedBaseline());
    }

    public String conversion() {
        return Format.percent(source.conversionRate());
    }

    public String baselineConversion() {
        return Format.percent(source.baselineConversion());
    }

    public String baselineAverage() {
        return Format.expected(source.baselineAverage());
    }

    /** "1.07". */
    public String seasonalFactor() {
        return String.format(Locale.US, "%.2f", source.seasonalFactor());
    }

    public String medianDays() {
        return Format.days(source.medianDaysToVisit());
    }

    public String p90Days() {
        return Format.days(source.p90DaysToVisit());
    }

    public String ratio() {
        return Format.ratio(source.sentReceivedRatio());
    }

    public String revenueAtRisk() {
        return Format.money(source.revenueAtRisk());
    }

    /** The cancelled referrals by reason, most frequent first. */
    public List<Reason> cancelReasons() {
        return source.notConverted().cancelReasons().entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(e -> new Reason(e.getKey(), e.getValue()))
                .toList();
    }

    /** "8 converted, 1 cancelled, ..." for the bar's tooltip and screen readers; parts with none left out. */
    public String outcomeText() {
        List<String> parts = outcome.stream().filter(o -> o.count() > 0)
                .map(o -> o.count() + " " + o.label().toLowerCase(Locale.ROOT)).toList();
        return parts.isEmpty() ? "no referrals" : String.join(", ", parts);
    }
}
