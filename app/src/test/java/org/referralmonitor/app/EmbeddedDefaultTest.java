package org.referralmonitor.app;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The application exactly as the README's run command starts it (config/application.yml, H2,
 * built-in sandbox EMR), on a random port, with today pinned by {@link FixedClock}, except that
 * months are final as soon as they end (provisional-days 0), so last month's planted slowdowns
 * raise alerts on the pinned day, and that secrets entered in the dashboard may also be files in
 * the temporary directory (where the tests write them). Test classes carrying it share one application.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(classes = {ReferralMonitorApplication.class, FixedClock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.additional-location=file:../config/", "referral-monitor.metrics.provisional-days=0",
                "referral-monitor.ingest.entered-secrets.file-dirs=/run/secrets/referral-monitor/,${java.io.tmpdir}"})
public @interface EmbeddedDefaultTest {
}
