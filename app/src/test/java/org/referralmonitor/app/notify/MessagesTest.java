package org.referralmonitor.app.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.outreach.OutreachDue;
import org.referralmonitor.metrics.report.SourceSummary;

class MessagesTest {

    static final Clinic CLINIC = new Clinic("lakeside-ortho", "Lakeside Orthopedics", ZoneId.of("America/New_York"));
    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    @Test
    void anAlertReadsAsItsExplanationWithRevenueAndALinkToAnswerIt() {
        Message m = Messages.alerts(CLINIC, List.of(alert(7, "SLOWDOWN", "npi:1234567893", "Lakeside Family Practice",
                "Lakeside Family Practice: 4 referrals in October vs about 11 expected.", 1250.4)),
                "https://monitor.example.org/");

        assertThat(m.subject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: 1 new alert");
        assertThat(m.text()).isEqualTo("""
                1 new alert for Lakeside Orthopedics:

                - Slowdown, October 2026: Lakeside Family Practice
                  Lakeside Family Practice: 4 referrals in October vs about 11 expected.
                  Revenue at risk: $1,250
                  https://monitor.example.org/clinics/lakeside-ortho/source?org=npi%3A1234567893&month=2026-10&alert=7

                Log outreach or acknowledge them on the dashboard: https://monitor.example.org/clinics/lakeside-ortho""");
        assertThat(m.payload()).containsEntry("kind", "alerts").containsEntry("text", m.text());
    }

    @Test
    void withoutAPublicUrlThereAreNoLinksAndAPracticeWithoutNameIsItsKey() {
        Message m = Messages.alerts(CLINIC, List.of(alert(8, "GONE_DARK", "org:emr/Organization/9", null,
                "No referral for 52 days.", null), alert(9, "FEED", "*", null, "9 of 10 sources fell at once.", 0.0)), "");

        assertThat(m.subject()).endsWith("2 new alerts");
        assertThat(m.text()).contains("- Gone dark, October 2026: org:emr/Organization/9\n",
                "- Feed suspect, October 2026: the EMR feed\n").doesNotContain("http", "Revenue at risk")
                .endsWith("on the dashboard.");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) m.payload().get("alerts");
        assertThat(items).extracting(i -> i.get("link")).containsOnlyNulls();
    }

    /** A FEED alert about one EMR endpoint names the endpoint, and links to the clinic's month, not to a practice. */
    @Test
    void aFeedAlertOfOneEndpointNamesTheEndpoint() {
        Message m = Messages.alerts(CLINIC, List.of(alert(10, "FEED", "lakeside-emr-2", null,
                "The feed of Lakeside East EMR may be incomplete for October 2026: its last sync failed.", 0.0,
                "Lakeside East EMR")), "https://monitor.example.org");

        assertThat(m.text()).contains("- Feed suspect, October 2026: the EMR feed of Lakeside East EMR\n",
                "https://monitor.example.org/clinics/lakeside-ortho?month=2026-10\n").doesNotContain("source?org");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) m.payload().get("alerts");
        assertThat(items.get(0)).containsEntry("orgKey", "lakeside-emr-2").containsEntry("endpoint", "Lakeside East EMR")
                .containsEntry("practice", null);
    }

    @Test
    void theDigestListsTheMostOverdueFirstUpToALimitAndCountsTheRest() {
        List<OutreachDue> due = new ArrayList<>();
        due.add(new OutreachDue("npi:1", "Harbor Pediatrics", 3L, "SLOWDOWN", OCTOBER, null, null,
                LocalDate.of(2026, 11, 2), 21, OCTOBER));
        due.add(new OutreachDue("npi:2", "Bayside Clinic", null, null, null, LocalDate.of(2026, 9, 1), 30,
                LocalDate.of(2026, 10, 1), 0, OCTOBER));
        for (int i = 3; i <= Messages.DIGEST_MAX + 4; i++) {
            due.add(new OutreachDue("npi:" + i, null, null, null, null, null, 60, LocalDate.of(2026, 11, 20), 1,
                    OCTOBER));
        }

        Message m = Messages.digest(CLINIC, due, "");

        assertThat(m.subject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: 29 practices due for outreach");
        assertThat(m.text()).contains(
                "- Harbor Pediatrics: slowdown alert for October 2026 not yet answered, 21 days overdue\n",
                "- Bayside Clinic: cadence of 30 days, last contact 2026-09-01, due today\n",
                "- npi:3: cadence of 60 days, never contacted, 1 day overdue\n",
                "... and 4 more on the dashboard.").doesNotContain("npi:26:");
        assertThat((List<?>) m.payload().get("due")).hasSize(Messages.DIGEST_MAX);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aMonthlySummaryGivesTheMonthsFiguresAndItsLargestShortfalls() {
        List<SourceSummary> sources = List.of(
                source("npi:1", "Elmwood Family Practice", 5, 2, 12.4, "SLOWDOWN", 875.0, 13.0),
                source("npi:2", "Oak Park Internal Medicine", 9, 4, 10.0, "STEADY", null, 9.0),
                source("npi:3", "Ashford Women's Health", 20, 9, 15.0, "STEADY", null, 14.0),
                source("npi:4", "Silver Lake Pediatrics", 3, 1, null, "NEW", null, null),
                source(SourceSummary.UNATTRIBUTED, null, 1, 0, null, "NEW", null, null),
                source("npi:5", "Cedar Hill Clinic", 0, 0, 4.0, "SLOWDOWN", 180.0, 4.0));

        Message m = Messages.summary(CLINIC, OCTOBER, sources, 2, "https://monitor.example.org");

        assertThat(m.subject()).isEqualTo("[referral-monitor] Lakeside Orthopedics: October 2026 in figures");
        assertThat(m.text()).isEqualTo("""
                October 2026 at Lakeside Orthopedics (final figures):

                - 38 referrals from 4 practices (and 1 credited to no practice), about 45 expected (-16%); \
                about 44 against the fixed baseline (-14%)
                - 42% converted to a visit (16 of 38; 6 still within the conversion window)
                - 2 practices slowing down
                - revenue at risk about $1,055 across the flagged practices
                - 1 new practice (too little history to compare)
                - 2 open alerts for the month

                Largest shortfalls against expected:
                - Elmwood Family Practice: 5 vs about 12 expected (-60%), slowing down
                  https://monitor.example.org/clinics/lakeside-ortho/source?org=npi%3A1&month=2026-10
                - Cedar Hill Clinic: 0 vs about 4 expected (-100%), slowing down
                  https://monitor.example.org/clinics/lakeside-ortho/source?org=npi%3A5&month=2026-10
                - Oak Park Internal Medicine: 9 vs about 10 expected (-10%)
                  https://monitor.example.org/clinics/lakeside-ortho/source?org=npi%3A2&month=2026-10

                Every practice's figures are on the clinic's page: \
                https://monitor.example.org/clinics/lakeside-ortho?month=2026-10""");
        assertThat(m.payload()).containsEntry("kind", "monthly-summary").containsEntry("month", "2026-10");
        assertThat((Map<String, Object>) m.payload().get("figures")).containsEntry("referrals", 38).containsEntry("converted", 16)
                .containsEntry("expected", 45.4).containsEntry("slowingDown", 2L).containsEntry("newPractices", 1L)
                .containsEntry("revenueAtRisk", 1055.0).containsEntry("openAlerts", 2).containsEntry("waiting", 6)
                .containsEntry("unattributed", 1);
        assertThat((List<?>) m.payload().get("shortfalls")).hasSize(3);
    }

    @Test
    void theTestMessageSaysWhatTheChannelWillReceive() {
        NotificationChannel channel = new NotificationChannel("ops", CLINIC.id(), "WEBHOOK", List.of(), "env:HOOK",
                false, true, true, true, true, "API", null);

        assertThat(Messages.test(CLINIC, channel).text()).isEqualTo("This is a test from referral-monitor. Channel "
                + "'ops' of Lakeside Orthopedics will receive: feed alerts, outreach due, monthly summary.");
    }

    private static SourceSummary source(String org, String name, int referrals, int converted, Double expected,
            String status, Double revenue, Double fixed) {
        return new SourceSummary(org, name, null, referrals, converted, null, expected, 12, status, null, 1, List.of(),
                false, referrals, null, null, new SourceSummary.NotConverted(0, Map.of(), 0, referrals / 5, 0), 0, null,
                expected,
                1.0, null, fixed, List.of(), revenue);
    }

    private static Alert alert(long id, String kind, String org, String name, String explanation, Double revenue) {
        return alert(id, kind, org, name, explanation, revenue, null);
    }

    private static Alert alert(long id, String kind, String org, String name, String explanation, Double revenue,
            String endpointName) {
        OffsetDateTime at = OffsetDateTime.parse("2026-11-23T12:00:00Z");
        return new Alert(id, CLINIC.id(), kind, org, name, null, OCTOBER, 4, 11, 0.004, explanation, "OPEN", null, at,
                at, revenue, 1, null, null, endpointName);
    }
}
