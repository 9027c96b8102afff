package org.referralmonitor.ingest;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The ingest module on its own, for its tests. */
@SpringBootApplication(scanBasePackages = {"org.referralmonitor.ingest", "org.referralmonitor.profiles"})
public class IngestTestApplication {
}
