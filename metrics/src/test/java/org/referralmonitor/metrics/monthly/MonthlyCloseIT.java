package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/**
 * The monthly close runs the job on its schedule for every clinic's last complete month and the
 * months still provisional (on 2026-11-23 with 45 provisional days: November and October).
 */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = "referral-monitor.metrics.monthly-close-schedule=*/1 * * * * *")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class MonthlyCloseIT {

    @Autowired
    MonthlyMetricsRunner runner;

    @Autowired
    JdbcClient jdbc;

    @Test
    void computesLastMonthForEveryClinicOnSchedule() {
        ReferralFixture f = new ReferralFixture(jdbc);
        f.clinic("north", "north-emr");
        f.clinic("south", "south-emr");
        f.referrals("north-emr", "npi:1245319599", null, YearMonth.of(2026, 10), 3, 1);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                runner.history("north", 5).stream().anyMatch(r -> r.status().equals("COMPLETED"))
                        && runner.history("south", 5).stream().anyMatch(r -> r.status().equals("COMPLETED")));

        assertThat(runner.history(null, 50)).extracting(MetricsJobRun::month).containsOnly("2026-10/2026-11");
        assertThat(runner.history(null, 50)).extracting(MetricsJobRun::trigger).containsOnly("monthly close");
        assertThat(jdbc.sql("""
                SELECT referrals FROM source_month WHERE clinic_id = 'north' AND practitioner_key = '*'
                  AND month_start = DATE '2026-10-01'
                """).query(Integer.class).single()).isEqualTo(3);
    }
}
