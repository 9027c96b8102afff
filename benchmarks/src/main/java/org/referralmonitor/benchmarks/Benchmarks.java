package org.referralmonitor.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the benchmarks and writes their figures into {@code docs/benchmarks.md}, each next to the
 * baselines measured in the same run.
 *
 * <pre>
 * ./mvnw -B -q -pl benchmarks -am package -DskipTests
 * java -Xmx512m -jar benchmarks/target/benchmarks.jar validation|ingest|metrics [--docs docs/benchmarks.md] [--scale 1.0]
 * java -jar benchmarks/target/benchmarks.jar metrics --generate-only [--scale 1.0]
 * java -Xmx512m -jar benchmarks/target/benchmarks.jar metrics --world rm_bench_NNN [--scale 1.0]
 * </pre>
 *
 * The metrics world at scale 1.0 takes an hour to generate: {@code --generate-only} generates it,
 * keeps its database and prints its name; {@code --world NAME} measures on a kept world again (the
 * schema migrated to the current one, the figures written as usual; drop the database when done).
 *
 * PostgreSQL comes from RM_BENCH_DATABASE_URL (default jdbc:postgresql://127.0.0.1:5432/postgres,
 * user RM_BENCH_DATABASE_USER or postgres); each run creates and drops its own database (kept when
 * RM_BENCH_KEEP_DATABASE is set).
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        List<String> names = new ArrayList<>();
        Path docs = Path.of("docs", "benchmarks.md");
        double scale = 1.0;
        String world = null;
        boolean generateOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--docs" -> docs = Path.of(args[++i]);
                case "--scale" -> scale = Double.parseDouble(args[++i]);
                case "--world" -> world = args[++i];
                case "--generate-only" -> generateOnly = true;
                default -> names.add(args[i]);
            }
        }
        if (!names.isEmpty() && names.get(0).equals("emr-server")) {
            BenchEmr.serve(Integer.parseInt(names.get(1)));
            System.exit(0);
        }
        if (names.isEmpty()) {
            System.err.println("usage: java -Xmx512m -jar benchmarks.jar validation|ingest|metrics [--docs FILE] [--scale F]"
                    + " [--generate-only | --world rm_bench_NNN]");
            System.exit(2);
        }
        for (String name : names) {
            String section = switch (name) {
                case "validation" -> new ValidationBenchmark(scale).run();
                case "ingest" -> new IngestBenchmark(scale).run();
                case "metrics" -> new MetricsBenchmark(scale, world, generateOnly).run();
                default -> throw new IllegalArgumentException("No benchmark '" + name + "'; known: "
                        + Arrays.asList("validation", "ingest", "metrics"));
            };
            if (section == null) {
                continue;
            }
            System.out.println(section);
            Docs.replaceSection(docs, name, section);
            System.out.println("Written to " + docs.toAbsolutePath());
        }
        System.exit(0);
    }
}
