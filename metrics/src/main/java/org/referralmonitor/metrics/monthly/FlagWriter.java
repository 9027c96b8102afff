package org.referralmonitor.metrics.monthly;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Records each practice's verdict on its month row and keeps its alerts in step: a flag in a month
 * open to alerts opens (or refreshes) one alert per kind; a kind a recompute no longer raises is
 * resolved, saying why; while the clinic's feed is suspect nothing is opened or resolved (held).
 * Idempotent: writing the same chunk twice leaves the same rows.
 */
@Component
class FlagWriter implements ItemWriter<Evaluation> {

    /**
     * The chunk's verdicts in one statement: its rows passed as arrays, one per column, and joined to
     * their practice rows, instead of one update per row (each a statement of its own for the
     * database to run). MERGE and multi-array UNNEST read the same on PostgreSQL and H2.
     */
    private static final String UPDATE_ROWS = """
            MERGE INTO source_month s
            USING (SELECT * FROM UNNEST(:clinicIds, :months, :orgKeys, :statuses, :pValues, :flags, :revenues)
                       AS u (clinic_id, month_start, org_key, status, p_value, flags, revenue)) v
            ON s.clinic_id = v.clinic_id AND s.month_start = v.month_start AND s.org_key = v.org_key
               AND s.practitioner_key = '*'
            WHEN MATCHED THEN UPDATE SET status = v.status, p_value = v.p_value, flags = v.flags,
                revenue_at_risk = v.revenue
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final AlertWriter alerts;
    private final Clock clock;
    private final MetricsProperties properties;

    FlagWriter(NamedParameterJdbcTemplate jdbc, AlertWriter alerts, Optional<Clock> clock,
            MetricsProperties properties) {
        this.jdbc = jdbc;
        this.alerts = alerts;
        this.clock = clock.orElse(Clock.systemUTC());
        this.properties = properties;
    }

    @Override
    public void write(Chunk<? extends Evaluation> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        int n = chunk.size();
        Object[] clinicIds = new Object[n];
        Object[] months = new Object[n];
        Object[] orgKeys = new Object[n];
        Object[] statuses = new Object[n];
        Object[] pValues = new Object[n];
        Object[] flags = new Object[n];
        Object[] revenues = new Object[n];
        // the alerts a recompute may resolve: most practices have none, so nothing is built for them
        Set<AlertWriter.Unresolved> unresolved = new HashSet<>();
        chunk.getItems().stream().collect(Collectors.groupingBy(e -> e.row().clinicId(),
                        Collectors.mapping(e -> e.row().month(), Collectors.toSet())))
                .forEach((clinicId, chunkMonths) -> unresolved.addAll(alerts.unresolved(clinicId, chunkMonths)));
        int i = 0;
        List<AlertWriter.Raise> raise = new ArrayList<>();
        List<AlertWriter.Resolve> resolve = new ArrayList<>();
        for (Evaluation e : chunk) {
            SourceMonth row = e.row();
            EnumSet<Flag.Kind> raised = e.flags().stream().map(Flag::kind)
                    .collect(Collectors.toCollection(() -> EnumSet.noneOf(Flag.Kind.class)));
            clinicIds[i] = row.clinicId();
            months[i] = row.month().atDay(1);
            orgKeys[i] = row.orgKey();
            statuses[i] = e.status().name();
            pValues[i] = e.pValue();
            flags[i] = raised.isEmpty() ? null : raised.stream().map(Enum::name).collect(Collectors.joining(","));
            revenues[i] = e.revenueAtRisk();
            i++;
            if (e.held()) {
                continue;
            }
            if (e.alertable()) {
                for (Flag f : e.flags()) {
                    raise.add(new AlertWriter.Raise(row.clinicId(), f.kind().name(), row.orgKey(), row.month(),
                            f.observed(), f.expected(), f.pValue(), f.explanation(), f.revenueAtRisk(), f.months()));
                }
            }
            for (Flag.Kind kind : EnumSet.complementOf(raised)) {
                if (unresolved.contains(new AlertWriter.Unresolved(kind.name(), row.orgKey(), row.month()))) {
                    resolve.add(new AlertWriter.Resolve(row.clinicId(), kind.name(), row.orgKey(), row.month(),
                            resolvedReason(kind, e)));
                }
            }
        }
        jdbc.getJdbcTemplate().execute((ConnectionCallback<Integer>) con -> jdbc.update(UPDATE_ROWS,
                new MapSqlParameterSource()
                        .addValue("clinicIds", con.createArrayOf("varchar", clinicIds))
                        .addValue("months", con.createArrayOf("date", months))
                        .addValue("orgKeys", con.createArrayOf("varchar", orgKeys))
                        .addValue("statuses", con.createArrayOf("varchar", statuses))
                        .addValue("pValues", con.createArrayOf("float8", pValues))
                        .addValue("flags", con.createArrayOf("varchar", flags))
                        .addValue("revenues", con.createArrayOf("float8", revenues))));
        alerts.raise(raise, now);
        // only alerts of the chunk's look-up above: no second look-up
        alerts.resolveUnresolved(resolve, now);
    }

    /**
     * Why an alert of a kind the recompute no longer raises is resolved: the figures that kind is
     * judged on, as recomputed. A slowdown or a source gone dark: the month's referrals against those
     * expected; a sustained decline: the recent months' together; a conversion collapse: the month's
     * referrals seen within its horizon against the source's usual rate; a reciprocity flip: what was
     * sent and received in the month, over the baseline months before it and in the month before.
     */
    String resolvedReason(Flag.Kind kind, Evaluation e) {
        SourceMonth row = e.row();
        String figures = switch (kind) {
            case SUSTAINED_DECLINE -> {
                int months = properties.sustainedMonths();
                yield row.recentExpected() == null ? null
                        : String.format(Locale.US, "%s from %s vs %s expected",
                                Wording.referrals(row.recentReferrals()), Wording.span(row.month().minusMonths(months - 1L), row.month()),
                                Wording.about(row.recentExpected()));
            }
            case CONVERSION_COLLAPSE -> String.format(Locale.US, "%d of %s in %s seen within %d days%s",
                    row.convertedHorizon(), Wording.referrals(row.referrals()), Wording.month(row.month()),
                    row.horizonDays(), row.baselineReferrals() == 0 ? ""
                            : " vs " + Wording.about(row.referrals() * (double) row.baselineConvertedHorizon()
                                    / row.baselineReferrals()) + " expected");
            case RECIPROCITY_FLIP -> {
                SourceMonth.Reciprocity before = row.previousReciprocity();
                yield String.format(Locale.US, "%d referrals sent and %d received in %s (%d and %d over the previous "
                                + "%d months%s)", row.sent(), row.referrals(), Wording.month(row.month()),
                        row.sentBefore(), row.receivedBefore(), properties.forClinic(row.clinicId()).baselineMonths(),
                        before == null ? "" : String.format(Locale.US, "; %d and %d in %s", before.sent(),
                                before.received(), Wording.month(row.month().minusMonths(1))));
            }
            case SLOWDOWN, GONE_DARK -> Wording.referrals(row.referrals())
                    + (e.expected() == null ? "" : " vs " + Wording.about(e.expected()) + " expected");
        };
        String what = kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return figures == null ? "Recomputed: no longer flagged as " + what + " (no baseline now)"
                : "Recomputed: " + figures + " is no longer flagged as " + what;
    }
}
