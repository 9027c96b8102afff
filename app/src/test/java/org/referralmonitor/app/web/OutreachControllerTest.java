package org.referralmonitor.app.web;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.outreach.Cadence;
import org.referralmonitor.metrics.outreach.NewOutreach;
import org.referralmonitor.metrics.outreach.Outreach;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** What logging outreach and setting a cadence do and say, back on the source's page at its outreach. */
class OutreachControllerTest {

    static final String CLINIC = "lakeside-ortho";
    static final String ORG = "lakeside-emr/Organization/org-7";

    EndpointDirectory directory = mock(EndpointDirectory.class);
    OutreachLog log = mock(OutreachLog.class);
    MockMvc mvc;

    @BeforeEach
    void setUp() {
        when(directory.clinic(CLINIC)).thenReturn(Optional.of(new Clinic(CLINIC, "Lakeside Orthopedics",
                ZoneId.of("America/Chicago"))));
        mvc = MockMvcBuilders.standaloneSetup(new OutreachController(directory, log)).build();
    }

    @Test
    void aContactAnsweringAnAlertIsLoggedWithTheSignedInUser() throws Exception {
        when(log.log(eq(CLINIC), any(), eq("casey"))).thenReturn(new Outreach(5, CLINIC, ORG, "Bayview Pediatrics",
                LocalDate.of(2026, 11, 20), "CALL", "VOLUME", "REACHED", 42L, "casey", OffsetDateTime.now(), null, null));

        mvc.perform(post("/clinics/" + CLINIC + "/outreach").param("org", ORG).param("contactedOn", "2026-11-20")
                        .param("channel", "CALL").param("topic", "VOLUME").param("outcome", "REACHED")
                        .param("alertId", "42").param("month", "2026-10").principal(() -> "casey"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho/source?org=lakeside-emr/Organization/org-7"
                        + "&month=2026-10#outreach"))
                .andExpect(flash().attribute("message", "Outreach to Bayview Pediatrics on 2026-11-20 logged; the "
                        + "alert it answers is acknowledged."));

        verify(log).log(CLINIC, new NewOutreach(ORG, LocalDate.of(2026, 11, 20), "CALL", "VOLUME", "REACHED", 42L),
                "casey");
    }

    @Test
    void aContactWithOneProviderOfThePracticeSaysWhoWasContacted() throws Exception {
        when(log.log(eq(CLINIC), any(), eq("casey"))).thenReturn(new Outreach(6, CLINIC, ORG, "Bayview Pediatrics",
                LocalDate.of(2026, 11, 20), "VISIT", "QUALITY", "REACHED", null, "casey", OffsetDateTime.now(),
                "npi:1234567893", "Dana Lee"));

        mvc.perform(post("/clinics/" + CLINIC + "/outreach").param("org", ORG).param("contactedOn", "2026-11-20")
                        .param("channel", "VISIT").param("topic", "QUALITY").param("outcome", "REACHED")
                        .param("provider", "npi:1234567893").principal(() -> "casey"))
                .andExpect(flash().attribute("message", "Outreach to Dana Lee at Bayview Pediatrics on 2026-11-20 "
                        + "logged."));

        verify(log).log(CLINIC, new NewOutreach(ORG, LocalDate.of(2026, 11, 20), "VISIT", "QUALITY", "REACHED", null,
                "npi:1234567893"), "casey");
    }

    @Test
    void aMalformedDayOrCadenceIsRefusedWithWhatWasWrong() throws Exception {
        mvc.perform(post("/clinics/" + CLINIC + "/outreach").param("org", ORG).param("contactedOn", "20/11/2026")
                        .param("channel", "CALL").param("topic", "VOLUME").param("outcome", "REACHED"))
                .andExpect(redirectedUrl("/clinics/lakeside-ortho/source?org=lakeside-emr/Organization/org-7#outreach"))
                .andExpect(flash().attribute("error", "Outreach not logged: the day must be YYYY-MM-DD, for example "
                        + "2026-11-23; got '20/11/2026'"));
        mvc.perform(post("/clinics/" + CLINIC + "/outreach/cadence").param("org", ORG).param("everyDays", "monthly"))
                .andExpect(flash().attribute("error", "Cadence not set: every how many days must be a whole number; "
                        + "got 'monthly'"));

        verify(log, never()).log(any(), any(), any());
        verify(log, never()).setCadence(any(), any(), anyInt(), any());
    }

    @Test
    void aCadenceSaysWhenTheNextContactIsDue() throws Exception {
        when(log.setCadence(CLINIC, ORG, 30, "casey")).thenReturn(new Cadence(ORG, 30, "casey", OffsetDateTime.now(),
                LocalDate.of(2026, 11, 20), LocalDate.of(2026, 12, 20)));

        mvc.perform(post("/clinics/" + CLINIC + "/outreach/cadence").param("org", ORG).param("everyDays", "30")
                        .principal(() -> "casey"))
                .andExpect(flash().attribute("message", "Cadence set: every 30 days, next contact due 2026-12-20."));
    }
}
