package org.referralmonitor.metrics.monthly;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.referralmonitor.metrics.alert.AlertWriter;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;

/**
 * Records each practice's verdict on its month row and keeps its alerts in step: a flag in a month
 * open to alerts opens (or refreshes) one alert per kind; a kind a recompute no longer raises is
 * resolved, saying why; while the clinic's feed is suspect nothing is opened or resolved (held).
 * Idempotent: writing the same chunk twice leaves the same rows.
 */
@Component
class FlagWriter implements ItemWriter<Evaluation> {

    private static final String UPDATE_ROW = """
            UPDATE source_month SET status = :status, p_value = :pValue, flags = :flags, revenue_at_risk = :revenue
            WHERE clinic_id = :clinicId AND month_start = :month AND org_key = :orgKey AND practitioner_key = '*'
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final AlertWriter alerts;
    private final Clock clock;

    FlagWriter(NamedParameterJdbcTemplate jdbc, AlertWriter alerts, Optional<Clock> clock) {
        this.jdbc = jdbc;
        this.alerts = alerts;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @Override
    public void write(Chunk<? extends Evaluation> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<SqlParameterSource> rows = new ArrayList<>();
        List<AlertWriter.Raise> raise = new ArrayList<>();
        List<AlertWriter.Resolve> resolve = new ArrayList<>();
        for (Evaluation e : chunk) {
            SourceMonth row = e.row();
            EnumSet<Flag.Kind> raised = e.flags().stream().map(Flag::kind)
                    .collect(Collectors.toCollection(() -> EnumSet.noneOf(Flag.Kind.class)));
            rows.add(new MapSqlParameterSource()
                    .addValue("clinicId", row.clinicId())
                    .addValue("month", row.month().atDay(1))
                    .addValue("orgKey", row.orgKey())
                    .addValue("status", e.status().name())
                    .addValue("pValue", e.pValue())
                    .addValue("flags", raised.isEmpty() ? null
                            : raised.stream().map(Enum::name).collect(Collectors.joining(",")))
                    .addValue("revenue", e.revenueAtRisk()));
            if (e.held()) {
                continue;
            }
            if (e.alertable()) {
                for (Flag f : e.flags()) {
                    raise.add(new AlertWriter.Raise(row.clinicId(), f.kind().name(), row.orgKey(), row.month(),
                            f.observed(), f.expected(), f.pValue(), f.explanation(), f.revenueAtRisk()));
                }
            }
            for (Flag.Kind kind : EnumSet.complementOf(raised)) {
                resolve.add(new AlertWriter.Resolve(row.clinicId(), kind.name(), row.orgKey(), row.month(),
                        String.format(Locale.US, "Recomputed: %d referrals%s is no longer flagged as %s",
                                row.referrals(), e.expected() == null ? "" : " vs " + Wording.about(e.expected())
                                        + " expected", kind.name().toLowerCase(Locale.ROOT).replace('_', ' '))));
            }
        }
        jdbc.batchUpdate(UPDATE_ROW, rows.toArray(SqlParameterSource[]::new));
        alerts.raise(raise, now);
        alerts.resolve(resolve, now);
    }
}
