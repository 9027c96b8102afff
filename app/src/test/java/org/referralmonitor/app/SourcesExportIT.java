package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.security.Roles;
import org.referralmonitor.ingest.sandbox.SandboxEmr;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.referralmonitor.metrics.report.SourceReport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * The clinic page's "Download CSV" on the embedded default: a signed-in practice manager gets the
 * month's sources, one row each, from the link the page shows; signed out, the login page.
 */
@EmbeddedDefaultTest
class SourcesExportIT {

    @Autowired
    WebApplicationContext context;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    SourceReport report;

    @Test
    void aManagerDownloadsTheMonthShownFromTheClinicPage() throws Exception {
        DashboardBrowserIT.awaitSandboxFigures(sandbox, runner);
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).apply(springSecurity()).build();
        var manager = user("manager").roles(Roles.MANAGER);
        String link = "/clinics/lakeside-ortho/sources.csv?from=2026-10&amp;to=2026-10";
        mvc.perform(get("/clinics/lakeside-ortho").param("month", "2026-10").with(manager))
                .andExpect(content().string(containsString("id=\"csv-month\" href=\"" + link + "\"")))
                .andExpect(content().string(containsString(
                        "href=\"/clinics/lakeside-ortho/sources.csv?from=2025-11&amp;to=2026-10\"")));

        MvcResult started = mvc.perform(get("/clinics/lakeside-ortho/sources.csv").param("from", "2026-10")
                .param("to", "2026-10").with(manager)).andReturn();
        MvcResult done = mvc.perform(asyncDispatch(started))
                .andExpect(status().isOk())
                .andExpect(header().string("Content-Disposition",
                        "attachment; filename=\"lakeside-ortho-sources-2026-10.csv\""))
                .andReturn();

        String[] lines = new String(done.getResponse().getContentAsByteArray(), StandardCharsets.UTF_8).split("\r\n");
        assertThat(lines[0]).startsWith("\uFEFFmonth,provisional,practice,");
        assertThat(lines).hasSize(1 + report.sources("lakeside-ortho", YearMonth.of(2026, 10)).size());
        assertThat(lines[1]).startsWith("2026-10,false,");

        mvc.perform(get("/clinics/lakeside-ortho/sources.csv")).andExpect(status().is3xxRedirection());

        mvc.perform(get("/clinics/lakeside-ortho").param("month", "2026-10").with(manager))
                .andExpect(content().string(containsString("id=\"csv-providers-month\" "
                        + "href=\"/clinics/lakeside-ortho/providers.csv?from=2026-10&amp;to=2026-10\"")));
        MvcResult providers = mvc.perform(asyncDispatch(mvc.perform(get("/clinics/lakeside-ortho/providers.csv")
                        .param("from", "2026-10").param("to", "2026-10").with(manager)).andReturn()))
                .andExpect(status().isOk())
                .andExpect(header().string("Content-Disposition",
                        "attachment; filename=\"lakeside-ortho-providers-2026-10.csv\""))
                .andReturn();
        String[] providerLines = new String(providers.getResponse().getContentAsByteArray(), StandardCharsets.UTF_8)
                .split("\r\n");
        assertThat(providerLines).hasSize(1 + report.providers("lakeside-ortho", YearMonth.of(2026, 10), null).size());
        assertThat(providerLines.length).as("the sandbox's practices have providers").isGreaterThan(1);
    }
}
