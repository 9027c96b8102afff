package org.referralmonitor.app.notify;

import org.referralmonitor.app.FixedClock;
import org.referralmonitor.app.ReferralMonitorApplication;
import org.springframework.boot.test.context.SpringBootTest;

/** {@link NotificationsContract} on H2, the embedded default's database, with a database of its own. */
@SpringBootTest(classes = {ReferralMonitorApplication.class, FixedClock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:notifications-it;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                    + "DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
            "referral-monitor.ingest.sandbox.enabled=true",
            "referral-monitor.ingest.sync-on-startup=false",
            "referral-monitor.ingest.default-schedule=-",
            "referral-monitor.metrics.monthly-close-schedule=-",
            "referral-monitor.app.admin-password=" + NotificationsContract.ADMIN_PW,
            "referral-monitor.app.manager-password=" + NotificationsContract.MANAGER_PW})
class NotificationsH2IT extends NotificationsContract {
}
