package org.referralmonitor.app.api;

import java.security.Principal;
import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Running the monthly metrics job on demand, and its history. */
@RestController
@RequestMapping("/api/v1/jobs/monthly-metrics")
class JobsApi {

    private final MonthlyMetricsRunner runner;
    private final EndpointDirectory directory;

    JobsApi(MonthlyMetricsRunner runner, EndpointDirectory directory) {
        this.runner = runner;
        this.directory = directory;
    }

    /**
     * Queues the month for every clinic, or for one; with {@code from}, every month from {@code from}
     * to {@code month} in one run per clinic (a full recompute reads each referral once). Unchanged
     * data is not computed twice unless {@code recompute=true}.
     */
    @PostMapping
    ResponseEntity<List<MetricsJobRun>> start(@RequestParam(required = false) String month,
            @RequestParam(required = false) String from, @RequestParam(required = false) String clinic,
            @RequestParam(defaultValue = "false") boolean recompute, Principal user) {
        if (month == null || month.isBlank()) {
            throw new InvalidRequestException("month is required, as YYYY-MM (for example 2026-10)");
        }
        List<Clinic> clinics = clinic == null || clinic.isBlank() ? directory.clinics()
                : List.of(RequestParams.clinic(directory, clinic));
        YearMonth m = RequestParams.month(month, null);
        YearMonth first = from == null || from.isBlank() ? m : RequestParams.month(from, null);
        if (first.isAfter(m)) {
            throw new InvalidRequestException("from (" + first + ") must not be after month (" + m + ")");
        }
        List<MetricsJobRun> queued = clinics.stream().map(c -> runner.submit(c.id(), first, m, recompute,
                (recompute ? "recompute" : "run") + " by " + RequestParams.user(user) + " (API)")).toList();
        return ResponseEntity.accepted().body(queued);
    }

    @GetMapping
    List<MetricsJobRun> history(@RequestParam(required = false) String clinic,
            @RequestParam(defaultValue = "50") int limit) {
        if (clinic != null && !clinic.isBlank()) {
            RequestParams.clinic(directory, clinic);
        }
        return runner.queuedAndRecent(clinic == null || clinic.isBlank() ? null : clinic,
                Math.max(1, Math.min(limit, 500)));
    }
}
