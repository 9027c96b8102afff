package org.referralmonitor.ingest.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.testsupport.IngestProcess;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;

/**
 * Two real processes against one database: the second waits for the first, then refuses to start
 * and says which process holds the database; after the first is killed (SIGKILL, no goodbye), a
 * process started on this host takes over at once, without waiting for the lease (2 minutes here)
 * to lapse.
 */
class TwoProcessesIT {

    private static final Path LOGS = Path.of("target", "two-processes");

    @Test
    void aSecondProcessRefusesToStartAndARestartAfterACrashDoesNotWait() throws Exception {
        PostgresTestDatabase.Database db = PostgresTestDatabase.create();
        try (IngestProcess first = IngestProcess.start(properties(db), LOGS.resolve("first.log"))) {
            await("the first process holds the lease (log: " + first.log() + ")").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200)).until(() -> holderPid(db) == first.pid());

            try (IngestProcess second = IngestProcess.start(properties(db), LOGS.resolve("second.log"))) {
                await("the second process gives up (log: " + second.log() + ")").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200)).until(() -> !second.isAlive());
                assertThat(Files.readString(second.log())).contains("APPLICATION FAILED TO START",
                        "Another referral-monitor process runs the jobs of this database: process " + first.pid()
                                + " on ", "does not start", "Stop the other referral-monitor process");
            }
            assertThat(first.isAlive()).isTrue();
            assertThat(holderPid(db)).isEqualTo(first.pid());

            first.kill();
            long killedAt = System.nanoTime();
            try (IngestProcess restarted = IngestProcess.start(properties(db), LOGS.resolve("restarted.log"))) {
                await("the restarted process takes over (log: " + restarted.log() + ")")
                        .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> holderPid(db) == restarted.pid());
                assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("well before the lease lapses")
                        .isLessThan(Duration.ofSeconds(100));
                assertThat(Files.readString(restarted.log())).contains("the previous holder (" + first.pid()
                        + " on this host) is gone");
            }
        }
    }

    private static Map<String, String> properties(PostgresTestDatabase.Database db) {
        Map<String, String> p = db.springProperties();
        p.put("referral-monitor.ingest.sync-on-startup", "false");
        p.put("referral-monitor.profiles.warm-up-at-startup", "false");
        p.put("referral-monitor.ingest.instance.lease-ttl", "120s");
        p.put("referral-monitor.ingest.instance.startup-wait", "3s");
        p.put("logging.level.org.referralmonitor", "INFO");
        return p;
    }

    private static long holderPid(PostgresTestDatabase.Database db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pid FROM instance_lease WHERE name = 'jobs'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            return -1; // not migrated yet
        }
    }
}
