package org.referralmonitor.metrics.baseline;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Fixing a clinic's baseline at a month: a copy of each source's baseline as computed for that
 * month (trimmed average month, seasonality removed, and its conversion rate), kept until fixed
 * again or cleared. Reports multiply it by each month's seasonal factor.
 */
@Service
public class FixedBaselines {

    private final JdbcClient jdbc;

    FixedBaselines(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Freezes the baselines the month was computed with.
     *
     * @throws IllegalStateException when the month has not been computed for the clinic
     */
    @Transactional
    public FixedBaseline fix(String clinicId, YearMonth asOf, OffsetDateTime at) {
        boolean computed = jdbc.sql("SELECT COUNT(*) FROM source_month WHERE clinic_id = :clinic AND month_start = :month")
                .param("clinic", clinicId).param("month", asOf.atDay(1)).query(Integer.class).single() > 0;
        if (!computed) {
            throw new IllegalStateException("No figures for " + asOf + " at clinic '" + clinicId
                    + "' yet: compute the month first");
        }
        jdbc.sql("DELETE FROM fixed_baseline_source WHERE clinic_id = :clinic").param("clinic", clinicId).update();
        jdbc.sql("DELETE FROM fixed_baseline WHERE clinic_id = :clinic").param("clinic", clinicId).update();
        jdbc.sql("INSERT INTO fixed_baseline (clinic_id, as_of_month, fixed_at) VALUES (:clinic, :month, :at)")
                .param("clinic", clinicId).param("month", asOf.atDay(1)).param("at", at).update();
        jdbc.sql("""
                INSERT INTO fixed_baseline_source (clinic_id, org_key, practitioner_key, average, conversion)
                SELECT clinic_id, org_key, practitioner_key, baseline_average, baseline_conversion FROM source_month
                WHERE clinic_id = :clinic AND month_start = :month AND baseline_average IS NOT NULL
                """).param("clinic", clinicId).param("month", asOf.atDay(1)).update();
        return find(clinicId).orElseThrow();
    }

    public Optional<FixedBaseline> find(String clinicId) {
        return jdbc.sql("""
                SELECT f.as_of_month, f.fixed_at,
                       (SELECT COUNT(*) FROM fixed_baseline_source s WHERE s.clinic_id = f.clinic_id) AS sources
                FROM fixed_baseline f WHERE f.clinic_id = :clinic
                """)
                .param("clinic", clinicId)
                .query((rs, n) -> new FixedBaseline(clinicId, YearMonth.from(rs.getObject(1, LocalDate.class)),
                        rs.getObject(2, OffsetDateTime.class), rs.getInt(3)))
                .optional();
    }

    /** @return whether there was one */
    @Transactional
    public boolean clear(String clinicId) {
        jdbc.sql("DELETE FROM fixed_baseline_source WHERE clinic_id = :clinic").param("clinic", clinicId).update();
        return jdbc.sql("DELETE FROM fixed_baseline WHERE clinic_id = :clinic").param("clinic", clinicId).update() > 0;
    }
}
