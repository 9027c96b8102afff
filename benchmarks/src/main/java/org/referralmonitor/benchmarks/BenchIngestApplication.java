package org.referralmonitor.benchmarks;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The monitor's ingest part as the benchmark runs it: the same beans, routes and writer as in production. */
@SpringBootApplication(scanBasePackages = {"org.referralmonitor.ingest", "org.referralmonitor.profiles"})
class BenchIngestApplication {
}
