package org.referralmonitor.app.web;

import java.security.Principal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.referralmonitor.app.api.BaselineFixing;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.app.api.NotFoundException;
import org.referralmonitor.app.api.RequestParams;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.baseline.FixedBaseline;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.referralmonitor.metrics.outreach.OutreachReturns;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * A referring practice's month in detail with its providers, and what administrators and practice
 * managers do with a clinic's figures from the dashboard: recompute a month, fix the baseline at a
 * month that has ended, clear it. Who may post here is decided in SecurityConfiguration.
 */
@Controller
class ClinicMetricsController {

    /** Contacts listed on a source's page, newest first. */
    static final int SOURCE_OUTREACH = 50;

    private final EndpointDirectory directory;
    private final SourceReport report;
    private final MonthlyMetricsRunner runner;
    private final FixedBaselines baselines;
    private final BaselineFixing fixing;
    private final OutreachLog outreach;
    private final Alerts alerts;
    private final OutreachReturns returns;

    ClinicMetricsController(EndpointDirectory directory, SourceReport report, MonthlyMetricsRunner runner,
            FixedBaselines baselines, BaselineFixing fixing, OutreachLog outreach, Alerts alerts,
            OutreachReturns returns) {
        this.returns = returns;
        this.directory = directory;
        this.report = report;
        this.runner = runner;
        this.baselines = baselines;
        this.fixing = fixing;
        this.outreach = outreach;
        this.alerts = alerts;
    }

    /**
     * One source's month: its figures, why its referrals did not convert, its referring providers, and
     * the outreach to it ({@code alert}: the alert the outreach form answers, preselected).
     */
    @GetMapping("/clinics/{id}/source")
    String source(@PathVariable String id, @RequestParam String org, @RequestParam(required = false) String month,
            @RequestParam(required = false) Long alert, Model model) {
        Clinic clinic = RequestParams.clinic(directory, id);
        YearMonth lastComplete = runner.lastCompleteMonth(id);
        YearMonth selected = RequestParams.month(month, lastComplete);
        SourceSummary source = report.sources(id, selected).stream().filter(s -> s.orgKey().equals(org)).findFirst()
                .orElseThrow(() -> new NotFoundException("No figures for source '" + org + "' at "
                        + clinic.name() + " in " + Format.month(selected)));
        List<YearMonth> months = new ArrayList<>(report.computedMonths(id));
        if (!months.contains(selected)) {
            months.add(0, selected);
        }
        model.addAttribute("clinic", clinic);
        model.addAttribute("month", selected);
        model.addAttribute("months", months);
        model.addAttribute("s", SourceView.of(source));
        model.addAttribute("providers", report.providers(id, selected, org).stream().map(ProviderView::new).toList());
        model.addAttribute("fixedBaseline", baselines.find(id).orElse(null));
        model.addAttribute("outreach", outreach.find(id, org, SOURCE_OUTREACH));
        model.addAttribute("cadence", outreach.cadence(id, org).orElse(null));
        // referrals credited to no practice: nobody to have contacted
        model.addAttribute("providerReturns", SourceSummary.UNATTRIBUTED.equals(org) ? List.of()
                : returns.providers(id, clinic.name(), org).stream().map(ProviderReturnView::new).toList());
        model.addAttribute("returnSpan", List.of(returns.beforeMonths(), returns.afterMonths()));
        model.addAttribute("sourceAlerts", alerts.unresolved(id).stream()
                .filter(a -> !"FEED".equals(a.kind()) && a.orgKey().equals(org)).toList());
        model.addAttribute("selectedAlert", alert);
        model.addAttribute("today", outreach.today(id));
        model.addAttribute("labels", OutreachLabels.INSTANCE);
        return "source";
    }

    /** Queues the month for the monthly job even when its data did not change. */
    @PostMapping("/clinics/{id}/metrics/recompute")
    String recompute(@PathVariable String id, @RequestParam String month, RedirectAttributes redirect,
            Principal user) {
        Clinic clinic = RequestParams.clinic(directory, id);
        YearMonth m = RequestParams.month(month, null);
        if (m.isAfter(runner.lastCompleteMonth(id).plusMonths(1))) {
            redirect.addFlashAttribute("error", "Not recomputed: " + Format.month(m) + " has not begun yet.");
        } else {
            runner.submit(id, m, true, "recompute by " + RequestParams.user(user) + " (dashboard)");
            redirect.addFlashAttribute("message", "Recompute of " + Format.month(m) + " for " + clinic.name()
                    + " queued: it shows in the job history, as QUEUED until it starts.");
        }
        return redirect(id, m, "metrics-runs");
    }

    /** Fixes the baseline at an ended month, computing it first when needed, as the API does. */
    @PostMapping("/clinics/{id}/baseline")
    String fix(@PathVariable String id, @RequestParam(required = false) String asOf,
            @RequestParam(required = false) String month, RedirectAttributes redirect) {
        RequestParams.clinic(directory, id);
        try {
            FixedBaseline fixed = fixing.fix(id, asOf);
            redirect.addFlashAttribute("message", "Baseline fixed as of " + Format.month(fixed.asOf()) + ": "
                    + fixed.sources() + (fixed.sources() == 1 ? " practice or provider" : " practices and providers")
                    + " had a baseline then. Every month is now compared with it too.");
        } catch (InvalidRequestException e) {
            redirect.addFlashAttribute("error", "Baseline not fixed: " + e.getMessage());
        }
        return redirect(id, shownMonth(month), "baseline");
    }

    @PostMapping("/clinics/{id}/baseline/clear")
    String clear(@PathVariable String id, @RequestParam(required = false) String month, RedirectAttributes redirect) {
        RequestParams.clinic(directory, id);
        FixedBaseline was = baselines.find(id).orElse(null);
        if (baselines.clear(id) && was != null) {
            redirect.addFlashAttribute("message", "The baseline fixed as of " + Format.month(was.asOf())
                    + " was cleared.");
        } else {
            redirect.addFlashAttribute("error", "No baseline was fixed.");
        }
        return redirect(id, shownMonth(month), "baseline");
    }

    /** The month the clinic page showed, to go back to; none when absent or malformed. */
    private static YearMonth shownMonth(String month) {
        try {
            return RequestParams.month(month, null);
        } catch (InvalidRequestException e) {
            return null;
        }
    }

    private static String redirect(String clinicId, YearMonth month, String section) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromPath("/clinics/{id}");
        if (month != null) {
            uri.queryParam("month", month.toString());
        }
        return "redirect:" + uri.fragment(section).buildAndExpand(clinicId).encode().toUriString();
    }
}
