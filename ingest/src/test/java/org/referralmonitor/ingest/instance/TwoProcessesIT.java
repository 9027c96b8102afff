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
 * Two real processes against one database: the second waits for the first, then refuses to start,
 * says which process holds the database, and has changed nothing in it (its own endpoints are not
 * registered, the first's not disabled); after the first is killed (SIGKILL, no goodbye), a process
 * started on this host takes over at once: its lease lapses only 10 minutes after its last heartbeat.
 */
class TwoProcessesIT {

    private static final Path LOGS = Path.of("target", "two-processes");

    @Test
    void aSecondProcessRefusesToStartAndARestartAfterACrashDoesNotWait() throws Exception {
        PostgresTestDatabase.Database db = PostgresTestDatabase.create();
        try (IngestProcess first = IngestProcess.start(properties(db, "first-emr"), LOGS.resolve("first.log"))) {
            await("the first process holds the lease (log: " + first.log() + ")").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200)).until(() -> holderPid(db) == first.pid());

            try (IngestProcess second = IngestProcess.start(properties(db, "second-emr"),
                    LOGS.resolve("second.log"))) {
                await("the second process gives up (log: " + second.log() + ")").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200)).until(() -> !second.isAlive());
                assertThat(Files.readString(second.log())).contains("APPLICATION FAILED TO START",
                        "Another referral-monitor process runs the jobs of this database: process " + first.pid()
                                + " on ", "does not start", "Stop the other referral-monitor process");
            }
            assertThat(first.isAlive()).isTrue();
            assertThat(holderPid(db)).isEqualTo(first.pid());
            assertThat(endpoints(db)).as("the refused process changed nothing").isEqualTo("first-emr:true");

            first.kill();
            try (IngestProcess restarted = IngestProcess.start(properties(db, "first-emr"),
                    LOGS.resolve("restarted.log"))) {
                // the first's last heartbeat was at most 200 s before the kill: a lapse would take 400 s more
                await("the restarted process takes over (log: " + restarted.log() + ")")
                        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> holderPid(db) == restarted.pid());
                assertThat(Files.readString(restarted.log())).contains("the previous holder (" + first.pid()
                        + " on this host) is gone");
            }
        }
    }

    private static Map<String, String> properties(PostgresTestDatabase.Database db, String endpoint) {
        Map<String, String> p = db.springProperties();
        p.put("referral-monitor.ingest.sync-on-startup", "false");
        p.put("referral-monitor.profiles.warm-up-at-startup", "false");
        p.put("referral-monitor.ingest.clinics[0].id", "lakeside-ortho");
        p.put("referral-monitor.ingest.clinics[0].name", "Lakeside Orthopedics");
        p.put("referral-monitor.ingest.endpoints[0].id", endpoint);
        p.put("referral-monitor.ingest.endpoints[0].clinic", "lakeside-ortho");
        p.put("referral-monitor.ingest.endpoints[0].base-url", "http://127.0.0.1:9/fhir/");
        p.put("referral-monitor.ingest.endpoints[0].schedule", "-");
        p.put("referral-monitor.ingest.instance.lease-ttl", "600s");
        p.put("referral-monitor.ingest.instance.startup-wait", "3s");
        p.put("logging.level.org.referralmonitor", "INFO");
        return p;
    }

    /** The endpoints as "id:enabled", in id order. */
    private static String endpoints(PostgresTestDatabase.Database db) throws SQLException {
        StringBuilder s = new StringBuilder();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, enabled FROM emr_endpoint ORDER BY id")) {
            while (rs.next()) {
                s.append(s.isEmpty() ? "" : ",").append(rs.getString(1)).append(':').append(rs.getBoolean(2));
            }
        }
        return s.toString();
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
