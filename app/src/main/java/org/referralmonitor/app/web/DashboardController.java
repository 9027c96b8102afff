package org.referralmonitor.app.web;

import java.security.Principal;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.api.RequestParams;
import org.referralmonitor.app.notify.NotificationChannels;
import org.referralmonitor.app.security.ClinicAccess;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.sync.EndpointStatus;
import org.referralmonitor.ingest.sync.SyncNotStartedException;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.feed.FeedCheck;
import org.referralmonitor.metrics.feed.FeedHealth;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.referralmonitor.metrics.outreach.OutreachReturns;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The dashboard: clinics, then per clinic its sources against their baselines (and the fixed one),
 * its alerts, whether its feed could be trusted for the month, the monthly job's runs and its feeds.
 */
@Controller
class DashboardController {

    /**
     * An endpoint with how its feed is doing, its latest sync, what waits in review and how its
     * resources deviate, for the feed panel.
     */
    record Feed(EmrEndpoint endpoint, EndpointStatus status, SyncRun lastSync, int openReview, int deviating,
            List<IssueLog.Deviation> deviations) {

        public boolean failing() {
            return EndpointStatus.FAILING.equals(status.health());
        }

        /** How old the freshest complete data is, e.g. "12 min", "5 h", "3 days"; null before a success. */
        public String lag() {
            Long minutes = status.lagMinutes();
            if (minutes == null) {
                return null;
            }
            if (minutes < 1) {
                return "under a minute";
            }
            if (minutes < 120) {
                return minutes + " min";
            }
            return minutes < 48 * 60 ? minutes / 60 + " h" : minutes / (24 * 60) + " days";
        }
    }

    /**
     * A clinic card on the start page.
     *
     * @param feedSuspect the feed check of {@code month} found the feed may be incomplete: its source alerts are held
     * @param outreachDue practices to contact now (an unanswered alert, or a cadence that is up)
     * @param failingChannels enabled notification channels whose messages are not getting through
     */
    record ClinicCard(Clinic clinic, YearMonth month, int openAlerts, List<Feed> feeds, boolean feedSuspect,
            int outreachDue, List<String> failingChannels) {
    }

    /** A month a baseline can be fixed at, and whether it must be computed first. */
    record MonthOption(YearMonth value, boolean computed) {

        public String label() {
            return Format.month(value) + (computed ? "" : " (computed when fixed)");
        }
    }

    /** Ended months offered for fixing a baseline: about two years, and any older month already computed. */
    static final int FIX_MONTHS = 24;

    /** Runs of the monthly job listed on the clinic page. */
    static final int JOB_RUNS = 15;

    private final EndpointDirectory directory;
    private final SyncService syncs;
    private final ReviewQueue review;
    private final IssueLog issues;
    private final SourceReport report;
    private final Alerts alerts;
    private final MonthlyMetricsRunner runner;
    private final FixedBaselines baselines;
    private final FeedHealth feedHealth;
    private final OutreachLog outreach;
    private final OutreachReturns returns;
    private final NotificationChannels channels;
    private final boolean demoLogin;
    private final long lockoutMinutes;

    DashboardController(EndpointDirectory directory, SyncService syncs, ReviewQueue review, IssueLog issues,
            SourceReport report, Alerts alerts, MonthlyMetricsRunner runner, FixedBaselines baselines,
            FeedHealth feedHealth, OutreachLog outreach, OutreachReturns returns, NotificationChannels channels,
            AppProperties app, IngestProperties ingest) {
        this.directory = directory;
        this.syncs = syncs;
        this.review = review;
        this.issues = issues;
        this.report = report;
        this.alerts = alerts;
        this.runner = runner;
        this.baselines = baselines;
        this.feedHealth = feedHealth;
        this.outreach = outreach;
        this.returns = returns;
        this.channels = channels;
        this.demoLogin = app.demoUser(ingest.sandbox().enabled());
        this.lockoutMinutes = Math.max(1, app.signInLockout().window().toMinutes());
    }

    @GetMapping("/login")
    String login(Model model) {
        model.addAttribute("demoLogin", demoLogin);
        model.addAttribute("lockoutMinutes", lockoutMinutes);
        return "login";
    }

    @GetMapping("/")
    String index(Model model, Authentication user) {
        List<ClinicCard> cards = directory.clinics().stream()
                .filter(c -> ClinicAccess.allows(user, c.id()))
                .map(c -> {
                    YearMonth month = runner.lastCompleteMonth(c.id());
                    return new ClinicCard(c, month, alerts.find(c.id(), "OPEN").size(), feeds(c.id()),
                            feedHealth.find(c.id(), month).map(FeedCheck::suspect).orElse(false),
                            outreach.due(c.id()).size(), channels.statuses(c.id()).stream()
                                    .filter(s -> s.channel().enabled() && "FAILING".equals(s.health()))
                                    .map(s -> s.channel().id()).toList());
                })
                .toList();
        model.addAttribute("cards", cards);
        return "index";
    }

    @GetMapping("/clinics/{id}")
    String clinic(@PathVariable String id, @RequestParam(required = false) String month, Model model) {
        Clinic clinic = RequestParams.clinic(directory, id);
        YearMonth lastComplete = runner.lastCompleteMonth(id);
        YearMonth selected = RequestParams.month(month, lastComplete);
        List<SourceSummary> sources = report.sources(id, selected);
        int referrals = 0;
        int converted = 0;
        double expected = 0;
        for (SourceSummary s : sources) {
            referrals += s.referrals();
            converted += s.converted();
            expected += s.baseline() == null ? s.referrals() : s.baseline();
        }
        List<YearMonth> computedMonths = report.computedMonths(id);
        List<YearMonth> months = new ArrayList<>(computedMonths);
        if (!months.contains(selected)) {
            months.add(0, selected);
        }
        model.addAttribute("clinic", clinic);
        model.addAttribute("month", selected);
        model.addAttribute("months", months);
        model.addAttribute("provisional", selected.isAfter(lastComplete));
        model.addAttribute("computed", !sources.isEmpty());
        model.addAttribute("rows", sources.stream().map(SourceView::of).toList());
        model.addAttribute("totalReferrals", referrals);
        model.addAttribute("expectedReferrals", (int) Math.round(expected));
        model.addAttribute("conversion", referrals == 0 ? null : Math.round(100.0 * converted / referrals));
        model.addAttribute("slowdowns", sources.stream().filter(s -> "SLOWDOWN".equals(s.status())).count());
        model.addAttribute("newSources", sources.stream().filter(s -> "NEW".equals(s.status())).count());
        model.addAttribute("openAlerts", alerts.find(id, "OPEN"));
        model.addAttribute("acknowledgedAlerts", alerts.find(id, "ACKNOWLEDGED"));
        model.addAttribute("feeds", feeds(id));
        model.addAttribute("feedCheck", feedHealth.find(id, selected).orElse(null));
        model.addAttribute("fixedBaseline", baselines.find(id).orElse(null));
        model.addAttribute("fixMonths", fixMonths(lastComplete, computedMonths));
        model.addAttribute("outreachDue", outreach.due(id));
        model.addAttribute("outreachReturn", new OutreachReturnView(returns.of(id)));
        model.addAttribute("channels", channels.statuses(id));
        model.addAttribute("csvFrom", csvFrom(selected, computedMonths));
        model.addAttribute("jobs", runner.queuedAndRecent(id, JOB_RUNS).stream().map(JobRunView::new).toList());
        model.addAttribute("sparkWidth", Sparkline.WIDTH);
        model.addAttribute("sparkHeight", Sparkline.HEIGHT);
        return "clinic";
    }

    /** Where the "months since" download starts: 11 months before the month shown, or the first with figures. */
    static YearMonth csvFrom(YearMonth month, List<YearMonth> computed) {
        YearMonth from = month.minusMonths(11);
        YearMonth first = computed.stream().min(Comparator.naturalOrder()).orElse(from);
        return first.isAfter(from) && !first.isAfter(month) ? first : from;
    }

    @PostMapping("/clinics/{id}/alerts/{alertId}/acknowledge")
    String acknowledge(@PathVariable String id, @PathVariable long alertId, RedirectAttributes redirect,
            Principal user) {
        // only an alert of the clinic whose page it is
        alerts.find(alertId).filter(a -> a.clinicId().equals(id))
                .flatMap(a -> alerts.acknowledge(alertId, OffsetDateTime.now(), RequestParams.user(user)))
                .map(DashboardController::about).filter(Objects::nonNull)
                .ifPresent(name -> redirect.addFlashAttribute("message", "Alert for " + name + " acknowledged."));
        return "redirect:/clinics/" + id;
    }

    /** Who an alert is about, by name: the practice, or the EMR feed of a FEED alert's endpoint. */
    private static String about(Alert a) {
        return "FEED".equals(a.kind()) && a.endpointName() != null ? "the EMR feed of " + a.endpointName()
                : a.sourceName();
    }

    @PostMapping("/endpoints/{id}/sync")
    String sync(@PathVariable String id, RedirectAttributes redirect) {
        EmrEndpoint endpoint = directory.endpoint(id).orElseThrow(() -> new org.referralmonitor.app.api.NotFoundException(
                "No EMR endpoint with id '" + id + "'"));
        try {
            SyncRun run = syncs.requestSync(id, SyncService.TRIGGER_API);
            redirect.addFlashAttribute("message", "Sync " + run.id() + " of " + endpoint.name() + " queued.");
        } catch (SyncNotStartedException e) {
            redirect.addFlashAttribute("message", e.getMessage());
        }
        return "redirect:/clinics/" + endpoint.clinicId();
    }

    /** The last FIX_MONTHS ended months and any older computed one, newest first. */
    static List<MonthOption> fixMonths(YearMonth lastComplete, List<YearMonth> computed) {
        SortedSet<YearMonth> months = new TreeSet<>(Comparator.reverseOrder());
        for (int i = 0; i < FIX_MONTHS; i++) {
            months.add(lastComplete.minusMonths(i));
        }
        computed.stream().filter(m -> !m.isAfter(lastComplete)).forEach(months::add);
        return months.stream().map(m -> new MonthOption(m, computed.contains(m))).toList();
    }

    private List<Feed> feeds(String clinicId) {
        return directory.endpoints().stream().filter(e -> e.clinicId().equals(clinicId)).map(this::feed).toList();
    }

    private Feed feed(EmrEndpoint e) {
        return new Feed(e, syncs.status(e.id()), syncs.lastRun(e.id()).orElse(null), review.countOpen(e.id()),
                issues.deviatingResources(e.id()), issues.summary(e.id()).stream().limit(5).toList());
    }
}
