package org.referralmonitor.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * CPU time spent between two readings, in core-seconds: the whole machine (busy and in all, from
 * {@code /proc/stat}) and the three parties of a benchmark, this JVM, the EMR's JVM and the
 * PostgreSQL server's processes (from {@code /proc/<pid>/stat}). Linux only: elsewhere every figure
 * is zero and {@link #available()} false. A PostgreSQL process that ends between two readings
 * (an autovacuum worker, a parallel worker) takes its time with it; that time shows in
 * {@link Reading#other()}, with the kernel's and every other program's.
 */
final class CpuMeter {

    /** Clock ticks per second of {@code /proc} times (USER_HZ: 100 on every Linux build we run on). */
    private static final double TICKS = 100.0;
    private static final Path PROC = Path.of("/proc");

    private CpuMeter() {
    }

    /** Core-seconds. */
    record Reading(double machineBusy, double machineTotal, double self, double emr, double postgres) {

        Reading minus(Reading earlier) {
            return new Reading(machineBusy - earlier.machineBusy, machineTotal - earlier.machineTotal,
                    self - earlier.self, emr - earlier.emr, postgres - earlier.postgres);
        }

        /** Busy time not spent by this JVM, the EMR or a PostgreSQL process alive at both readings. */
        double other() {
            return Math.max(0, machineBusy - self - emr - postgres);
        }

        /** The share of the machine's cores that were busy. */
        double busyShare() {
            return machineTotal <= 0 ? 0 : machineBusy / machineTotal;
        }
    }

    static boolean available() {
        return Files.isReadable(PROC.resolve("stat"));
    }

    static Reading read(ProcessHandle emr) {
        double[] machine = machine();
        return new Reading(machine[0], machine[1], self(), emr == null ? 0 : emr.info().totalCpuDuration()
                .map(Duration::toNanos).orElse(0L) / 1e9, postgres());
    }

    private static double self() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime()) / 1e9;
        }
        return 0;
    }

    /** busy, total. */
    private static double[] machine() {
        if (!available()) {
            return new double[] {0, 0};
        }
        try {
            String[] f = Files.readAllLines(PROC.resolve("stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) {
                    busy += v;
                }
            }
            return new double[] {busy / TICKS, total / TICKS};
        } catch (IOException | RuntimeException e) {
            return new double[] {0, 0};
        }
    }

    /** utime + stime of every process named postgres. */
    private static double postgres() {
        if (!available()) {
            return 0;
        }
        long ticks = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path dir : dirs) {
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    if (open < 0 || close < open || !stat.substring(open + 1, close).equals("postgres")) {
                        continue;
                    }
                    // after the name: state(3) ppid ... utime is field 14, stime 15 (1-based)
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // the process ended while being read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks / TICKS;
    }

    /** Readings every 250 ms from a daemon thread, to split a run's CPU time at instants known afterwards. */
    static final class Sampler implements AutoCloseable {

        private record Sample(long nanos, Reading reading) {
        }

        private final ProcessHandle emr;
        private final List<Sample> samples = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Sampler(ProcessHandle emr) {
            this.emr = emr;
            samples.add(new Sample(System.nanoTime(), read(emr)));
            thread = new Thread(this::sample, "cpu-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            while (running) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
                samples.add(new Sample(System.nanoTime(), read(emr)));
            }
        }

        /** From the first reading to the last one taken at or before {@code nanos} ({@link System#nanoTime()}). */
        Reading upTo(long nanos) {
            return lastAt(nanos).reading().minus(samples.get(0).reading());
        }

        /** Seconds from the first reading to the one {@link #upTo} picks. */
        double secondsUpTo(long nanos) {
            return (lastAt(nanos).nanos() - samples.get(0).nanos()) / 1e9;
        }

        private Sample lastAt(long nanos) {
            Sample last = samples.get(0);
            for (Sample s : samples) {
                if (s.nanos() <= nanos) {
                    last = s;
                }
            }
            return last;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }
}
