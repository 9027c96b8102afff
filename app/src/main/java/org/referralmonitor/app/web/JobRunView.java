package org.referralmonitor.app.web;

import java.time.YearMonth;
import java.util.Set;
import org.referralmonitor.metrics.monthly.MetricsJobRun;

/** A run of the monthly metrics job as the clinic page lists it. */
record JobRunView(MetricsJobRun run) {

    private static final Set<String> FAILED = Set.of("FAILED", "STOPPED", "ABANDONED", "UNKNOWN", "NOT_STARTED");
    private static final Set<String> DONE = Set.of("COMPLETED", "UP_TO_DATE");

    /**
     * "October 2026"; "November 2023 – October 2026" for a run over several months (a full
     * recompute); the stored value when it is neither.
     */
    public String month() {
        try {
            YearMonth first = run.firstMonth();
            YearMonth last = run.lastMonth();
            return first.equals(last) ? Format.month(last) : Format.month(first) + " – " + Format.month(last);
        } catch (RuntimeException e) {
            return run.month();
        }
    }

    /** Waiting in the queue: not started yet, no execution. */
    public boolean queued() {
        return "QUEUED".equals(run.status());
    }

    public boolean failed() {
        return FAILED.contains(run.status());
    }

    /** The badge class: good when done, bad when it failed, warn while it runs. */
    public String statusClass() {
        return DONE.contains(run.status()) ? "good" : failed() ? "bad" : "warn";
    }

    public String started() {
        return Format.time(run.startTime());
    }

    public String finished() {
        return Format.time(run.endTime());
    }

    /** How long it took; "running" while it runs. */
    public String duration() {
        if (run.startTime() != null && run.endTime() == null) {
            return "running";
        }
        return Format.duration(run.startTime(), run.endTime());
    }
}
