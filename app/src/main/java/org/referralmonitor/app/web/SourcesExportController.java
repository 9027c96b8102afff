package org.referralmonitor.app.web;

import org.referralmonitor.app.api.RequestParams;
import org.referralmonitor.app.api.SourcesCsv;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.report.SourceReport;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** The clinic page's "Download CSV": its sources (or their providers) month by month, as the API gives them. */
@Controller
class SourcesExportController {

    private final EndpointDirectory directory;
    private final SourceReport report;
    private final MonthlyMetricsRunner runner;

    SourcesExportController(EndpointDirectory directory, SourceReport report, MonthlyMetricsRunner runner) {
        this.directory = directory;
        this.report = report;
        this.runner = runner;
    }

    @GetMapping("/clinics/{id}/sources.csv")
    ResponseEntity<StreamingResponseBody> download(@PathVariable String id, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to) {
        Clinic clinic = RequestParams.clinic(directory, id);
        return SourcesCsv.download(clinic, SourcesCsv.months(from, to, runner.lastCompleteMonth(clinic.id())), report);
    }

    @GetMapping("/clinics/{id}/providers.csv")
    ResponseEntity<StreamingResponseBody> providers(@PathVariable String id,
            @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        Clinic clinic = RequestParams.clinic(directory, id);
        return SourcesCsv.providersDownload(clinic,
                SourcesCsv.months(from, to, runner.lastCompleteMonth(clinic.id())), report);
    }
}
