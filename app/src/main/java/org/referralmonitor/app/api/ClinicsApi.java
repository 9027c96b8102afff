package org.referralmonitor.app.api;

import java.time.YearMonth;
import java.util.List;
import org.referralmonitor.app.security.ClinicAccess;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** Clinics and their referral sources month by month. */
@RestController
@RequestMapping("/api/v1/clinics")
class ClinicsApi {

    record ClinicView(String id, String name, String timeZone, YearMonth lastCompleteMonth, int openAlerts) {
    }

    /**
     * @param provisional the month is not over yet in the clinic's time zone, or ended less than
     *     provisional-days ago: figures will still change and raise no alerts
     * @param computed whether the monthly job has run for this month
     * @param feed whether the clinic's feed could be trusted for the month (null until computed)
     */
    record SourcesView(String clinicId, YearMonth month, boolean provisional, boolean computed,
            List<SourceSummary> sources, FeedCheck feed) {
    }

    private final EndpointDirectory directory;
    private final SourceReport report;
    private final Alerts alerts;
    private final MonthlyMetricsRunner runner;
    private final FeedHealth feedHealth;

    ClinicsApi(EndpointDirectory directory, SourceReport report, Alerts alerts, MonthlyMetricsRunner runner,
            FeedHealth feedHealth) {
        this.feedHealth = feedHealth;
        this.directory = directory;
        this.report = report;
        this.alerts = alerts;
        this.runner = runner;
    }

    /** The clinics the user sees. */
    @GetMapping
    List<ClinicView> list(Authentication user) {
        return directory.clinics().stream().filter(c -> ClinicAccess.allows(user, c.id())).map(this::view).toList();
    }

    @GetMapping("/{clinic}")
    ClinicView get(@PathVariable String clinic) {
        return view(RequestParams.clinic(directory, clinic));
    }

    @GetMapping("/{clinic}/sources")
    SourcesView sources(@PathVariable String clinic, @RequestParam(required = false) String month) {
        Clinic c = RequestParams.clinic(directory, clinic);
        YearMonth lastComplete = runner.lastCompleteMonth(c.id());
        YearMonth m = RequestParams.month(month, lastComplete);
        return new SourcesView(c.id(), m, m.isAfter(lastComplete) || runner.isProvisional(c.id(), m),
                report.computedMonths(c.id()).contains(m), report.sources(c.id(), m),
                feedHealth.find(c.id(), m).orElse(null));
    }

    /**
     * The sources of the months {@code from} to {@code to} (YYYY-MM) as CSV, one row per month and
     * practice: neither given, the last complete month; {@code from} alone, from it to the last complete
     * month; {@code to} alone, that month. Whatever the request accepts (CSV, or an error as JSON).
     */
    @GetMapping("/{clinic}/sources.csv")
    ResponseEntity<StreamingResponseBody> sourcesCsv(@PathVariable String clinic,
            @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return SourcesCsv.download(c, SourcesCsv.months(from, to, runner.lastCompleteMonth(c.id())), report);
    }

    /**
     * The referring providers of the months {@code from} to {@code to} as CSV, one row per month and
     * provider within their practice; the months as for {@code sources.csv}.
     */
    @GetMapping("/{clinic}/providers.csv")
    ResponseEntity<StreamingResponseBody> providersCsv(@PathVariable String clinic,
            @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return SourcesCsv.providersDownload(c, SourcesCsv.months(from, to, runner.lastCompleteMonth(c.id())), report);
    }

    private ClinicView view(Clinic c) {
        return new ClinicView(c.id(), c.name(), c.timeZone().getId(), runner.lastCompleteMonth(c.id()),
                alerts.find(c.id(), "OPEN").size());
    }
}
