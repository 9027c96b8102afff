package org.referralmonitor.metrics.outreach;

import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link OutreachContract} on H2 in PostgreSQL mode, as the demo run uses it. */
@SpringBootTest(classes = {MetricsTestApplication.class, OutreachContract.Today.class}, properties = {
    "spring.datasource.url=jdbc:h2:mem:outreach;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
            + "DB_CLOSE_DELAY=-1",
    "spring.datasource.username=sa",
    "spring.datasource.password="})
class OutreachH2IT extends OutreachContract {
}
