package org.referralmonitor.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** The runnable monitor: ingest, metrics, dashboard, API and security in one Spring Boot application. */
@SpringBootApplication(scanBasePackages = "org.referralmonitor")
@EnableConfigurationProperties(AppProperties.class)
public class ReferralMonitorApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReferralMonitorApplication.class, args);
    }
}
