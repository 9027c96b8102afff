package org.referralmonitor.ingest.testsupport;

import java.util.concurrent.CountDownLatch;
import org.referralmonitor.ingest.IngestTestApplication;
import org.springframework.boot.SpringApplication;

/** The ingest module as a process of its own, for tests that kill it (see {@link IngestProcess}). */
public final class IngestMain {

    private IngestMain() {
    }

    /** Runs until killed: ingest has no web server or other non-daemon thread that would keep the JVM up. */
    public static void main(String[] args) throws InterruptedException {
        SpringApplication.run(IngestTestApplication.class, args);
        new CountDownLatch(1).await();
    }
}
