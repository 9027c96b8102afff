package org.referralmonitor.ingest.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ingest application in a child JVM with the test's class path, so a test can kill it the way
 * a power cut or the OOM killer would ({@code SIGKILL}: no shutdown hooks, no rollback by us, no
 * goodbye) and start it again on the same database. Its output goes to a log file the test names
 * in its failure messages.
 */
public final class IngestProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private IngestProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@link IngestMain} with these Spring properties (as {@code --key=value} arguments). */
    public static IngestProcess start(Map<String, String> properties, Path log) throws IOException {
        return start(IngestMain.class, properties, log);
    }

    /**
     * Starts another module's main class on the test's class path (one that runs its application until
     * killed, as {@link IngestMain} does) with these Spring properties.
     */
    public static IngestProcess start(Class<?> main, Map<String, String> properties, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new IngestProcess(process, log);
    }

    /** Kills the process with SIGKILL and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("The process " + process.pid() + " did not die; see " + log);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
