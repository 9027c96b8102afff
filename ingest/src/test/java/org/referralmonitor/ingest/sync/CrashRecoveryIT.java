package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.referralmonitor.ingest.sync.SyncDatabases.awaitSucceeded;
import static org.referralmonitor.ingest.sync.SyncDatabases.counts;
import static org.referralmonitor.ingest.sync.SyncDatabases.exists;
import static org.referralmonitor.ingest.sync.SyncDatabases.lastRunId;
import static org.referralmonitor.ingest.sync.SyncDatabases.rows;
import static org.referralmonitor.ingest.sync.SyncDatabases.status;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.sandbox.SandboxFhirServer;
import org.referralmonitor.ingest.sandbox.SandboxSpec;
import org.referralmonitor.ingest.sandbox.SandboxWorldGenerator;
import org.referralmonitor.ingest.testsupport.IngestProcess;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;

/**
 * Kill -9 in the middle of syncing, start again, and the database ends up as if nothing had
 * happened. Three endpoints sync at once in a child JVM, one per strategy (population search,
 * patient roster, Bulk export), against the sandbox EMR slowed down; the process is killed with
 * SIGKILL once each has committed part of its work (the export is being polled), then started
 * again on the same database, without sync-on-startup: the interrupted syncs resume by themselves. The result is compared, table by table and row by row, with a
 * database filled by an uninterrupted run against the same EMR content.
 */
class CrashRecoveryIT {

    private static final List<String> ENDPOINTS = List.of("crash-search", "crash-roster", "crash-bulk");
    private static final Path LOGS = Path.of("target", "crash-test");

    static SandboxFhirServer emr;

    @BeforeAll
    static void startEmr() {
        // a fixed past "today": nothing in the EMR is younger than the sync windows' lag
        emr = new SandboxFhirServer(new SandboxWorldGenerator(FhirContext.forR4Cached())
                .generate(SandboxSpec.demo(4242, LocalDate.of(2026, 10, 20), 12, 6)));
        emr.behave("harbor-behavioral", emr.behavior("harbor-behavioral").patientAnchoredOnly());
    }

    @AfterAll
    static void stopEmr() {
        emr.close();
    }

    @Test
    void aKilledSyncResumesToTheSameDatabaseAsAnUninterruptedOne() throws Exception {
        slow(true);
        PostgresTestDatabase.Database crashed = PostgresTestDatabase.create();
        Map<String, Integer> atKill;
        try (IngestProcess first = IngestProcess.start(properties(crashed), LOGS.resolve("first-run.log"))) {
            await("every sync has committed part of its work (log: " + first.log() + ")")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> midSync(crashed, first));
            first.kill();
            atKill = counts(crashed);
        }
        assertThat(status(crashed, 0)).as("the kill left the syncs running").containsOnlyKeys(ENDPOINTS)
                .allSatisfy((endpoint, status) -> assertThat(status).isEqualTo(SyncRun.RUNNING));

        slow(false);
        long killedRuns = lastRunId(crashed);
        // the second start without sync-on-startup: the interrupted syncs resume all the same
        Map<String, String> restart = properties(crashed);
        restart.put("referral-monitor.ingest.sync-on-startup", "false");
        try (IngestProcess second = IngestProcess.start(restart, LOGS.resolve("second-run.log"))) {
            awaitSucceeded(crashed, second, killedRuns, ENDPOINTS);
        }
        try (Connection c = crashed.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM sync_run WHERE id > " + killedRuns
                        + " AND trigger_kind = '" + SyncService.TRIGGER_RESUME + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("each interrupted endpoint resumed at the start").isEqualTo(ENDPOINTS.size());
        }
        try (Connection c = crashed.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM sync_run WHERE status = 'FAILED' "
                        + "AND error_message LIKE 'Interrupted:%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the killed runs are marked interrupted").isEqualTo(ENDPOINTS.size());
        }

        PostgresTestDatabase.Database reference = PostgresTestDatabase.create();
        try (IngestProcess uninterrupted = IngestProcess.start(properties(reference),
                LOGS.resolve("uninterrupted-run.log"))) {
            awaitSucceeded(reference, uninterrupted, 0, ENDPOINTS);
        }

        Map<String, Integer> expected = counts(reference);
        assertThat(atKill.get("referral")).as("killed with part of the referrals stored")
                .isPositive().isLessThan(expected.get("referral"));
        for (String table : SyncDatabases.TABLES) {
            assertThat(rows(crashed, table)).as("table %s after the crash and restart", table)
                    .containsExactlyElementsOf(rows(reference, table));
        }
        assertThat(rows(crashed, "sync_watermark")).isEqualTo(rows(reference, "sync_watermark"));
        assertThat(rows(crashed, "bulk_export")).as("no export left behind").isEmpty();
    }

    /**
     * Slow enough that the three syncs are all under way at once for several seconds, even on a busy
     * machine: the search's 66 pages take at least 16 s, the export is polled 20 times a second
     * apart, and the roster commits its first batch of patients within a few seconds.
     */
    private static void slow(boolean slow) {
        for (String clinic : List.of("lakeside-ortho", "harbor-behavioral")) {
            int delayMs = !slow ? 0 : clinic.equals("lakeside-ortho") ? 250 : 60;
            SandboxFhirServer.Behavior b = emr.behavior(clinic).delay(delayMs);
            emr.behave(clinic, slow ? b.export(20, 1, 3, Set.of("ServiceRequest", "Encounter", "Organization",
                    "Practitioner", "PractitionerRole")) : b);
        }
    }

    private static Map<String, String> properties(PostgresTestDatabase.Database db) {
        Map<String, String> p = SyncDatabases.processProperties(db);
        p.put("referral-monitor.ingest.pull.bulk-poll-interval", "1s");
        p.put("referral-monitor.ingest.pull.bulk-max-poll-interval", "2s");
        p.put("referral-monitor.ingest.clinics[0].id", "lakeside-ortho");
        p.put("referral-monitor.ingest.clinics[0].name", "Lakeside Orthopedics");
        p.put("referral-monitor.ingest.clinics[1].id", "harbor-behavioral");
        p.put("referral-monitor.ingest.clinics[1].name", "Harbor Behavioral Health");
        p.put("referral-monitor.ingest.clinics[1].time-zone", "America/Chicago");
        endpoint(p, 0, "crash-search", "lakeside-ortho", "search");
        endpoint(p, 1, "crash-roster", "harbor-behavioral", "roster");
        p.put("referral-monitor.ingest.endpoints[1].roster.source", "group");
        p.put("referral-monitor.ingest.endpoints[1].roster.group-id", "harbor-behavioral-patients");
        endpoint(p, 2, "crash-bulk", "lakeside-ortho", "bulk");
        return p;
    }

    private static void endpoint(Map<String, String> p, int i, String id, String clinic, String strategy) {
        String key = "referral-monitor.ingest.endpoints[" + i + "].";
        p.put(key + "id", id);
        p.put(key + "clinic", clinic);
        p.put(key + "base-url", emr.baseUrl(clinic).toString());
        p.put(key + "page-size", "20");
        p.put(key + "strategy", strategy);
        p.put(key + "own-organizations[0]", "Organization/org-self");
    }

    /** Each search and roster sync has stored referrals and is still running; the export is being polled. */
    private static boolean midSync(PostgresTestDatabase.Database db, IngestProcess process) throws SQLException {
        assertThat(process.isAlive()).as("the ingest process died on its own; see %s", process.log()).isTrue();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            if (!exists(st, "SELECT 1 FROM information_schema.tables WHERE table_name = 'bulk_export'")) {
                return false;
            }
            return exists(st, "SELECT 1 FROM bulk_export WHERE endpoint_id = 'crash-bulk'")
                    && exists(st, "SELECT 1 FROM referral r JOIN sync_run s ON s.endpoint_id = r.endpoint_id "
                            + "AND s.status = 'RUNNING' WHERE r.endpoint_id = 'crash-search'")
                    && exists(st, "SELECT 1 FROM referral r JOIN sync_run s ON s.endpoint_id = r.endpoint_id "
                            + "AND s.status = 'RUNNING' WHERE r.endpoint_id = 'crash-roster'");
        }
    }
}
