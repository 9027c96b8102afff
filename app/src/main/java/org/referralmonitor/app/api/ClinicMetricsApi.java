package org.referralmonitor.app.api;

import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.baseline.FixedBaseline;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.report.ProviderSummary;
import org.referralmonitor.metrics.report.SourceReport;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A clinic's referring providers, its feed check and its fixed baseline, month by month. */
@RestController
@RequestMapping("/api/v1/clinics/{clinic}")
class ClinicMetricsApi {

    private final EndpointDirectory directory;
    private final SourceReport report;
    private final FeedHealth feed;
    private final FixedBaselines baselines;
    private final MonthlyMetricsRunner runner;
    private final BaselineFixing fixing;

    ClinicMetricsApi(EndpointDirectory directory, SourceReport report, FeedHealth feed, FixedBaselines baselines,
            MonthlyMetricsRunner runner, BaselineFixing fixing) {
        this.directory = directory;
        this.report = report;
        this.feed = feed;
        this.baselines = baselines;
        this.runner = runner;
        this.fixing = fixing;
    }

    /** Referring providers in a month (default: last complete month), of one practice when {@code source} is given. */
    @GetMapping("/providers")
    List<ProviderSummary> providers(@PathVariable String clinic, @RequestParam(required = false) String month,
            @RequestParam(required = false) String source) {
        Clinic c = RequestParams.clinic(directory, clinic);
        YearMonth m = RequestParams.month(month, runner.lastCompleteMonth(c.id()));
        return report.providers(c.id(), m, source == null || source.isBlank() ? null : source);
    }

    /** Whether the month's feed could be trusted when it was last computed, with the evidence. */
    @GetMapping("/feed")
    FeedCheck feed(@PathVariable String clinic, @RequestParam(required = false) String month) {
        Clinic c = RequestParams.clinic(directory, clinic);
        YearMonth m = RequestParams.month(month, runner.lastCompleteMonth(c.id()));
        return feed.find(c.id(), m).orElseThrow(() -> new NotFoundException("No figures for " + m + " at clinic '"
                + c.id() + "' yet"));
    }

    @GetMapping("/baseline")
    FixedBaseline baseline(@PathVariable String clinic) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return baselines.find(c.id()).orElseThrow(() -> new NotFoundException("No baseline fixed for clinic '"
                + c.id() + "'"));
    }

    /**
     * Fixes the clinic's baseline as it was in {@code asOf} (YYYY-MM, a month that has ended),
     * computing that month first if needed; every month is then compared with it too.
     */
    @PutMapping("/baseline")
    FixedBaseline fix(@PathVariable String clinic, @RequestParam(required = false) String asOf) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return fixing.fix(c.id(), asOf);
    }

    @DeleteMapping("/baseline")
    ResponseEntity<Void> clear(@PathVariable String clinic) {
        Clinic c = RequestParams.clinic(directory, clinic);
        if (!baselines.clear(c.id())) {
            throw new NotFoundException("No baseline fixed for clinic '" + c.id() + "'");
        }
        return ResponseEntity.noContent().build();
    }
}
