package org.referralmonitor.metrics.monthly;

import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/** {@link MonthlyFactsContract} on PostgreSQL. */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class},
        properties = "referral-monitor.ingest.pull.conversion-window-days=30")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class MonthlyFactsIT extends MonthlyFactsContract {
}
