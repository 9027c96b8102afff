package org.referralmonitor.ingest.instance;

import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.referralmonitor.ingest.IngestProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One process runs the jobs of a database: syncs, monthly runs, notifications. At start (before a
 * sync marks the runs a stopped process left as interrupted) this process takes the lease, waiting
 * while another live process holds it, and refuses to start when it still does after
 * {@code instance.startup-wait}; it renews the lease every third of {@code instance.lease-ttl} from a
 * thread of its own and gives it back when it stops.
 *
 * <p>A holder is taken over when its heartbeat is older than the lease's time to live (the database's
 * clock, not the processes'), or at once when it ran on this machine (same boot and process-id
 * namespace, so two containers that share a host name are not confused) and its process is gone: a
 * restart after a crash does not wait. A process whose lease was taken over (it stalled longer than
 * the time to live) halts at once, as a crash would, so that two never run the jobs at once; it never
 * takes the lease back. Processes of one JVM (test contexts) share one holder id. Beans that write at
 * start or run jobs depend on this one, so it is taken before them and given back after they stopped.
 */
@Component
public class InstanceLease {

    private static final Logger log = LoggerFactory.getLogger(InstanceLease.class);

    /** The lease of the jobs. */
    public static final String JOBS = "jobs";

    /** This JVM's holder id. */
    private static final String JVM_HOLDER = UUID.randomUUID().toString();

    /** Who holds a lease. */
    public record Holder(String holder, String host, String machine, long pid, OffsetDateTime acquiredAt,
            OffsetDateTime heartbeatAt) {
    }

    /**
     * What this process is: its holder id, host name, machine (null where it cannot be told) and process id.
     *
     * @param machine the boot id and the process-id namespace: process ids are comparable only between
     *     processes of the same machine; null when they cannot be read (not Linux)
     */
    public record Self(String holder, String host, String machine, long pid) {

        static Self current() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown");
            }
            return new Self(JVM_HOLDER, host, readMachine(), ProcessHandle.current().pid());
        }

        private static String readMachine() {
            try {
                String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id"))
                        .strip();
                String pids = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
                return boot + " " + pids;
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return null;
            }
        }
    }

    /** Thrown when another live process holds the lease after the wait. */
    public static class HeldElsewhereException extends IllegalStateException {
        HeldElsewhereException(String message) {
            super(message);
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final String name;
    private final Self self;
    private final Duration ttl;
    private final Duration startupWait;
    private final Runnable onLost;
    private ScheduledExecutorService heartbeat;

    @Autowired
    InstanceLease(JdbcClient jdbc, TransactionTemplate tx, IngestProperties properties) {
        this(jdbc, tx, JOBS, Self.current(), properties.instance().leaseTtl(), properties.instance().startupWait(),
                InstanceLease::halt);
        acquire();
        start();
    }

    InstanceLease(JdbcClient jdbc, TransactionTemplate tx, String name, Self self, Duration ttl, Duration startupWait,
            Runnable onLost) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.name = name;
        this.self = self;
        this.ttl = ttl;
        this.startupWait = startupWait;
        this.onLost = onLost;
    }

    /**
     * Takes the lease, waiting up to the startup wait while another live process holds it.
     *
     * @throws HeldElsewhereException naming the holder, when it still holds it
     */
    void acquire() {
        long deadline = System.nanoTime() + startupWait.toNanos();
        boolean said = false;
        while (true) {
            Optional<Holder> other;
            try {
                other = tryAcquire();
            } catch (DuplicateKeyException raced) {
                continue; // another process inserted the lease at the same moment: read it again
            }
            if (other.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new HeldElsewhereException(describe(other.get()) + "; this process waited "
                        + startupWait.toSeconds() + " s for it and does not start. Run one referral-monitor per "
                        + "database (README, \"One instance\"): stop the other one, or start this one when it has "
                        + "stopped (a stopped process's lease lapses " + ttl.toSeconds() + " s after its last "
                        + "heartbeat)");
            }
            if (!said) {
                log.warn("{}; waiting up to {} s for it to stop", describe(other.get()), startupWait.toSeconds());
                said = true;
            }
            try {
                Thread.sleep(Math.min(1000, Math.max(50, ttl.toMillis() / 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the instance lease", e);
            }
        }
    }

    /** Takes the lease if it is free, lapsed, ours or its holder is gone; else who holds it. */
    Optional<Holder> tryAcquire() {
        return tx.execute(status -> {
            OffsetDateTime now = databaseNow();
            // twice at most: a holder may give the lease back between the insert and the read
            for (int attempt = 0; ; attempt++) {
                int inserted = jdbc.sql("""
                        INSERT INTO instance_lease (name, holder, host, machine, pid, acquired_at, heartbeat_at)
                        SELECT :name, :holder, :host, :machine, :pid, :now, :now
                        WHERE NOT EXISTS (SELECT 1 FROM instance_lease WHERE name = :name)
                        """).param("name", name).param("holder", self.holder()).param("host", self.host())
                        .param("machine", self.machine()).param("pid", self.pid()).param("now", now).update();
                if (inserted == 1) {
                    log.info("This process ({} on {}) runs the jobs of this database (lease '{}')", self.pid(),
                            self.host(), name);
                    return Optional.<Holder>empty();
                }
                Optional<Holder> read = jdbc.sql("SELECT * FROM instance_lease WHERE name = :name FOR UPDATE")
                        .param("name", name).query(InstanceLease::mapHolder).optional();
                if (read.isEmpty() && attempt == 0) {
                    continue;
                }
                Holder current = read.orElseThrow(() -> new IllegalStateException("the instance lease '" + name
                        + "' appeared and went twice while it was being taken"));
                String takeover = takeoverReason(current, now);
                if (takeover == null) {
                    return Optional.of(current);
                }
                jdbc.sql("""
                        UPDATE instance_lease SET holder = :holder, host = :host, machine = :machine, pid = :pid,
                               acquired_at = :now, heartbeat_at = :now
                        WHERE name = :name
                        """).param("name", name).param("holder", self.holder()).param("host", self.host())
                        .param("machine", self.machine()).param("pid", self.pid()).param("now", now).update();
                if (!current.holder().equals(self.holder())) {
                    log.info("This process ({} on {}) runs the jobs of this database (lease '{}'): {}", self.pid(),
                            self.host(), name, takeover);
                }
                return Optional.<Holder>empty();
            }
        });
    }

    /** Why the current holder's lease can be taken, or null when it cannot. */
    private String takeoverReason(Holder current, OffsetDateTime now) {
        if (current.holder().equals(self.holder())) {
            return "already held by this process";
        }
        if (current.heartbeatAt().isBefore(now.minus(ttl))) {
            return "the previous holder (" + current.pid() + " on " + current.host() + ") was last seen at "
                    + current.heartbeatAt() + ", more than " + ttl.toSeconds() + " s ago";
        }
        // same machine only: containers sharing a host name have process ids of their own
        if (self.machine() != null && self.machine().equals(current.machine())
                && (current.pid() == self.pid() || ProcessHandle.of(current.pid()).map(p -> !p.isAlive()).orElse(true))) {
            return "the previous holder (" + current.pid() + " on this host) is gone";
        }
        return null;
    }

    /**
     * Renews the lease. Gone (given back by another context of this JVM), it is taken again; taken by
     * another process, {@code onLost}: never taken back.
     */
    void renew() {
        try {
            int renewed = jdbc.sql("""
                    UPDATE instance_lease SET heartbeat_at = CURRENT_TIMESTAMP WHERE name = :name AND holder = :holder
                    """).param("name", name).param("holder", self.holder()).update();
            if (renewed == 1) {
                return;
            }
            Optional<Holder> other = holder();
            if (other.isEmpty()) {
                other = tryAcquire();
            }
            if (other.isPresent()) {
                log.error("{}: it took over this process's lease (this process stalled longer than {} s); this "
                        + "process halts so that two never run the jobs at once", describe(other.get()),
                        ttl.toSeconds());
                onLost.run();
            }
        } catch (RuntimeException e) {
            // the database is unreachable for now: the next beat tries again (the lease lapses after its ttl)
            log.warn("Could not renew the instance lease: {}", e.toString());
        }
    }

    private void start() {
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "instance-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, ttl.toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Gives the lease back, so the next process starts at once. */
    @PreDestroy
    void release() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        try {
            jdbc.sql("DELETE FROM instance_lease WHERE name = :name AND holder = :holder")
                    .param("name", name).param("holder", self.holder()).update();
        } catch (RuntimeException e) {
            log.warn("Could not give the instance lease back ({}); it lapses after {} s", e.toString(), ttl.toSeconds());
        }
    }

    /** Who holds the lease now, if anyone. */
    public Optional<Holder> holder() {
        return jdbc.sql("SELECT * FROM instance_lease WHERE name = :name").param("name", name)
                .query(InstanceLease::mapHolder).optional();
    }

    private static Holder mapHolder(ResultSet rs, int row) throws SQLException {
        return new Holder(rs.getString("holder"), rs.getString("host"), rs.getString("machine"), rs.getLong("pid"),
                rs.getObject("acquired_at", OffsetDateTime.class), rs.getObject("heartbeat_at", OffsetDateTime.class));
    }

    private OffsetDateTime databaseNow() {
        return jdbc.sql("SELECT CURRENT_TIMESTAMP").query(OffsetDateTime.class).single();
    }

    private static String describe(Holder h) {
        return "Another referral-monitor process runs the jobs of this database: process " + h.pid() + " on "
                + h.host() + ", since " + h.acquiredAt() + ", last heartbeat " + h.heartbeatAt();
    }

    /** Stops at once, as a crash would (the new holder recovers what this process was doing). */
    private static void halt() {
        Runtime.getRuntime().halt(3);
    }
}
