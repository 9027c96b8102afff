package org.referralmonitor.app.api;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.metrics.baseline.FixedBaseline;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.stereotype.Service;

/**
 * Fixing a clinic's baseline as it was in a month that has ended, for {@code PUT /api/v1/clinics/{id}/baseline}
 * and the dashboard's form alike: the month is computed first when needed (on the calling thread),
 * then its baselines are frozen. Each refusal is an {@link InvalidRequestException} that says why.
 */
@Service
public class BaselineFixing {

    private final MonthlyMetricsRunner runner;
    private final FixedBaselines baselines;

    BaselineFixing(MonthlyMetricsRunner runner, FixedBaselines baselines) {
        this.runner = runner;
        this.baselines = baselines;
    }

    /**
     * @param asOf the month as YYYY-MM
     * @throws InvalidRequestException when asOf is missing, malformed or not over yet, or the month could not
     *     be computed
     */
    public FixedBaseline fix(String clinicId, String asOf) {
        if (asOf == null || asOf.isBlank()) {
            throw new InvalidRequestException("asOf is required, as YYYY-MM (for example 2026-01)");
        }
        YearMonth m = RequestParams.month(asOf, null);
        if (m.isAfter(runner.lastCompleteMonth(clinicId))) {
            throw new InvalidRequestException("asOf must be a month that has ended; got '" + asOf + "'");
        }
        MetricsJobRun run = runner.run(clinicId, m, m, false, "fixing the baseline as of " + m);
        if (!List.of("COMPLETED", "UP_TO_DATE").contains(run.status())) {
            throw new InvalidRequestException("could not compute " + m + " to fix its baseline: " + run.exitMessage());
        }
        try {
            return baselines.fix(clinicId, m, OffsetDateTime.now());
        } catch (IllegalStateException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
