package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.referralmonitor.ingest.testsupport.IngestProcess;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;

/**
 * What the crash tests read from the databases the ingest processes fill: the syncs' status, row
 * counts, and a table's rows without the columns that only say when or in which run they were
 * written, for comparing a database after a kill and a restart with one filled without interruption.
 */
final class SyncDatabases {

    /** Columns that say when or in which run something was stored, not what: they differ between two runs. */
    private static final Set<String> RUN_COLUMNS = Set.of("id", "sync_run_id", "version_run_id", "first_seen_at", "updated_at",
            "received_at", "seen_at", "page_url");

    /** Columns that say when something was deleted: compared as whether it was. */
    private static final Set<String> WHEN_DELETED = Set.of("deleted_at");

    /** The tables a sync fills, compared row by row. */
    static final List<String> TABLES = List.of("referral", "visit", "visit_based_on", "referral_conversion",
            "organization", "practitioner", "practitioner_role", "rejected_resource", "resource_issue");

    private SyncDatabases() {
    }

    /**
     * The properties of an ingest process that syncs its endpoints once at startup into this database
     * (waits on Retry-After at most 2 s; no validator warm-up); the test adds clinics and endpoints.
     */
    static Map<String, String> processProperties(PostgresTestDatabase.Database db) {
        Map<String, String> p = db.springProperties();
        p.put("referral-monitor.ingest.sync-on-startup", "true");
        p.put("referral-monitor.ingest.retry.max-retry-after", "2s");
        p.put("referral-monitor.profiles.warm-up-at-startup", "false");
        p.put("logging.level.org.referralmonitor", "INFO");
        return p;
    }

    static boolean exists(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next();
        }
    }

    /** Waits until every endpoint's latest sync after run {@code afterRun} succeeded. */
    static void awaitSucceeded(PostgresTestDatabase.Database db, IngestProcess process, long afterRun,
            Collection<String> endpoints) {
        await("every endpoint's latest sync succeeded (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    assertThat(process.isAlive()).as("the ingest process died; see %s", process.log()).isTrue();
                    Map<String, String> status = status(db, afterRun);
                    assertThat(status.values()).as("a sync failed; see %s", process.log())
                            .doesNotContain(SyncRun.FAILED);
                    return status.keySet().containsAll(endpoints)
                            && status.values().stream().allMatch(SyncRun.SUCCEEDED::equals);
                });
    }

    static long lastRunId(PostgresTestDatabase.Database db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) FROM sync_run")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The status of each endpoint's latest sync after run {@code afterRun}. */
    static Map<String, String> status(PostgresTestDatabase.Database db, long afterRun) throws SQLException {
        Map<String, String> status = new LinkedHashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            if (!exists(st, "SELECT 1 FROM information_schema.tables WHERE table_name = 'sync_run'")) {
                return status;
            }
            try (ResultSet rs = st.executeQuery("SELECT endpoint_id, status FROM sync_run s WHERE id > " + afterRun
                    + " AND id = (SELECT max(id) FROM sync_run l WHERE l.endpoint_id = s.endpoint_id)")) {
                while (rs.next()) {
                    status.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return status;
    }

    static Map<String, Integer> counts(PostgresTestDatabase.Database db) throws SQLException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    counts.put(table, rs.getInt(1));
                }
            }
        }
        return counts;
    }

    /**
     * A table's rows without the columns that only say when or in which run they were written (and
     * whether, not when, each was deleted), sorted.
     */
    static List<String> rows(PostgresTestDatabase.Database db, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT column_name FROM information_schema.columns WHERE table_name = '"
                    + table + "' ORDER BY ordinal_position")) {
                while (rs.next()) {
                    if (!RUN_COLUMNS.contains(rs.getString(1))
                            && !(table.equals("sync_watermark") && rs.getString(1).equals("watermark"))
                            && !(table.equals("roster_patient") && rs.getString(1).equals("crawled_to"))) {
                        columns.add(WHEN_DELETED.contains(rs.getString(1))
                                ? "(" + rs.getString(1) + " IS NOT NULL) AS " + rs.getString(1) : rs.getString(1));
                    }
                }
            }
            String list = String.join(", ", columns);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT " + list + " FROM " + table + " ORDER BY "
                    + java.util.stream.IntStream.rangeClosed(1, columns.size()).mapToObj(String::valueOf)
                            .collect(java.util.stream.Collectors.joining(", ")))) {
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= columns.size(); i++) {
                        row.append(i == 1 ? "" : " | ").append(rs.getMetaData().getColumnLabel(i)).append('=').append(rs.getString(i));
                    }
                    rows.add(row.toString());
                }
            }
            return rows;
        }
    }

    /** Each referral of the endpoint with how it was credited: resolution, practice, provider. */
    static Map<String, String> credits(org.springframework.jdbc.core.simple.JdbcClient jdbc, String endpointId) {
        Map<String, String> credits = new java.util.TreeMap<>();
        jdbc.sql("SELECT resource_id, source_resolution, source_org_key, source_practitioner_key FROM referral "
                + "WHERE endpoint_id = :e").param("e", endpointId).query(rs -> {
                    credits.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
                });
        return credits;
    }
}
