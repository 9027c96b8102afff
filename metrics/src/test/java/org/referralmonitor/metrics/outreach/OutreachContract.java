package org.referralmonitor.metrics.outreach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Outreach, on PostgreSQL ({@link OutreachIT}) and on H2 ({@link OutreachH2IT}): a coordinator logs
 * contacts (answering an alert acknowledges it), sets cadences, and sees who is due; a practice
 * manager sees the return: the contacted practice's referrals after its first contact against
 * before, net of what a flagged practice nobody contacted gained, from final months only, a month
 * without figures counting 0 and months before a practice's first referral not counting.
 */
abstract class OutreachContract {

    /** 2026-11-23, 07:00 in New York. */
    @TestConfiguration
    static class Today {
        @Bean
        Clock clock() {
            return Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
        }
    }

    static final String A = "npi:1234567893";
    static final String B = "harbor-emr/Organization/b";
    static final String C = "harbor-emr/Organization/c";
    static final String D = "harbor-emr/Organization/d";
    static final String E = "harbor-emr/Organization/e";
    static final String F = "harbor-emr/Organization/f";

    @Autowired
    OutreachLog log;

    @Autowired
    OutreachReturns returns;

    @Autowired
    Alerts alerts;

    @Autowired
    JdbcClient jdbc;

    @Test
    void contactsCadencesDueAndTheReturnOnOutreach() {
        String clinic = "harbor";
        world(clinic);
        long alertA = alert(clinic, A, YearMonth.of(2026, 9), OffsetDateTime.parse("2026-10-20T14:00:00Z"));
        long alertB = alert(clinic, B, YearMonth.of(2026, 6), OffsetDateTime.parse("2026-07-20T14:00:00Z"));

        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 7, 14), "call", "volume", "reached", null), "coord");
        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 9, 2), "VISIT", "quality", "meeting-booked", null),
                "coord");
        log.log(clinic, new NewOutreach(C, LocalDate.of(2026, 10, 1), "email", "relationship", "message left", null),
                "coord");
        log.log(clinic, new NewOutreach(D, LocalDate.of(2026, 11, 1), "letter", "feedback", "reached", null), "coord");
        log.log(clinic, new NewOutreach(F, LocalDate.of(2026, 9, 10), "call", "relationship", "reached", null), "coord");
        assertThat(log.find(clinic, C, 10)).extracting(Outreach::alertId).as("answers no alert").containsExactly(
                (Long) null);
        assertThat(log.setCadence(clinic, C, 30, "coord").nextDue()).isEqualTo(LocalDate.of(2026, 10, 31));
        assertThat(log.setCadence(clinic, D, 60, "coord").nextDue()).isEqualTo(LocalDate.of(2026, 12, 31));
        assertThat(log.setCadence(clinic, E, 14, "coord").nextDue()).as("never contacted: due from the day set")
                .isEqualTo(LocalDate.of(2026, 11, 23));

        List<OutreachDue> due = log.due(clinic);
        assertThat(due).extracting(OutreachDue::orgKey, OutreachDue::alertId, OutreachDue::daysOverdue)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(B, alertB, 126L),
                        org.assertj.core.groups.Tuple.tuple(A, alertA, 34L),
                        org.assertj.core.groups.Tuple.tuple(C, null, 23L),
                        org.assertj.core.groups.Tuple.tuple(E, null, 0L));
        assertThat(due.get(1).sourceName()).isEqualTo("Lakeside Family Practice");
        assertThat(due.get(1).lastContact()).isEqualTo(LocalDate.of(2026, 9, 2));
        assertThat(due).extracting(OutreachDue::month).as("the alert's month, else the newest with figures")
                .containsExactly(YearMonth.of(2026, 6), YearMonth.of(2026, 9), YearMonth.of(2026, 11),
                        YearMonth.of(2026, 11));

        // the return, before the alert is answered: A's first contact in July, B flagged for June, not contacted
        OutreachReturn r = returns.of(clinic);
        assertThat(r.through()).isEqualTo(YearMonth.of(2026, 10));
        SourceReturn a = r.contacted().stream().filter(s -> s.orgKey().equals(A)).findFirst().orElseThrow();
        assertThat(a.since()).isEqualTo(LocalDate.of(2026, 7, 14));
        assertThat(a.contacts()).isEqualTo(2);
        assertThat(a.monthsBefore()).isEqualTo(3);
        assertThat(a.referralsBefore()).as("April to June").isEqualTo(12);
        assertThat(a.monthsAfter()).as("August to October; November is provisional").isEqualTo(3);
        assertThat(a.referralsAfter()).isEqualTo(27);
        assertThat(a.conversion()).isEqualTo(0.5);
        assertThat(r.comparison()).extracting(SourceReturn::orgKey).containsExactly(B);
        SourceReturn b = r.comparison().get(0);
        assertThat(b.since()).isEqualTo(LocalDate.of(2026, 6, 1));
        assertThat(b.referralsAfter()).as("September has no row: 0").isEqualTo(9);
        assertThat(b.monthsAfter()).isEqualTo(3);
        assertThat(r.comparisonChange()).isCloseTo(0.0, within(1e-9));
        assertThat(a.change()).isCloseTo(5.0, within(1e-9));
        assertThat(a.extraReferrals()).isCloseTo(15.0, within(1e-9));
        assertThat(a.revenue()).as("15 x 0.5 x 250").isCloseTo(1875.0, within(1e-6));
        SourceReturn c = r.contacted().stream().filter(s -> s.orgKey().equals(C)).findFirst().orElseThrow();
        assertThat(c.monthsAfter()).as("contacted in October: too early to tell").isZero();
        assertThat(c.extraReferrals()).isNull();
        SourceReturn f = r.contacted().stream().filter(s -> s.orgKey().equals(F)).findFirst().orElseThrow();
        assertThat(f.monthsBefore()).as("only August: F's first referrals came then").isEqualTo(1);
        assertThat(f.perMonthBefore()).isEqualTo(3.0);
        assertThat(f.extraReferrals()).as("October 5 against August 3").isCloseTo(2.0, within(1e-9));
        assertThat(f.conversion()).as("no baseline yet").isNull();
        assertThat(f.revenue()).isNull();
        assertThat(r.contacted()).extracting(SourceReturn::orgKey).containsExactly(A, F, C, D);
        assertThat(r.extraReferrals()).isCloseTo(17.0, within(1e-9));
        assertThat(r.revenue()).isCloseTo(1875.0, within(1e-6));

        // answering A's alert acknowledges it and takes A off the due list
        Outreach answer = log.log(clinic, new NewOutreach(A, null, "call", "volume", "reached", alertA), "coord");
        assertThat(answer.contactedOn()).as("today in New York").isEqualTo(LocalDate.of(2026, 11, 23));
        assertThat(answer.alertId()).isEqualTo(alertA);
        assertThat(answer.sourceName()).isEqualTo("Lakeside Family Practice");
        assertThat(alerts.find(alertA).orElseThrow().status()).isEqualTo("ACKNOWLEDGED");
        assertThat(log.due(clinic)).extracting(OutreachDue::orgKey).containsExactly(B, C, E);
        assertThat(log.find(clinic, A, 10)).extracting(Outreach::contactedOn).containsExactly(
                LocalDate.of(2026, 11, 23), LocalDate.of(2026, 9, 2), LocalDate.of(2026, 7, 14));
        assertThat(log.find(clinic, A, 10).get(1).outcome()).isEqualTo("MEETING_BOOKED");
        assertThat(log.cadence(clinic, C).orElseThrow().lastContact()).isEqualTo(LocalDate.of(2026, 10, 1));
        assertThat(log.clearCadence(clinic, E)).isTrue();
        assertThat(log.due(clinic)).extracting(OutreachDue::orgKey).containsExactly(B, C);
    }

    @Test
    void refusesWhatItCannotKeepAndSaysWhy() {
        String clinic = "quay";
        world(clinic);
        long alertB = alert(clinic, B, YearMonth.of(2026, 9), OffsetDateTime.parse("2026-10-20T14:00:00Z"));

        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 11, 24), "call", "volume",
                "reached", null), "coord"))
                .isInstanceOf(InvalidOutreachException.class)
                .hasMessage("contactedOn 2026-11-24 is in the future: today is 2026-11-23 at quay (America/New_York)");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, null, "fax", "volume", "reached", null), "coord"))
                .hasMessage("channel must be one of [call, visit, email, letter, event]; got 'fax'");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, null, "call", null, "reached", null), "coord"))
                .hasMessage("topic is required: one of [volume, quality, scheduling, feedback, relationship]");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach("npi:0000000000", null, "call", "volume", "reached",
                null), "coord"))
                .hasMessage("No referring practice 'npi:0000000000' in the figures of quay: outreach is logged for "
                        + "the practices its sources list");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, null, "call", "volume", "reached", alertB),
                "coord"))
                .hasMessage("Alert " + alertB + " is not about '" + A + "' at quay: it is about '" + B
                        + "' at clinic 'quay'");
        world("quay-elsewhere");
        long elsewhere = alert("quay-elsewhere", A, YearMonth.of(2026, 9), OffsetDateTime.parse("2026-10-20T14:00:00Z"));
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, null, "call", "volume", "reached", elsewhere),
                "coord"))
                .as("another clinic's alert is not described").hasMessage("No alert " + elsewhere + " at quay");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, LocalDate.of(2021, 11, 22), "call", "volume",
                "reached", null), "coord"))
                .hasMessage("contactedOn 2021-11-22 is more than 5 years ago: today is 2026-11-23 at quay");
        assertThatThrownBy(() -> log.setCadence(clinic, A, 3, "coord"))
                .hasMessage("everyDays must be between 7 and 366; got 3");
        assertThat(log.find(clinic, null, 10)).as("nothing kept").isEmpty();
        assertThat(alerts.find(alertB).orElseThrow().status()).isEqualTo("OPEN");
    }

    @Test
    void aContactCanBeWithOneReferringProviderOfThePractice() {
        String clinic = "pier";
        world(clinic);
        String lee = "npi:1245319599";
        jdbc.sql("""
                INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                          history_months, computed_at, provisional)
                VALUES (:clinic, :month, :org, :provider, 4, 0, 12, :t, FALSE)
                """).param("clinic", clinic).param("month", LocalDate.of(2026, 10, 1)).param("org", A)
                .param("provider", lee).param("t", OffsetDateTime.parse("2026-11-23T12:00:00Z")).update();
        jdbc.sql("""
                INSERT INTO practitioner (endpoint_id, resource_id, name, npi, active, source_key, content_hash, updated_at)
                VALUES (:endpoint, 'lee', 'Dana Lee', '1245319599', TRUE, :key, 'x', :t)
                """).param("endpoint", clinic + "-emr").param("key", lee)
                .param("t", OffsetDateTime.parse("2026-11-02T12:00:00Z")).update();

        log.setCadence(clinic, A, 7, "coord");
        assertThat(log.due(clinic)).extracting(OutreachDue::orgKey).as("never contacted").contains(A);

        Outreach visit = log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 11, 20), "visit", "quality", "reached",
                null, " " + lee + " "), "coord");

        assertThat(log.find(visit.id()).orElseThrow()).extracting(Outreach::providerKey, Outreach::providerName)
                .containsExactly(lee, "Dana Lee");
        assertThat(log.due(clinic)).extracting(OutreachDue::orgKey).as("a provider's contact is the practice's")
                .doesNotContain(A);
        assertThat(log.cadence(clinic, A).orElseThrow().nextDue()).isEqualTo(LocalDate.of(2026, 11, 27));
        Outreach call = log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 11, 21), "call", "volume", "reached",
                null, ""), "coord");
        assertThat(call.providerKey()).as("the practice as a whole").isNull();
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(B, null, "call", "volume", "reached", null, lee),
                "coord"))
                .isInstanceOf(InvalidOutreachException.class)
                .hasMessage("No referring provider '" + lee + "' at practice '" + B + "' in the figures of pier: "
                        + "outreach to a provider is logged for the providers the practice's page lists");
        assertThatThrownBy(() -> log.log(clinic, new NewOutreach(A, null, "call", "volume", "reached", null, "*"),
                "coord")).hasMessageStartingWith("No referring provider '*' at practice");
        assertThat(log.find(clinic, null, 10)).hasSize(2);
    }

    /**
     * Dana Lee of practice A sends 2 a month from January to October, none in June (no row), 3, 4 and 5
     * from August; first contacted July 20 (and again October 2). Kim's first referrals come in
     * September (3), then 2; contacted September 5. Another practice's contact with Lee is not A's.
     */
    @Test
    void theReturnPerProviderCountsTheirReferralsAroundTheFirstContactWithThem() {
        String clinic = "wharf";
        world(clinic);
        String lee = "npi:1245319599";
        String kim = "wharf-emr/Practitioner/kim";
        int[] leeMonths = {2, 2, 2, 2, 2, -1, 2, 3, 4, 5, 9};
        for (int i = 0; i < leeMonths.length; i++) {
            providerMonth(clinic, YearMonth.of(2026, 1 + i), A, lee, leeMonths[i]);
            providerMonth(clinic, YearMonth.of(2026, 1 + i), B, lee, 1);
        }
        providerMonth(clinic, YearMonth.of(2026, 9), A, kim, 3);
        providerMonth(clinic, YearMonth.of(2026, 10), A, kim, 2);
        jdbc.sql("""
                INSERT INTO practitioner (endpoint_id, resource_id, name, npi, active, source_key, content_hash, updated_at)
                VALUES (:endpoint, 'lee', 'Dana Lee', '1245319599', TRUE, :key, 'x', :t)
                """).param("endpoint", clinic + "-emr").param("key", lee)
                .param("t", OffsetDateTime.parse("2026-11-02T12:00:00Z")).update();
        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 7, 20), "visit", "volume", "reached", null, lee), "coord");
        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 10, 2), "call", "quality", "reached", null, lee), "coord");
        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 9, 5), "call", "relationship", "reached", null, kim),
                "coord");
        log.log(clinic, new NewOutreach(B, LocalDate.of(2026, 3, 3), "call", "volume", "reached", null, lee), "coord");
        log.log(clinic, new NewOutreach(A, LocalDate.of(2026, 2, 2), "call", "volume", "reached", null), "coord");

        List<ProviderReturn> returned = returns.providers(clinic, clinic, A);

        assertThat(returned).extracting(ProviderReturn::practitionerKey).as("the practice's own contact is no "
                + "provider's; B's contact with Lee is not A's").containsExactly(lee, kim);
        ProviderReturn l = returned.get(0);
        assertThat(l.name()).isEqualTo("Dana Lee");
        assertThat(l.since()).isEqualTo(LocalDate.of(2026, 7, 20));
        assertThat(l.contacts()).isEqualTo(2);
        assertThat(l.monthsBefore()).as("April to June").isEqualTo(3);
        assertThat(l.referralsBefore()).as("June has no row: 0").isEqualTo(4);
        assertThat(l.monthsAfter()).as("August to October; November is provisional").isEqualTo(3);
        assertThat(l.referralsAfter()).isEqualTo(12);
        assertThat(l.change()).isCloseTo(4.0 - 4 / 3.0, within(1e-9));
        ProviderReturn k = returned.get(1);
        assertThat(k.name()).isNull();
        assertThat(k.monthsBefore()).as("no referral before September").isZero();
        assertThat(k.perMonthBefore()).isNull();
        assertThat(k.monthsAfter()).isEqualTo(1);
        assertThat(k.perMonthAfter()).isEqualTo(2.0);
        assertThat(k.change()).isNull();
        assertThat(returns.providers(clinic, clinic, " " + C + " ")).as("none contacted").isEmpty();
        assertThatThrownBy(() -> returns.providers(clinic, clinic, "harbor-emr/Organization/zz"))
                .isInstanceOf(InvalidOutreachException.class)
                .hasMessage("No referring practice 'harbor-emr/Organization/zz' in the figures of wharf: outreach is "
                        + "logged for the practices its sources list");
        assertThatThrownBy(() -> returns.providers(clinic, clinic, "")).hasMessageStartingWith("org is required");
    }

    private void providerMonth(String clinic, YearMonth month, String org, String provider, int referrals) {
        if (referrals < 0) {
            return;
        }
        jdbc.sql("""
                INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                          history_months, computed_at, provisional)
                VALUES (:clinic, :month, :org, :provider, :referrals, 0, 12, :t, :provisional)
                """).param("clinic", clinic).param("month", month.atDay(1)).param("org", org).param("provider", provider)
                .param("referrals", referrals).param("t", OffsetDateTime.parse("2026-11-23T12:00:00Z"))
                .param("provisional", month.equals(YearMonth.of(2026, 11))).update();
    }

    /**
     * A clinic with figures for January to October 2026 (final) and November (provisional): A sends
     * 10 a month, 4 from April to June, then 8, 9, 10; B sends 6, then 3 from April, 4 in August,
     * none in September (no row), 5 in October; C, D and E send 5 a month; F is new: a row with none
     * in July, then 3, 4, 5 from August, no baseline conversion yet.
     */
    private void world(String clinic) {
        OffsetDateTime t = OffsetDateTime.parse("2026-11-02T12:00:00Z");
        jdbc.sql("INSERT INTO clinic (id, name, time_zone, updated_at) VALUES (:id, :id, 'America/New_York', :t)")
                .param("id", clinic).param("t", t).update();
        jdbc.sql("""
                INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at)
                VALUES (:id, :clinic, :id, 'http://127.0.0.1:9/fhir/', 100, '0 0 2 * * *', FALSE, 'API', :t)
                """).param("id", clinic + "-emr").param("clinic", clinic).param("t", t).update();
        jdbc.sql("""
                INSERT INTO organization (endpoint_id, resource_id, name, npi, active, source_key, content_hash, updated_at)
                VALUES (:endpoint, 'a', 'Lakeside Family Practice', '1234567893', TRUE, :key, 'x', :t)
                """).param("endpoint", clinic + "-emr").param("key", A).param("t", t).update();
        int[] a = {10, 10, 10, 4, 4, 4, 7, 8, 9, 10, 20};
        int[] b = {6, 6, 6, 3, 3, 3, 3, 4, -1, 5, 6};
        for (int i = 0; i < a.length; i++) {
            YearMonth m = YearMonth.of(2026, 1 + i);
            month(clinic, m, A, a[i], i == 9 ? 0.5 : 0.4);
            month(clinic, m, B, b[i], 0.6);
            month(clinic, m, C, 5, 0.6);
            month(clinic, m, D, 5, 0.6);
            month(clinic, m, E, 5, 0.6);
            if (i >= 6 && i <= 9) {
                month(clinic, m, F, i - 5 + (i > 6 ? 1 : -1), null);
            }
        }
    }

    private void month(String clinic, YearMonth month, String org, int referrals, Double conversion) {
        if (referrals < 0) {
            return;
        }
        jdbc.sql("""
                INSERT INTO source_month (clinic_id, month_start, org_key, practitioner_key, referrals, converted,
                                          history_months, computed_at, baseline_conversion, provisional)
                VALUES (:clinic, :month, :org, '*', :referrals, 0, 12, :t, :conversion, :provisional)
                """)
                .param("clinic", clinic).param("month", month.atDay(1)).param("org", org).param("referrals", referrals)
                .param("t", OffsetDateTime.parse("2026-11-23T12:00:00Z")).param("conversion", conversion)
                .param("provisional", month.equals(YearMonth.of(2026, 11))).update();
    }

    private long alert(String clinic, String org, YearMonth month, OffsetDateTime at) {
        jdbc.sql("""
                INSERT INTO alert (clinic_id, kind, org_key, month_start, observed, expected, explanation, status,
                                   created_at, updated_at, opened_at)
                VALUES (:clinic, 'SLOWDOWN', :org, :month, 3, 10, 'fewer', 'OPEN', :at, :at, :at)
                """).param("clinic", clinic).param("org", org).param("month", month.atDay(1)).param("at", at).update();
        return jdbc.sql("SELECT MAX(id) FROM alert WHERE clinic_id = :clinic").param("clinic", clinic)
                .query(Long.class).single();
    }
}
