package org.referralmonitor.app.web;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.model;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.api.BaselineFixing;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.baseline.FixedBaseline;
import org.referralmonitor.metrics.baseline.FixedBaselines;
import org.referralmonitor.metrics.monthly.MetricsJobRun;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.outreach.InvalidOutreachException;
import org.referralmonitor.metrics.outreach.OutreachReturns;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** What recompute, fix and clear do and say, back on the clinic page; who may post is SecurityConfiguration's. */
class ClinicMetricsControllerTest {

    static final String CLINIC = "lakeside-ortho";
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    EndpointDirectory directory = mock(EndpointDirectory.class);
    MonthlyMetricsRunner runner = mock(MonthlyMetricsRunner.class);
    FixedBaselines baselines = mock(FixedBaselines.class);
    BaselineFixing fixing = mock(BaselineFixing.class);
    SourceReport report = mock(SourceReport.class);
    OutreachReturns returns = mock(OutreachReturns.class);
    MockMvc mvc;

    @BeforeEach
    void setUp() {
        when(directory.clinic(CLINIC)).thenReturn(Optional.of(new Clinic(CLINIC, "Lakeside Orthopedics",
                ZoneId.of("America/Chicago"))));
        when(runner.lastCompleteMonth(CLINIC)).thenReturn(OCTOBER);
        when(runner.submit(any(), any(), org.mockito.ArgumentMatchers.anyBoolean(), any()))
                .thenReturn(new MetricsJobRun(null, CLINIC, "2026-10", "QUEUED", null, null, null, "recompute"));
        mvc = MockMvcBuilders.standaloneSetup(new ClinicMetricsController(directory, report, runner,
                baselines, fixing, mock(org.referralmonitor.metrics.outreach.OutreachLog.class),
                mock(org.referralmonitor.metrics.alert.Alerts.class), returns))
                // pages are not rendered here: their models are checked
                .setViewResolvers((name, locale) -> name.startsWith("redirect:") ? null
                                : (org.springframework.web.servlet.View) (model, request, response) -> { },
                        new org.springframework.web.servlet.view.InternalResourceViewResolver())
                .build();
    }

    @Test
    void recomputeQueuesTheMonthEvenOnUnchangedDataAndGoesBackToTheRuns() throws Exception {
        mvc.perform(post("/clinics/" + CLINIC + "/metrics/recompute").param("month", "2026-10")
                        .principal(() -> "pat"))
                .andExpect(status().is3xxRedirection())
                .andExpect(redirectedUrl("/clinics/lakeside-ortho?month=2026-10#metrics-runs"))
                .andExpect(flash().attribute("message",
                        "Recompute of October 2026 for Lakeside Orthopedics queued: it shows in the job history, "
                                + "as QUEUED until it starts."));

        verify(runner).submit(CLINIC, OCTOBER, true, "recompute by pat (dashboard)");
    }

    @Test
    void aMonthThatHasNotBegunIsNotRecomputed() throws Exception {
        mvc.perform(post("/clinics/" + CLINIC + "/metrics/recompute").param("month", "2026-12"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho?month=2026-12#metrics-runs"))
                .andExpect(flash().attribute("error", "Not recomputed: December 2026 has not begun yet."));
        mvc.perform(post("/clinics/" + CLINIC + "/metrics/recompute").param("month", "2026-11"))
                .andExpect(flash().attributeExists("message"));

        verify(runner, never()).submit(eq(CLINIC), eq(YearMonth.of(2026, 12)), eq(true), any());
        verify(runner).submit(CLINIC, YearMonth.of(2026, 11), true, "recompute by anonymous (dashboard)");
    }

    @Test
    void fixingSaysWhatWasFixedOrWhyNot() throws Exception {
        when(fixing.fix(CLINIC, "2026-01")).thenReturn(new FixedBaseline(CLINIC, YearMonth.of(2026, 1),
                OffsetDateTime.now(), 27));
        when(fixing.fix(CLINIC, "2026-12")).thenThrow(new InvalidRequestException(
                "asOf must be a month that has ended; got '2026-12'"));

        mvc.perform(post("/clinics/" + CLINIC + "/baseline").param("asOf", "2026-01").param("month", "2026-10"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho?month=2026-10#baseline"))
                .andExpect(flash().attribute("message", "Baseline fixed as of January 2026: 27 practices and providers "
                        + "had a baseline then. Every month is now compared with it too."));
        mvc.perform(post("/clinics/" + CLINIC + "/baseline").param("asOf", "2026-12").param("month", "nonsense"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho#baseline"))
                .andExpect(flash().attribute("error",
                        "Baseline not fixed: asOf must be a month that has ended; got '2026-12'"));
    }

    @Test
    void clearingSaysWhichBaselineWentAndWhenThereWasNone() throws Exception {
        when(baselines.find(CLINIC)).thenReturn(Optional.of(new FixedBaseline(CLINIC, YearMonth.of(2026, 1),
                OffsetDateTime.now(), 27)), Optional.empty());
        when(baselines.clear(CLINIC)).thenReturn(true, false);

        mvc.perform(post("/clinics/" + CLINIC + "/baseline/clear").param("month", "2026-10"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho?month=2026-10#baseline"))
                .andExpect(flash().attribute("message", "The baseline fixed as of January 2026 was cleared."));
        mvc.perform(post("/clinics/" + CLINIC + "/baseline/clear"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho#baseline"))
                .andExpect(flash().attribute("error", "No baseline was fixed."));
    }

    @Test
    void thePageOfReferralsCreditedToNoPracticeListsNoProviderContacted() throws Exception {
        SourceSummary unattributed = new SourceSummary(SourceSummary.UNATTRIBUTED, null, null, 3, 0, 0.0, null, 12,
                "STEADY", null, 0, List.of(), false, 3, null, null, new SourceSummary.NotConverted(0, Map.of(), 0, 0, 3),
                0, 0.0, null, 1.0, null, null, List.of(), null);
        when(report.sources(CLINIC, OCTOBER)).thenReturn(List.of(unattributed));
        // as OutreachReturns refuses it: no practice to have contacted
        when(returns.providers(any(), any(), eq(SourceSummary.UNATTRIBUTED))).thenThrow(InvalidOutreachException.class);

        mvc.perform(get("/clinics/" + CLINIC + "/source").param("org", "unknown").param("month", "2026-10"))
                .andExpect(status().isOk())
                .andExpect(model().attribute("providerReturns", List.of()));
    }

    @Test
    void anUnknownClinicIsNotFound() throws Exception {
        mvc.perform(post("/clinics/nowhere/metrics/recompute").param("month", "2026-10"))
                .andExpect(status().isNotFound());
        verify(runner, never()).submit(any(), any(), org.mockito.ArgumentMatchers.anyBoolean(), any());
    }
}
