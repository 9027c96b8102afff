package org.referralmonitor.metrics.monthly;

import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link MonthlyFactsContract} on H2 in PostgreSQL mode, as the demo run uses it. */
@SpringBootTest(classes = {MetricsTestApplication.class, MonthlyMetricsJobIT.FixedClock.class}, properties = {
    "referral-monitor.ingest.pull.conversion-window-days=30",
    "spring.datasource.url=jdbc:h2:mem:facts;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
            + "DB_CLOSE_DELAY=-1",
    "spring.datasource.username=sa",
    "spring.datasource.password="})
class MonthlyFactsH2IT extends MonthlyFactsContract {
}
