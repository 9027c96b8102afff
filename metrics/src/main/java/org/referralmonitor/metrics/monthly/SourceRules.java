package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.referralmonitor.metrics.MetricsProperties;
import org.springframework.stereotype.Component;

/**
 * Decides what a referring practice's month means, from its aggregated row.
 *
 * <ul>
 * <li>SLOWDOWN: observed at least drop-threshold below expected, a one-sided test (Poisson mid-p;
 * negative binomial mid-p when the source's baseline months are clearly overdispersed, at
 * dispersion-alpha, see {@link Dispersion}) puts a month this low under alpha, and at least min-expected were expected.
 * With two-month-slowdown, also: this month and the one before each at least drop-threshold below
 * expected (at least min-expected each), the month before not a slowdown on its own, and the same
 * test on their sum under alpha; a drop that lasts two months and that neither month shows alone. The month before comes as computed; without
 * it (not computed, no baseline, feed suspect) only this month is judged.</li>
 * <li>GONE_DARK: no referral for gone-dark-days (up to the end of the month, or today in a month in
 * progress) from a source expected to send at least gone-dark-min-expected this month (its average
 * month x this calendar month's seasonal factor, over the whole month); the chance of the silence at
 * that rate.</li>
 * <li>SUSTAINED_DECLINE: each of the last sustained-months months at least sustained-drop below its
 * expected count, and the months together significantly so (the same test on their sum), at least
 * min-expected a month expected.</li>
 * <li>CONVERSION_COLLAPSE: of this month's referrals, fewer seen within the horizon (every referral
 * of the month has had that long) than the source's baseline months at the same horizon: at least
 * drop-threshold lower, one-sided binomial mid-p under alpha, at least min-expected conversions
 * expected.</li>
 * <li>RECIPROCITY_FLIP: we sent the practice at least reciprocity-ratio times what it sent us (and at
 * least min-expected), after baseline months in which it sent us at least as many as we sent it; and
 * the month before did not meet this already (a flip is told in the month it happens, not again in
 * each month it lasts). The month before's feed suspect: this month is judged alone.</li>
 * </ul>
 * At most one volume flag is kept per month, the most specific: gone dark, then slowdown, then
 * sustained decline. New sources (no baseline) are never flagged.
 */
@Component
class SourceRules {

    /** Days in an average month, to turn a monthly rate into a daily one. */
    private static final double DAYS_PER_MONTH = 365.25 / 12;

    /** Fewer days than this since the month ended and conversion is not judged yet. */
    static final int MIN_HORIZON_DAYS = 7;

    private final MetricsProperties properties;

    SourceRules(MetricsProperties properties) {
        this.properties = properties;
    }

    Evaluation evaluate(SourceMonth row, MonthContext ctx, boolean feedSuspect) {
        boolean alertable = ctx.alertable() && !feedSuspect;
        boolean held = ctx.alertable() && feedSuspect;
        if (row.baseline() == null || row.average() == null) {
            return new Evaluation(row, Evaluation.Status.NEW, null, null, List.of(), alertable, held);
        }
        double expected = row.baseline() * row.exposure();
        double shape = shape(row, ctx);
        double p = NegativeBinomial.lowerTailMidP(row.referrals(), expected, shape);
        boolean overdispersed = !Double.isInfinite(shape);

        List<Flag> volume = new ArrayList<>();
        goneDark(row, ctx, expected, p).ifPresent(volume::add);
        if (expected >= properties.minExpected() && expected > 0
                && 1 - row.referrals() / expected >= properties.dropThreshold() && p < properties.alpha()) {
            volume.add(slowdown(row, ctx, expected, p, overdispersed));
        }
        twoMonthSlowdown(row, ctx, expected, shape).ifPresent(volume::add);
        sustainedDecline(row, ctx, shape).ifPresent(volume::add);

        List<Flag> flags = new ArrayList<>();
        if (!volume.isEmpty()) {
            flags.add(volume.get(0));
        }
        conversionCollapse(row, ctx).ifPresent(flags::add);
        reciprocityFlip(row, ctx).ifPresent(flags::add);

        Evaluation.Status status = !volume.isEmpty() ? Evaluation.Status.SLOWDOWN
                : expected < properties.minExpected() ? Evaluation.Status.LOW_VOLUME : Evaluation.Status.STEADY;
        return new Evaluation(row, status, expected, p, flags, alertable, held);
    }

    /**
     * Negative binomial shape from the baseline months when they are overdispersed, else infinite
     * (Poisson). A trimmed baseline's variance is that of the trimmed months: scaled back first.
     */
    private double shape(SourceMonth row, MonthContext ctx) {
        double variance = row.variance() == null ? 0 : row.variance();
        int months = row.historyMonths();
        boolean trimmed = ctx.settings().trimBaseline() && months >= 5;
        boolean overdispersed = trimmed
                ? Dispersion.overdispersedTrimmed(months, row.average(), variance, properties.dispersionAlpha())
                : Dispersion.overdispersed(months, row.average(), variance, properties.dispersionAlpha());
        if (!overdispersed) {
            return Double.POSITIVE_INFINITY;
        }
        return NegativeBinomial.shape(row.average(), trimmed ? Dispersion.untrimmedVariance(months, variance) : variance);
    }

    private Optional<Flag> goneDark(SourceMonth row, MonthContext ctx, double expected, double p) {
        // this month's expected referrals, the whole month's: not the average with the season taken out
        double monthly = row.baseline();
        if (row.lastReferralDate() == null || monthly < properties.goneDarkMinExpected()) {
            return Optional.empty();
        }
        LocalDate reference = ctx.complete() ? ctx.month().atEndOfMonth() : ctx.asOf();
        long silent = ChronoUnit.DAYS.between(row.lastReferralDate(), reference);
        if (silent < properties.goneDarkDays()) {
            return Optional.empty();
        }
        double silenceChance = Math.exp(-monthly * silent / DAYS_PER_MONTH);
        Double revenue = revenue(row, ctx, expected - row.referrals());
        String text = String.format(Locale.US, "%s: %s in %s vs %s expected, and none in the %d days since the last "
                        + "on %s (%s a month %s); a silence this long happens by chance %s.%s",
                Wording.who(row), Wording.referrals(row.referrals()), monthPhrase(ctx), Wording.about(expected),
                silent, Wording.day(row.lastReferralDate()), Wording.about(monthly),
                Math.abs(row.seasonalFactor() - 1) >= 0.02 ? "at this time of year" : "before",
                Wording.chance(silenceChance), revenueSentence(row, ctx, expected - row.referrals(), revenue));
        return Optional.of(new Flag(Flag.Kind.GONE_DARK, row.referrals(), expected,
                Math.min(p, silenceChance), text, revenue));
    }

    private Flag slowdown(SourceMonth row, MonthContext ctx, double expected, double p, boolean overdispersed) {
        Double revenue = revenue(row, ctx, expected - row.referrals());
        String text = String.format(Locale.US, "%s: %s in %s vs %s expected (%s); a drop this large happens by "
                        + "chance %s%s.%s",
                Wording.who(row), Wording.referrals(row.referrals()), monthPhrase(ctx), Wording.about(expected),
                basis(row, ctx), Wording.chance(p),
                overdispersed ? ", allowing for how much this source varies from month to month" : "",
                revenueSentence(row, ctx, expected - row.referrals(), revenue));
        return new Flag(Flag.Kind.SLOWDOWN, row.referrals(), expected, p, text, revenue);
    }

    private Optional<Flag> twoMonthSlowdown(SourceMonth row, MonthContext ctx, double expected, double shape) {
        Integer before = row.previousReferrals();
        Double beforeExpected = row.previousExpected();
        if (!properties.twoMonthSlowdown() || before == null || beforeExpected == null
                || expected < properties.minExpected() || beforeExpected < properties.minExpected()
                || 1 - row.referrals() / expected < properties.dropThreshold()
                || 1 - before / beforeExpected < properties.dropThreshold()
                // the month before was a slowdown on its own: flagged then, not counted again now
                || NegativeBinomial.lowerTailMidP(before, beforeExpected, shape) < properties.alpha()) {
            return Optional.empty();
        }
        int observed = before + row.referrals();
        double pooled = beforeExpected + expected;
        double p = NegativeBinomial.lowerTailMidP(observed, pooled, shape * 2);
        if (p >= properties.alpha()) {
            return Optional.empty();
        }
        double lost = pooled - observed;
        Double revenue = revenue(row, ctx, lost);
        YearMonth first = ctx.month().minusMonths(1);
        String text = String.format(Locale.US, "%s: %s in %s and %s (%d and %d) vs %s expected (%s and %s, each "
                        + "month against its own baseline%s); each month at least %s below, and a drop this large "
                        + "over two months happens by chance %s%s.%s",
                Wording.who(row), Wording.referrals(observed),
                first.getYear() == ctx.month().getYear() ? Wording.monthName(first) : Wording.month(first),
                monthPhrase(ctx), before, row.referrals(), Wording.about(pooled), Wording.amount(beforeExpected),
                Wording.amount(expected), ctx.complete() ? "" : ", this one as far as it has gone",
                Wording.percent(properties.dropThreshold()), Wording.chance(p),
                Double.isInfinite(shape) ? "" : ", allowing for how much this source varies from month to month",
                revenueSentence(row, ctx, lost, revenue));
        return Optional.of(new Flag(Flag.Kind.SLOWDOWN, observed, pooled, p, text, revenue, 2));
    }

    private Optional<Flag> sustainedDecline(SourceMonth row, MonthContext ctx, double shape) {
        int months = properties.sustainedMonths();
        Double recentExpected = row.recentExpected();
        if (recentExpected == null || row.recentMonthsBelow() < months
                || row.average() * row.seasonalFactor() < properties.minExpected()) {
            return Optional.empty();
        }
        double drop = 1 - row.recentReferrals() / recentExpected;
        double p = NegativeBinomial.lowerTailMidP(row.recentReferrals(), recentExpected, shape * months);
        if (drop < properties.sustainedDrop() || p >= properties.alpha()) {
            return Optional.empty();
        }
        double lost = recentExpected - row.recentReferrals();
        Double revenue = revenue(row, ctx, lost);
        String span = Wording.span(ctx.month().minusMonths(months - 1L), ctx.month());
        String text = String.format(Locale.US, "%s: at least %s below expected %d months running, %s from %s vs %s "
                        + "expected (%s fewer); a shortfall this large over %d months happens by chance %s.%s",
                Wording.who(row), Wording.percent(properties.sustainedDrop()), months, Wording.referrals(row.recentReferrals()), span, Wording.about(recentExpected),
                Wording.percent(drop), months, Wording.chance(p), revenueSentence(row, ctx, lost, revenue));
        return Optional.of(new Flag(Flag.Kind.SUSTAINED_DECLINE, row.recentReferrals(), recentExpected, p,
                text, revenue, months));
    }

    private Optional<Flag> conversionCollapse(SourceMonth row, MonthContext ctx) {
        int n = row.referrals();
        if (ctx.horizonDays() < MIN_HORIZON_DAYS || n == 0 || row.baselineReferrals() == 0) {
            return Optional.empty();
        }
        double usual = row.baselineConvertedHorizon() / (double) row.baselineReferrals();
        double expected = n * usual;
        int seen = row.convertedHorizon();
        if (expected < properties.minExpected() || 1 - seen / expected < properties.dropThreshold()) {
            return Optional.empty();
        }
        double p = Binomial.lowerTailMidP(seen, n, usual);
        if (p >= properties.alpha()) {
            return Optional.empty();
        }
        double lost = expected - seen;
        double value = ctx.settings().valuePerConversion();
        Double revenue = value > 0 ? lost * value : null;
        // the others, one outcome each: seen after the horizon (within the window), or not converted and why
        String text = String.format(Locale.US, "%s: %d of %s in %s were seen within %d days (%s), vs %s usually "
                        + "within that time (%s expected); a rate this low happens by chance %s. Of the %d not seen "
                        + "within %d days: %s.%s",
                Wording.who(row), seen, Wording.referrals(n), Wording.month(ctx.month()), ctx.horizonDays(),
                Wording.percent(seen / (double) n), Wording.percent(usual), Wording.about(expected), Wording.chance(p),
                n - seen, ctx.horizonDays(), reasons(row, row.converted() - seen), revenue == null ? "" : String.format(Locale.US, " Revenue at risk: about %s (%s fewer "
                        + "visits x %s).", Wording.money(revenue), Wording.amount(lost),
                        Wording.money(value)));
        return Optional.of(new Flag(Flag.Kind.CONVERSION_COLLAPSE, seen, expected, p, text, revenue));
    }

    private Optional<Flag> reciprocityFlip(SourceMonth row, MonthContext ctx) {
        SourceMonth.Reciprocity before = row.previousReciprocity();
        if (!runsOneWayNow(row.reciprocity()) || (before != null && runsOneWayNow(before))) {
            return Optional.empty();
        }
        int sent = row.sent();
        String text = String.format(Locale.US, "%s: we sent them %s in %s and received %d; over the previous %d "
                        + "months we sent %d and received %d. The relationship now runs mostly one way.",
                Wording.who(row), Wording.referrals(sent), Wording.month(ctx.month()), row.referrals(),
                ctx.settings().baselineMonths(), row.sentBefore(), row.receivedBefore());
        return Optional.of(new Flag(Flag.Kind.RECIPROCITY_FLIP, sent, row.referrals(), null, text, null));
    }

    /**
     * Whether a month meets the reciprocity test: we sent clearly more than we received, after baseline
     * months in which the practice sent us at least as many as we sent it.
     */
    private boolean runsOneWayNow(SourceMonth.Reciprocity r) {
        boolean clearlyMore = r.sent() >= properties.minExpected() && r.sent() >= properties.reciprocityRatio() * r.received();
        boolean wasBalanced = r.receivedBefore() > 0 && r.sentBefore() <= r.receivedBefore();
        return clearlyMore && wasBalanced;
    }

    /** Lost referrals x the source's conversion rate x value per converted referral; null without a rate or value. */
    private static Double revenue(SourceMonth row, MonthContext ctx, double lostReferrals) {
        double value = ctx.settings().valuePerConversion();
        if (row.baselineConversion() == null || value <= 0 || lostReferrals <= 0) {
            return null;
        }
        return lostReferrals * row.baselineConversion() * value;
    }

    private static String revenueSentence(SourceMonth row, MonthContext ctx, double lost, Double revenue) {
        if (revenue == null) {
            return "";
        }
        return String.format(Locale.US, " Revenue at risk: about %s (%s fewer referrals x %s converted x %s).",
                Wording.money(revenue), Wording.amount(lost), Wording.percent(row.baselineConversion()),
                Wording.money(ctx.settings().valuePerConversion()));
    }

    /** How the expected figure was made, in words. */
    private String basis(SourceMonth row, MonthContext ctx) {
        int months = row.historyMonths();
        boolean trimmed = ctx.settings().trimBaseline() && months >= 4;
        String basis = (trimmed ? "average of the previous " + months + " months without the highest and lowest"
                : "average of the previous " + months + " months");
        double season = row.seasonalFactor() - 1;
        if (Math.abs(season) >= 0.02) {
            basis += String.format(Locale.US, "; %s is usually %s %s average", Wording.monthName(ctx.month()),
                    Wording.percent(Math.abs(season)), season > 0 ? "above" : "below");
        }
        if (!ctx.complete()) {
            basis += String.format(Locale.US, "; %s of the month has passed", Wording.percent(row.exposure()));
        }
        return basis;
    }

    private static String monthPhrase(MonthContext ctx) {
        return ctx.complete() ? Wording.month(ctx.month()) : Wording.month(ctx.month()) + " so far";
    }

    /** The outcomes of the referrals not seen within the horizon: seen later, and why the others did not convert. */
    private static String reasons(SourceMonth row, int seenLater) {
        List<String> parts = new ArrayList<>();
        if (seenLater > 0) {
            parts.add(seenLater + " seen later");
        }
        if (row.cancelled() > 0) {
            parts.add(row.cancelled() + " cancelled");
        }
        if (row.visitMissed() > 0) {
            parts.add(row.visitMissed() + " missed a booked visit");
        }
        if (row.waiting() > 0) {
            parts.add(row.waiting() + " still within the window");
        }
        if (row.noVisit() > 0) {
            parts.add(row.noVisit() + " no visit within the window");
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
