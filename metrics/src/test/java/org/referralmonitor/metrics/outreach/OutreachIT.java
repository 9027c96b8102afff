package org.referralmonitor.metrics.outreach;

import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.metrics.MetricsTestApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/** {@link OutreachContract} on PostgreSQL. */
@SpringBootTest(classes = {MetricsTestApplication.class, OutreachContract.Today.class})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class OutreachIT extends OutreachContract {
}
