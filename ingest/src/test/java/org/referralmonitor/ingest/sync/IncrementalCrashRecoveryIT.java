package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.referralmonitor.ingest.sync.SyncDatabases.awaitSucceeded;
import static org.referralmonitor.ingest.sync.SyncDatabases.exists;
import static org.referralmonitor.ingest.sync.SyncDatabases.lastRunId;
import static org.referralmonitor.ingest.sync.SyncDatabases.rows;
import static org.referralmonitor.ingest.sync.SyncDatabases.status;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.referralmonitor.ingest.sandbox.SandboxFhirServer;
import org.referralmonitor.ingest.sandbox.SandboxSpec;
import org.referralmonitor.ingest.sandbox.SandboxWorld;
import org.referralmonitor.ingest.sandbox.SandboxWorldGenerator;
import org.referralmonitor.ingest.testsupport.IngestProcess;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;

/**
 * Kill -9 in the middle of an incremental sync, start again, and the database ends up as if
 * nothing had happened. Two databases take the same first sync; then the EMR changes: referrals
 * move to another month and to another requester (credited anew), are entered in error
 * (tombstones), visits that converted referrals are cancelled (links undone). One database's sync
 * of those changes is killed with SIGKILL once it has committed part of them (the changed
 * referrals stored, not yet credited or linked), then the process starts again; the other's runs
 * uninterrupted. Both must hold the same rows, and nothing left in the change scope: what the
 * killed sync committed is credited and linked by the one that resumes it. Once per pull strategy:
 * population search (windows on {@code _lastUpdated}), the patient-roster crawl (each patient read
 * before asked for what changed since; a patient's mark, like a watermark, moves only once its pages
 * are committed) and Bulk export ({@code _since} the last manifest; killed between
 * two NDJSON files, the export job left on the server for the resumed sync to finish).
 */
class IncrementalCrashRecoveryIT {

    private static final String CLINIC = "lakeside-ortho";
    private static final String ENDPOINT = "crash-incremental";
    private static final Path LOGS = Path.of("target", "crash-test");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SandboxFhirServer emr;

    @BeforeEach
    void startEmr() {
        // a fixed past "today": nothing in the EMR is younger than the sync windows' lag; a new EMR
        // for each strategy, as the test changes its data
        emr = new SandboxFhirServer(new SandboxWorldGenerator(FhirContext.forR4Cached())
                .generate(SandboxSpec.demo(4343, LocalDate.of(2026, 10, 20), 12, 6)));
        // several NDJSON files per type, so that an export can be killed between two of them
        emr.behave(CLINIC, emr.behavior(CLINIC).export(1, 1, 3, Set.of("ServiceRequest", "Encounter",
                "Organization", "Practitioner", "PractitionerRole")));
    }

    @AfterEach
    void stopEmr() {
        emr.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"search", "roster", "bulk"})
    void aKilledIncrementalSyncResumesToTheSameDatabaseAsAnUninterruptedOne(String strategy) throws Exception {
        PostgresTestDatabase.Database crashed = PostgresTestDatabase.create();
        PostgresTestDatabase.Database reference = PostgresTestDatabase.create();
        Map<String, String> crashedProperties = properties(crashed, strategy);
        Map<String, String> referenceProperties = properties(reference, strategy);
        for (Map<String, String> p : List.of(crashedProperties, referenceProperties)) {
            try (IngestProcess first = IngestProcess.start(p, LOGS.resolve("incremental-" + strategy + "-first.log"))) {
                awaitSucceeded(p == crashedProperties ? crashed : reference, first, 0, List.of(ENDPOINT));
            }
        }
        // after both watermarks, before any later sync's window ends (server time minus the lag)
        Instant at = Instant.ofEpochMilli(Math.max(watermark(crashed), watermark(reference)) + 1);
        Map<String, String> changed = change(at);

        emr.behave(CLINIC, emr.behavior(CLINIC).delay(400));
        long firstRuns = lastRunId(crashed);
        try (IngestProcess killed = IngestProcess.start(crashedProperties,
                LOGS.resolve("incremental-" + strategy + "-killed.log"))) {
            await("the incremental sync has stored some of the changed referrals (log: " + killed.log() + ")")
                    .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                    .until(() -> midSync(crashed, killed, firstRuns));
            killed.kill();
        }
        assertThat(stored(crashed, "resource_id IN (" + quoted(changed.keySet()) + ") AND version_id = 'changed'"))
                .as("killed with part of the changed referrals stored").isPositive().isLessThan(changed.size());
        assertThat(stored(crashed, "version_id = 'changed' AND source_resolution IS NULL"))
                .as("stored, not credited yet").isPositive();

        emr.behave(CLINIC, emr.behavior(CLINIC).delay(0));
        long killedRun = lastRunId(crashed);
        try (IngestProcess resumed = IngestProcess.start(crashedProperties,
                LOGS.resolve("incremental-" + strategy + "-resumed.log"))) {
            awaitSucceeded(crashed, resumed, killedRun, List.of(ENDPOINT));
        }
        long referenceRun = lastRunId(reference);
        try (IngestProcess uninterrupted = IngestProcess.start(referenceProperties,
                LOGS.resolve("incremental-" + strategy + "-uninterrupted.log"))) {
            awaitSucceeded(reference, uninterrupted, referenceRun, List.of(ENDPOINT));
        }

        assertThat(stored(reference, "version_id = 'changed'")).isEqualTo(changed.size());
        assertThat(stored(reference, "moved_from_month IS NOT NULL")).as("referrals moved to another month")
                .isEqualTo(changed.values().stream().filter("moved"::equals).count());
        for (String table : SyncDatabases.TABLES) {
            assertThat(rows(crashed, table)).as("table %s after the crash and restart", table)
                    .containsExactlyElementsOf(rows(reference, table));
        }
        assertThat(rows(crashed, "sync_watermark")).isEqualTo(rows(reference, "sync_watermark"));
        assertThat(rows(crashed, "roster_patient")).as("a mark for each patient read, as without the crash")
                .isEqualTo(rows(reference, "roster_patient"));
        if (strategy.equals("roster")) {
            assertThat(rows(reference, "roster_patient")).isNotEmpty();
            for (PostgresTestDatabase.Database db : List.of(crashed, reference)) {
                assertThat(count(db, """
                        SELECT count(*) FROM roster_patient m WHERE NOT EXISTS (SELECT 1 FROM sync_window w
                          WHERE w.sync_run_id = m.sync_run_id AND w.resource_type = m.resource_type
                            AND w.window_to = m.crawled_to)
                        """)).as("each mark where a completed crawl's window ended, not a killed one's").isZero();
            }
        }
        assertThat(Instant.ofEpochMilli(watermark(crashed))).as("the resumed sync advanced the watermarks past the changes")
                .isAfter(at);
        assertThat(rows(crashed, "change_scope")).as("the killed sync's scope was finished by the next").isEmpty();
        assertThat(rows(crashed, "bulk_export")).as("no export left behind").isEmpty();
    }

    /**
     * Changes the EMR at {@code at} (inside both databases' next window): per referral changed, what
     * was done to it.
     */
    private Map<String, String> change(Instant at) {
        List<SandboxWorld.Resource> referrals = current("ServiceRequest").stream()
                .filter(r -> r.id().startsWith("sr-") && authoredBefore(r, LocalDate.of(2026, 8, 1))).toList();
        Map<String, String> changed = new LinkedHashMap<>();
        int stride = referrals.size() / 90;
        assertThat(stride).as("referrals authored before August 2026").isPositive();
        for (int i = 0; i < 90; i++) {
            SandboxWorld.Resource r = referrals.get(i * stride);
            ObjectNode json = json(r);
            String what;
            if (i % 3 == 2) {
                json.put("status", "entered-in-error");
                what = "entered in error";
            } else {
                // 40 days later: another month; every other one from another referral's requester
                json.put("authoredOn", OffsetDateTime.parse(json.get("authoredOn").asText()).plusDays(40).toString());
                if (i % 2 == 0) {
                    json.set("requester", json(referrals.get(referrals.size() - 1 - i)).get("requester").deepCopy());
                }
                what = "moved";
            }
            emr.put(CLINIC, version(r, json, at));
            changed.put(r.id(), what);
        }
        // visits that converted referrals are cancelled
        current("Encounter").stream().filter(e -> json(e).has("basedOn") && "finished".equals(json(e).path("status")
                .asText())).limit(40).forEach(e -> {
                    ObjectNode json = json(e);
                    json.put("status", "cancelled");
                    emr.put(CLINIC, version(e, json, at));
                });
        return changed;
    }

    private static boolean authoredBefore(SandboxWorld.Resource r, LocalDate day) {
        String authored = json(r).path("authoredOn").asText("");
        return !authored.isEmpty() && OffsetDateTime.parse(authored).toLocalDate().isBefore(day);
    }

    private List<SandboxWorld.Resource> current(String type) {
        return emr.world().clinics().stream().filter(c -> c.id().equals(CLINIC)).flatMap(c -> c.resources().stream())
                .filter(r -> r.type().equals(type)).map(r -> emr.find(CLINIC, type, r.id()).orElseThrow())
                .sorted(Comparator.comparing(SandboxWorld.Resource::id)).toList();
    }

    private static ObjectNode json(SandboxWorld.Resource r) {
        try {
            return (ObjectNode) JSON.readTree(r.json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The resource's next version as the EMR serves it after an edit at {@code at}. */
    private static SandboxWorld.Resource version(SandboxWorld.Resource r, ObjectNode json, Instant at) {
        ObjectNode meta = json.withObject("/meta");
        meta.put("versionId", "changed");
        meta.put("lastUpdated", at.truncatedTo(ChronoUnit.MILLIS).toString());
        try {
            return new SandboxWorld.Resource(r.type(), r.id(), at, r.patientId(), r.practitionerId(),
                    JSON.writeValueAsString(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sync after the first has stored a changed referral and is still running. */
    private static boolean midSync(PostgresTestDatabase.Database db, IngestProcess process, long afterRun)
            throws SQLException {
        assertThat(process.isAlive()).as("the ingest process died on its own; see %s", process.log()).isTrue();
        assertThat(status(db, afterRun).values()).as("the sync ended before it could be killed; see %s", process.log())
                .doesNotContain(SyncRun.SUCCEEDED, SyncRun.FAILED);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            return exists(st, "SELECT 1 FROM referral WHERE version_id = 'changed'");
        }
    }

    /** The earliest of the endpoint's watermarks (one per resource type), in epoch milliseconds. */
    private static long watermark(PostgresTestDatabase.Database db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT min(watermark) FROM sync_watermark")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant().toEpochMilli();
        }
    }

    private static long stored(PostgresTestDatabase.Database db, String where) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM referral WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long count(PostgresTestDatabase.Database db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String quoted(Set<String> ids) {
        return String.join(", ", ids.stream().map(id -> "'" + id + "'").toList());
    }

    private Map<String, String> properties(PostgresTestDatabase.Database db, String strategy) {
        Map<String, String> p = SyncDatabases.processProperties(db);
        p.put("referral-monitor.ingest.pull.bulk-poll-interval", "1s");
        p.put("referral-monitor.ingest.pull.bulk-max-poll-interval", "2s");
        p.put("referral-monitor.ingest.clinics[0].id", CLINIC);
        p.put("referral-monitor.ingest.clinics[0].name", "Lakeside Orthopedics");
        String key = "referral-monitor.ingest.endpoints[0].";
        p.put(key + "id", ENDPOINT);
        p.put(key + "clinic", CLINIC);
        p.put(key + "base-url", emr.baseUrl(CLINIC).toString());
        p.put(key + "page-size", "20");
        p.put(key + "strategy", strategy);
        p.put(key + "own-organizations[0]", "Organization/org-self");
        if (strategy.equals("roster")) {
            p.put(key + "roster.source", "group");
            p.put(key + "roster.group-id", CLINIC + "-patients");
        }
        return p;
    }
}
