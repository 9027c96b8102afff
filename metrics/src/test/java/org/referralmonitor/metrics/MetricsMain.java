package org.referralmonitor.metrics;

import java.time.YearMonth;
import java.util.concurrent.CountDownLatch;
import org.referralmonitor.metrics.monthly.MonthlyMetricsRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The metrics module as a process of its own, for tests that kill it (started with
 * {@code IngestProcess.start(MetricsMain.class, ...)}). With {@code --metrics-main.recompute=clinic,from,to}
 * it queues that recompute once started, as the API does.
 */
public final class MetricsMain {

    private MetricsMain() {
    }

    /** Runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        ConfigurableApplicationContext app = SpringApplication.run(MetricsTestApplication.class, args);
        String recompute = app.getEnvironment().getProperty("metrics-main.recompute");
        if (recompute != null) {
            String[] run = recompute.split(",");
            app.getBean(MonthlyMetricsRunner.class).submit(run[0], YearMonth.parse(run[1]), YearMonth.parse(run[2]),
                    true, "crash test");
        }
        new CountDownLatch(1).await();
    }
}
