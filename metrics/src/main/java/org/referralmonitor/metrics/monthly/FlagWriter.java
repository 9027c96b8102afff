package org.referralmonitor.metrics.monthly;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;

/**
 * Records each practice's verdict on its month row and keeps alerts in step: a slowdown in a
 * complete month opens (or refreshes) one alert per practice and month; a month that is no
 * longer a slowdown after a recompute resolves its alert, saying why. Idempotent: writing the
 * same chunk twice leaves the same rows.
 */
@Component
class FlagWriter implements ItemWriter<Evaluation> {

    private static final String UPDATE_ROW = """
            UPDATE source_month SET status = :status, p_value = :pValue
            WHERE clinic_id = :clinicId AND month_start = :month AND org_key = :orgKey AND practitioner_key = '*'
            """;

    private static final String OPEN_ALERT = """
            MERGE INTO alert t
            USING (VALUES (CAST(:clinicId AS VARCHAR(64)), CAST(:orgKey AS VARCHAR(200)), CAST(:month AS DATE),
                           CAST(:observed AS INTEGER), CAST(:expected AS NUMERIC(12, 4)),
                           CAST(:pValue AS DOUBLE PRECISION), CAST(:explanation AS VARCHAR(1000)),
                           CAST(:now AS TIMESTAMP WITH TIME ZONE)))
                AS s (clinic_id, org_key, month_start, observed, expected, p_value, explanation, now_at)
            ON t.clinic_id = s.clinic_id AND t.kind = 'SLOWDOWN' AND t.org_key = s.org_key AND t.month_start = s.month_start
            WHEN MATCHED AND (t.observed <> s.observed OR t.expected <> s.expected OR t.status = 'RESOLVED'
                              OR t.explanation <> s.explanation) THEN UPDATE SET
                observed = s.observed, expected = s.expected, p_value = s.p_value, explanation = s.explanation,
                status = CASE WHEN t.status = 'RESOLVED' THEN 'OPEN' ELSE t.status END,
                resolved_reason = CASE WHEN t.status = 'RESOLVED' THEN NULL ELSE t.resolved_reason END,
                updated_at = s.now_at
            WHEN NOT MATCHED THEN INSERT (clinic_id, kind, org_key, month_start, observed, expected, p_value, explanation,
                                          status, created_at, updated_at)
                VALUES (s.clinic_id, 'SLOWDOWN', s.org_key, s.month_start, s.observed, s.expected, s.p_value, s.explanation,
                        'OPEN', s.now_at, s.now_at)
            """;

    private static final String RESOLVE_ALERT = """
            UPDATE alert SET status = 'RESOLVED', resolved_reason = :reason, updated_at = :now
            WHERE clinic_id = :clinicId AND kind = 'SLOWDOWN' AND org_key = :orgKey AND month_start = :month
              AND status <> 'RESOLVED'
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final EndpointDirectory directory;
    private final Clock clock;

    FlagWriter(NamedParameterJdbcTemplate jdbc, EndpointDirectory directory, Optional<Clock> clock) {
        this.jdbc = jdbc;
        this.directory = directory;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @Override
    public void write(Chunk<? extends Evaluation> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<SqlParameterSource> rows = new ArrayList<>();
        List<SqlParameterSource> open = new ArrayList<>();
        List<SqlParameterSource> resolve = new ArrayList<>();
        for (Evaluation e : chunk) {
            SourceMonth row = e.row();
            MapSqlParameterSource key = new MapSqlParameterSource()
                    .addValue("clinicId", row.clinicId())
                    .addValue("month", row.month().atDay(1))
                    .addValue("orgKey", row.orgKey())
                    .addValue("now", now);
            rows.add(new MapSqlParameterSource(key.getValues())
                    .addValue("status", e.status().name())
                    .addValue("pValue", e.pValue()));
            if (e.status() == Evaluation.Status.SLOWDOWN && isComplete(row.clinicId(), row.month())) {
                open.add(new MapSqlParameterSource(key.getValues())
                        .addValue("observed", row.referrals())
                        .addValue("expected", e.expected())
                        .addValue("pValue", e.pValue())
                        .addValue("explanation", e.explanation()));
            } else if (e.status() != Evaluation.Status.SLOWDOWN) {
                resolve.add(new MapSqlParameterSource(key.getValues())
                        .addValue("reason", String.format(Locale.US, "Recomputed: %d referrals%s is no longer a slowdown",
                                row.referrals(), e.expected() == null ? "" : String.format(Locale.US,
                                        " vs about %.0f expected", e.expected()))));
            }
        }
        jdbc.batchUpdate(UPDATE_ROW, rows.toArray(SqlParameterSource[]::new));
        if (!open.isEmpty()) {
            jdbc.batchUpdate(OPEN_ALERT, open.toArray(SqlParameterSource[]::new));
        }
        if (!resolve.isEmpty()) {
            jdbc.batchUpdate(RESOLVE_ALERT, resolve.toArray(SqlParameterSource[]::new));
        }
    }

    /** Alerts are raised on complete months only: the month in progress is provisional. */
    private boolean isComplete(String clinicId, YearMonth month) {
        ZoneId zone = directory.clinic(clinicId).map(Clinic::timeZone).orElse(ZoneId.of("UTC"));
        return month.isBefore(YearMonth.now(clock.withZone(zone)));
    }
}
