package org.referralmonitor.app.notify;

import org.referralmonitor.app.FixedClock;
import org.referralmonitor.app.ReferralMonitorApplication;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;

/** {@link NotificationsContract} on PostgreSQL. */
@SpringBootTest(classes = {ReferralMonitorApplication.class, FixedClock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "referral-monitor.ingest.sandbox.enabled=true",
            "referral-monitor.ingest.sync-on-startup=false",
            "referral-monitor.ingest.default-schedule=-",
            "referral-monitor.metrics.monthly-close-schedule=-",
            "referral-monitor.ingest.pseudonym-key=notify-test-pseudonym-key-not-a-secret-01",
            "referral-monitor.app.admin-password=" + NotificationsContract.ADMIN_PW,
            "referral-monitor.app.manager-password=" + NotificationsContract.MANAGER_PW})
@ActiveProfiles("postgres")
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class NotificationsIT extends NotificationsContract {
}
