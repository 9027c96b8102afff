package org.referralmonitor.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.sandbox.SandboxFhirServer;
import org.referralmonitor.ingest.sandbox.SandboxSpec;
import org.referralmonitor.ingest.sandbox.SandboxWorld;
import org.referralmonitor.ingest.sandbox.SandboxWorldGenerator;

/**
 * The EMR of the ingest benchmark: the sandbox FHIR server (WireMock) over a generated world of
 * about the asked number of resources, for one clinic, in a JVM of its own so that its memory is
 * not counted as the monitor's. Runs as {@code benchmarks.jar emr-server N} and stops when its
 * standard input closes; {@link #start} is the benchmark's side.
 */
final class BenchEmr implements AutoCloseable {

    static final String CLINIC = "lakeside-ortho";
    private static final LocalDate AS_OF = LocalDate.of(2026, 11, 1);
    private static final int MONTHS = 24;

    /** What the server holds. */
    record Content(URI baseUrl, Map<String, Integer> countsByType) {

        int total() {
            return countsByType.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final Process process;
    final Content content;

    private BenchEmr(Process process, Content content) {
        this.process = process;
        this.content = content;
    }

    /** Starts the EMR process with this benchmark's jar and waits until it serves. */
    static BenchEmr start(int resources, Path log) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx6g", "-cp", System.getProperty("java.class.path"), "org.springframework.boot.loader.launch.JarLauncher",
                "emr-server", Integer.toString(resources));
        if (!System.getProperty("java.class.path").endsWith(".jar")) {
            command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx6g", "-cp",
                    System.getProperty("java.class.path"), Benchmarks.class.getName(), "emr-server",
                    Integer.toString(resources));
        }
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                String[] parts = line.split(" ");
                Map<String, Integer> counts = new TreeMap<>();
                for (int i = 2; i < parts.length; i++) {
                    String[] kv = parts[i].split("=");
                    counts.put(kv[0], Integer.parseInt(kv[1]));
                }
                return new BenchEmr(process, new Content(URI.create(parts[1]), counts));
            }
        }
        throw new IOException("The benchmark EMR stopped before serving; see " + log.toAbsolutePath());
    }

    /** The EMR's process, for its CPU time. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** The EMR process: generates, serves, prints READY with its base URL and counts, waits for stdin to close. */
    static void serve(int resources) throws IOException {
        FhirContext fhir = FhirContext.forR4Cached();
        SandboxWorldGenerator generator = new SandboxWorldGenerator(fhir);
        int probe = 200;
        int perPractice = generator.generate(spec(probe)).clinic(CLINIC).resources().size() / probe;
        int practices = Math.max(probe, resources / Math.max(1, perPractice));
        SandboxWorld world = generator.generate(spec(practices));
        int generated = world.clinic(CLINIC).resources().size();
        if (generated < resources) {
            // larger worlds have fewer resources per practice than the probe: scale up once, with 1% to spare
            world = generator.generate(spec((int) Math.ceil(practices * 1.01 * resources / generated)));
        }
        try (SandboxFhirServer server = new SandboxFhirServer(world)) {
            Map<String, Long> counts = world.clinic(CLINIC).resources().stream()
                    .collect(Collectors.groupingBy(SandboxWorld.Resource::type, TreeMap::new, Collectors.counting()));
            System.out.println("READY " + server.baseUrl(CLINIC) + " " + counts.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the benchmark closes our standard input
            }
        }
    }

    private static SandboxSpec spec(int practices) {
        return new SandboxSpec(7, AS_OF, MONTHS, practices, List.of(SandboxSpec.demoClinics().get(0)));
    }
}
