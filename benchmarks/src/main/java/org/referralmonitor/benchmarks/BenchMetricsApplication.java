package org.referralmonitor.benchmarks;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The monitor's metrics part as the benchmark runs it, with the ingest beans it depends on: the same job as in production. */
@SpringBootApplication(scanBasePackages = {"org.referralmonitor.metrics", "org.referralmonitor.ingest",
    "org.referralmonitor.profiles"})
class BenchMetricsApplication {
}
