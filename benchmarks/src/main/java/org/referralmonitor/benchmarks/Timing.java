package org.referralmonitor.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Runs a workload a few times after warming up and keeps the median rate. */
final class Timing {

    /** Items per second of one measured run of {@code items} items. */
    interface Workload {
        void run() throws Exception;
    }

    private Timing() {
    }

    static double rate(int items, int warmUps, int runs, Workload workload) throws Exception {
        for (int i = 0; i < warmUps; i++) {
            workload.run();
        }
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            workload.run();
            rates.add(items / ((System.nanoTime() - start) / 1e9));
        }
        Collections.sort(rates);
        return rates.get(rates.size() / 2);
    }

    static String perSecond(double rate) {
        return String.format(Locale.US, "%,.0f/s", rate);
    }

    static String micros(double rate) {
        return String.format(Locale.US, "%.1f µs", 1e6 / rate);
    }
}
