package org.referralmonitor.ingest.sync;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/** Sync runs, their pages and windows: the record of every sync, and the evidence for feed health. */
@Repository
class SyncRunRepository {

    private final JdbcClient jdbc;

    SyncRunRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Serializes sync requests for one endpoint (held until the transaction ends). */
    boolean lockEndpoint(String endpointId) {
        return jdbc.sql("SELECT id FROM emr_endpoint WHERE id = :id FOR UPDATE").param("id", endpointId)
                .query(String.class).optional().isPresent();
    }

    Optional<SyncRun> findActive(String endpointId) {
        return jdbc.sql("SELECT * FROM sync_run WHERE endpoint_id = :id AND status IN ('QUEUED', 'RUNNING') "
                        + "ORDER BY id DESC LIMIT 1")
                .param("id", endpointId).query(SyncRunRepository::run).optional();
    }

    long insertQueued(String endpointId, String trigger, String strategy, OffsetDateTime now) {
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.sql("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, strategy, status, requested_at)
                VALUES (:endpointId, :trigger, :strategy, 'QUEUED', :now)
                """)
                .param("endpointId", endpointId).param("trigger", trigger).param("strategy", strategy)
                .param("now", now)
                .update(key, "id");
        return key.getKey().longValue();
    }

    void markRunning(long id, OffsetDateTime now) {
        jdbc.sql("UPDATE sync_run SET status = 'RUNNING', started_at = :now WHERE id = :id")
                .param("id", id).param("now", now).update();
    }

    /** The sync is about to change stored data for the first time (kept if already set). */
    void markWriting(long id, OffsetDateTime now) {
        jdbc.sql("UPDATE sync_run SET writing_since = :now WHERE id = :id AND writing_since IS NULL")
                .param("id", id).param("now", now).update();
    }

    /**
     * The sync classified the stored requests again or linked every referral again; called in the
     * transaction that did it.
     */
    void markEveryReferralChanged(long id) {
        jdbc.sql("UPDATE sync_run SET every_referral_changed = TRUE WHERE id = :id").param("id", id).update();
    }

    /**
     * The months of referrals the sync linked again without writing them or their patient's visits;
     * called in the transaction that linked them.
     */
    void recordRelinkedMonths(long id, java.util.Collection<java.time.LocalDate> months) {
        for (java.time.LocalDate month : new java.util.TreeSet<>(months)) {
            jdbc.sql("""
                    INSERT INTO sync_run_relinked_month (sync_run_id, month_start)
                    SELECT :id, CAST(:month AS DATE) WHERE NOT EXISTS (
                        SELECT 1 FROM sync_run_relinked_month WHERE sync_run_id = :id AND month_start = :month)
                    """).param("id", id).param("month", month).update();
        }
    }

    void recordServerTime(long id, OffsetDateTime serverTime) {
        jdbc.sql("UPDATE sync_run SET server_time = :serverTime WHERE id = :id")
                .param("id", id).param("serverTime", serverTime).update();
    }

    void recordDetail(long id, String detail) {
        jdbc.sql("UPDATE sync_run SET status_detail = :detail WHERE id = :id")
                .param("id", id).param("detail", clip(detail, 500)).update();
    }

    void recordProgress(long id, SyncCounters c) {
        jdbc.sql("""
                UPDATE sync_run SET pages = :pages, resources_received = :received, resources_written = :written,
                    resources_unchanged = :unchanged, resources_rejected = :rejected, retries = :retries,
                    count_mismatch = :mismatch, missed = :missed, tombstoned = :tombstoned,
                    auth_renewals = :renewals, steady_mismatch = :steady
                WHERE id = :id
                """)
                .param("id", id).param("pages", c.pages()).param("received", c.received())
                .param("written", c.written()).param("unchanged", c.unchanged()).param("rejected", c.rejected())
                .param("retries", c.retries()).param("mismatch", c.countMismatch()).param("missed", c.missed())
                .param("tombstoned", c.tombstoned()).param("renewals", c.authRenewals())
                .param("steady", c.steadyMismatch())
                .update();
    }

    void finish(long id, String status, String error, SyncCounters c, OffsetDateTime now) {
        recordProgress(id, c);
        jdbc.sql("UPDATE sync_run SET status = :status, error_message = :error, finished_at = :now WHERE id = :id")
                .param("id", id).param("status", status).param("error", clip(error, 4000)).param("now", now)
                .update();
    }

    void recordPage(long runId, int seq, String resourceType, String url, int httpStatus, int entries, Integer total,
            int attempts, long durationMs, OffsetDateTime at) {
        jdbc.sql("""
                INSERT INTO sync_page (sync_run_id, seq, resource_type, url, http_status, entries, bundle_total,
                    attempts, duration_ms, fetched_at)
                VALUES (:runId, :seq, :type, :url, :status, :entries, :total, :attempts, :duration, :at)
                """)
                .param("runId", runId).param("seq", seq).param("type", resourceType)
                .param("url", clip(url, 4000))
                .param("status", httpStatus).param("entries", entries).param("total", total)
                .param("attempts", attempts).param("duration", durationMs).param("at", at)
                .update();
    }

    /** What one window (or a whole crawl or export, per type) announced and delivered. */
    void recordWindow(long runId, String resourceType, OffsetDateTime from, OffsetDateTime to, Integer total,
            int stored, int passes) {
        jdbc.sql("DELETE FROM sync_window WHERE sync_run_id = :runId AND resource_type = :type")
                .param("runId", runId).param("type", resourceType).update();
        jdbc.sql("""
                INSERT INTO sync_window (sync_run_id, resource_type, window_from, window_to, bundle_total, stored, passes)
                VALUES (:runId, :type, :from, :to, :total, :stored, :passes)
                """)
                .param("runId", runId).param("type", resourceType).param("from", from).param("to", to)
                .param("total", total).param("stored", stored).param("passes", passes)
                .update();
    }

    /**
     * Runs left QUEUED or RUNNING by a process that stopped: they will never finish. Marks them
     * interrupted (call it in a transaction, holding the instance lease).
     *
     * @return the endpoints they belonged to, each with the trigger of its run (RECONCILE when one of
     *     them was a reconciliation)
     */
    java.util.Map<String, String> failInterrupted(OffsetDateTime now) {
        java.util.Map<String, String> endpoints = new java.util.TreeMap<>();
        jdbc.sql("SELECT endpoint_id, trigger_kind FROM sync_run WHERE status IN ('QUEUED', 'RUNNING')")
                .query((rs, n) -> endpoints.merge(rs.getString(1), rs.getString(2),
                        (a, b) -> SyncService.TRIGGER_RECONCILE.equals(b) ? b : a))
                .list();
        jdbc.sql("""
                UPDATE sync_run SET status = 'FAILED', finished_at = :now, error_message = :message
                WHERE status IN ('QUEUED', 'RUNNING')
                """).param("now", now).param("message", SyncRun.INTERRUPTED + " the application stopped before "
                        + "this sync finished; what it had committed is kept, its watermarks did not move, and the "
                        + "next sync pulls the same window again").update();
        return endpoints;
    }

    /**
     * Whether the endpoint's previous successful run was a Bulk export held for the same kinds of
     * reason ({@link #recordHeld}) that asked from the same {@code _since} (null: everything) or whose
     * shortfall was already taken as steady.
     */
    boolean previousHeldFor(String endpointId, long runId, OffsetDateTime since, String reason) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM sync_run s
                WHERE s.id = (SELECT MAX(p.id) FROM sync_run p WHERE p.endpoint_id = :endpointId AND p.id < :runId
                                AND p.status = 'SUCCEEDED')
                  AND s.held_reason = :reason
                  AND ((:everything AND s.held_since IS NULL) OR s.held_since = :since OR s.steady_mismatch > 0)
                """).param("endpointId", endpointId).param("runId", runId).param("reason", clip(reason, 2000))
                .param("everything", since == null)
                // any instant when there is none: only the IS NULL branch can match then
                .param("since", since != null ? since : OffsetDateTime.parse("1970-01-01T00:00:00Z"))
                .query(Integer.class).single() > 0;
    }

    /** Records the kinds of reason that held (or would have held) the watermarks of an export from {@code since}. */
    void recordHeld(long runId, OffsetDateTime since, String reason) {
        jdbc.sql("UPDATE sync_run SET held_reason = :reason, held_since = :since WHERE id = :id")
                .param("reason", clip(reason, 2000)).param("since", since).param("id", runId).update();
    }

    Optional<SyncRun> find(long id) {
        return jdbc.sql("SELECT * FROM sync_run WHERE id = :id").param("id", id).query(SyncRunRepository::run)
                .optional();
    }

    List<SyncRun> findByEndpoint(String endpointId, int limit) {
        return jdbc.sql("SELECT * FROM sync_run WHERE endpoint_id = :id ORDER BY id DESC LIMIT :limit")
                .param("id", endpointId).param("limit", limit).query(SyncRunRepository::run).list();
    }

    Optional<SyncRun> lastSucceeded(String endpointId) {
        return jdbc.sql("""
                SELECT * FROM sync_run WHERE endpoint_id = :id AND status = 'SUCCEEDED' ORDER BY id DESC LIMIT 1
                """).param("id", endpointId).query(SyncRunRepository::run).optional();
    }

    /** Failures since the last success (or ever, when there was none). */
    int failuresSinceLastSuccess(String endpointId) {
        return jdbc.sql("""
                SELECT count(*) FROM sync_run
                WHERE endpoint_id = :id AND status = 'FAILED'
                  AND id > COALESCE((SELECT max(id) FROM sync_run WHERE endpoint_id = :id AND status = 'SUCCEEDED'), 0)
                """).param("id", endpointId).query(Integer.class).single();
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static SyncRun run(ResultSet rs, int row) throws SQLException {
        OffsetDateTime started = rs.getObject("started_at", OffsetDateTime.class);
        OffsetDateTime finished = rs.getObject("finished_at", OffsetDateTime.class);
        return new SyncRun(rs.getLong("id"), rs.getString("endpoint_id"), rs.getString("trigger_kind"),
                rs.getString("status"), rs.getString("strategy"), rs.getObject("requested_at", OffsetDateTime.class),
                started, finished, rs.getObject("server_time", OffsetDateTime.class),
                rs.getInt("pages"), rs.getInt("resources_received"), rs.getInt("resources_written"),
                rs.getInt("resources_unchanged"), rs.getInt("resources_rejected"), rs.getInt("retries"),
                rs.getInt("count_mismatch"), rs.getInt("missed"), rs.getInt("tombstoned"), rs.getInt("auth_renewals"),
                rs.getString("status_detail"),
                started == null || finished == null ? null : Duration.between(started, finished).toMillis(),
                rs.getString("error_message"));
    }
}
