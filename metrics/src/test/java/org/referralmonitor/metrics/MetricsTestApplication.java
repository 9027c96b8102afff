package org.referralmonitor.metrics;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The metrics module with what it depends on, for its tests. */
@SpringBootApplication(scanBasePackages = {"org.referralmonitor.metrics", "org.referralmonitor.ingest",
    "org.referralmonitor.profiles"})
public class MetricsTestApplication {
}
