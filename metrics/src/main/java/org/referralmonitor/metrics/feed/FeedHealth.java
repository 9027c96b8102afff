package org.referralmonitor.metrics.feed;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.metrics.stats.Poisson;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Checks a clinic's feed for a month before its source alerts: what each of its endpoints' sync
 * records says since the month began (failed syncs, refused credentials, retried pages, resources
 * announced but not received) and whether most sources dropped at once. An endpoint is suspect when
 * it has had no successful sync since the month ended, its last sync failed, or its last successful
 * sync fell short of what the EMR announced, other than by a steady shortfall (the server falling
 * short exactly as before, a count that includes what it does not list: recorded once in the
 * evidence, neither suspect nor summed over the syncs that repeat it); the month is suspect when an endpoint is, or when at
 * least feed-drop-share of the sources that expect at least min-expected referrals are drop-threshold
 * below expected at once (and there are at least feed-min-sources of them) while their total is
 * significantly below what they expect together (the slowdown test's alpha). A disabled endpoint with
 * no sync since the month began is left out: it carries none of the month's data and will not sync
 * again (a decommissioned endpoint whose last sync failed made every later month suspect for good).
 * The clinic's result is stored (the month's source alerts are held by it) with each endpoint's
 * (the endpoints' FEED alerts are raised from them).
 */
@Service
public class FeedHealth {

    private static final String ENDPOINTS = """
            SELECT e.id, e.name, e.enabled,
                   (SELECT COUNT(*) FROM sync_run s WHERE s.endpoint_id = e.id AND s.status = 'FAILED'
                      AND s.requested_at >= :from AND s.requested_at < :to) AS failed,
                   (SELECT COUNT(*) FROM sync_run s WHERE s.endpoint_id = e.id AND s.status = 'FAILED'
                      AND s.requested_at >= :from AND s.requested_at < :to
                      AND (LOWER(s.error_message) LIKE '%http 401%' OR LOWER(s.error_message) LIKE '%http 403%'
                           OR LOWER(s.error_message) LIKE '%token%' OR LOWER(s.error_message) LIKE '%credential%'
                           OR LOWER(s.error_message) LIKE '%unauthori%')) AS auth_failed,
                   (SELECT COUNT(*) FROM sync_page p JOIN sync_run s ON s.id = p.sync_run_id
                    WHERE s.endpoint_id = e.id AND s.requested_at >= :from AND s.requested_at < :to) AS pages,
                   (SELECT COUNT(*) FROM sync_page p JOIN sync_run s ON s.id = p.sync_run_id
                    WHERE s.endpoint_id = e.id AND s.requested_at >= :from AND s.requested_at < :to
                      AND p.attempts > 1) AS retried,
                   (SELECT COALESCE(SUM(s.count_mismatch - s.steady_mismatch), 0) FROM sync_run s
                    WHERE s.endpoint_id = e.id AND s.requested_at >= :from AND s.requested_at < :to) AS mismatch,
                   (SELECT COUNT(*) FROM sync_run s WHERE s.endpoint_id = e.id AND s.requested_at >= :from)
                       AS runs_since,
                   (SELECT COUNT(*) FROM sync_run s WHERE s.endpoint_id = e.id AND s.status = 'SUCCEEDED'
                      AND COALESCE(s.started_at, s.requested_at) >= :monthEnd
                      AND COALESCE(s.started_at, s.requested_at) < :to) AS successes_after,
                   (SELECT s.status FROM sync_run s WHERE s.endpoint_id = e.id AND s.status IN ('SUCCEEDED', 'FAILED')
                      AND s.requested_at < :to ORDER BY s.id DESC LIMIT 1) AS last_status,
                   (SELECT s.error_message FROM sync_run s WHERE s.endpoint_id = e.id
                      AND s.status IN ('SUCCEEDED', 'FAILED') AND s.requested_at < :to
                    ORDER BY s.id DESC LIMIT 1) AS last_error,
                   (SELECT s.count_mismatch - s.steady_mismatch FROM sync_run s WHERE s.endpoint_id = e.id
                      AND s.status = 'SUCCEEDED' AND s.requested_at < :to ORDER BY s.id DESC LIMIT 1) AS last_mismatch,
                   (SELECT s.steady_mismatch FROM sync_run s WHERE s.endpoint_id = e.id AND s.status = 'SUCCEEDED'
                      AND s.requested_at < :to ORDER BY s.id DESC LIMIT 1) AS last_steady
            FROM emr_endpoint e WHERE e.clinic_id = :clinicId ORDER BY e.id
            """;

    private static final String SOURCES = """
            SELECT COUNT(*) AS evaluable,
                   COALESCE(SUM(CASE WHEN referrals <= (1 - CAST(:drop AS DOUBLE PRECISION)) * baseline * exposure
                                     THEN 1 ELSE 0 END), 0) AS down,
                   COALESCE(SUM(referrals), 0) AS referrals, COALESCE(SUM(baseline * exposure), 0) AS expected
            FROM source_month
            WHERE clinic_id = :clinicId AND month_start = :month AND practitioner_key = '*'
              AND baseline IS NOT NULL AND baseline * exposure >= CAST(:minExpected AS DOUBLE PRECISION)
            """;

    private static final String DELETE = "DELETE FROM feed_check WHERE clinic_id = :clinicId AND month_start = :month";

    private static final String INSERT = """
            INSERT INTO feed_check (clinic_id, month_start, suspect, evidence, failed_syncs, auth_failures, retried_pages,
                                    pages, count_mismatch, stale, sources_down, sources_evaluable, referrals, expected,
                                    computed_at)
            VALUES (:clinicId, :month, :suspect, :evidence, :failed, :auth, :retried, :pages, :mismatch, :stale, :down,
                    :evaluable, :referrals, :expected, :computedAt)
            """;

    private static final String INSERT_ENDPOINT = """
            INSERT INTO feed_check_endpoint (clinic_id, month_start, endpoint_id, name, suspect, problems, sync_record)
            VALUES (:clinicId, :month, :endpointId, :name, :suspect, :problems, :record)
            """;

    private static final String FIND = """
            SELECT f.*, e.endpoint_id, e.name AS endpoint_name, e.suspect AS endpoint_suspect,
                   e.problems AS endpoint_problems, e.sync_record AS endpoint_record
            FROM feed_check f
            LEFT JOIN feed_check_endpoint e ON e.clinic_id = f.clinic_id AND e.month_start = f.month_start
            WHERE f.clinic_id = :clinicId AND f.month_start = :month
            ORDER BY e.endpoint_id
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final MetricsProperties properties;

    FeedHealth(NamedParameterJdbcTemplate jdbc, MetricsProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /**
     * Checks the month as of a day (in the clinic's time zone) from its sync records and its
     * computed source rows, and stores the clinic's result, replacing an earlier check of the month;
     * the result lists each endpoint checked, with whether it is suspect and why.
     */
    public FeedCheck check(String clinicId, YearMonth month, LocalDate asOf, ZoneId zone, OffsetDateTime computedAt) {
        OffsetDateTime from = month.atDay(1).atStartOfDay(zone).toOffsetDateTime();
        OffsetDateTime monthEnd = month.plusMonths(1).atDay(1).atStartOfDay(zone).toOffsetDateTime();
        OffsetDateTime to = asOf.plusDays(1).atStartOfDay(zone).toOffsetDateTime();
        boolean complete = !to.isBefore(monthEnd) && asOf.isAfter(month.atEndOfMonth());
        MapSqlParameterSource params = new MapSqlParameterSource("clinicId", clinicId)
                .addValue("month", month.atDay(1))
                .addValue("from", from)
                .addValue("monthEnd", monthEnd)
                .addValue("to", to)
                .addValue("drop", properties.dropThreshold())
                .addValue("minExpected", properties.minExpected());

        List<String> problems = new ArrayList<>();
        List<EndpointFeed> endpoints = new ArrayList<>();
        int failed = 0;
        int auth = 0;
        int pages = 0;
        int retried = 0;
        int mismatch = 0;
        boolean stale = false;
        List<String> disabled = new ArrayList<>();
        List<String> steadyNotes = new ArrayList<>();
        for (var e : jdbc.queryForList(ENDPOINTS, params)) {
            String name = (String) e.get("name");
            if (!Boolean.TRUE.equals(e.get("enabled")) && ((Number) e.get("runs_since")).intValue() == 0) {
                // switched off with no sync since the month began: it carries none of the month's data and
                // will not sync again, so it cannot hold the month's alerts (named in the record: its
                // practices may look quiet for that reason)
                disabled.add(name);
                continue;
            }
            int endpointFailed = ((Number) e.get("failed")).intValue();
            int endpointAuth = ((Number) e.get("auth_failed")).intValue();
            int endpointPages = ((Number) e.get("pages")).intValue();
            int endpointRetried = ((Number) e.get("retried")).intValue();
            int endpointMismatch = ((Number) e.get("mismatch")).intValue();
            failed += endpointFailed;
            auth += endpointAuth;
            pages += endpointPages;
            retried += endpointRetried;
            mismatch += endpointMismatch;
            // each problem twice: about the endpoint, in its own FEED alert, and naming it, in the clinic's evidence
            List<String> own = new ArrayList<>();
            String lastStatus = (String) e.get("last_status");
            Number lastMismatch = (Number) e.get("last_mismatch");
            if ("FAILED".equals(lastStatus)) {
                String reason = shorten((String) e.get("last_error"));
                own.add("its last sync failed (" + reason + ")");
                problems.add("the last sync of " + name + " failed (" + reason + ")");
            } else if (lastStatus == null) {
                own.add("it has never synced successfully");
                problems.add(name + " has never synced successfully");
            } else if (complete && ((Number) e.get("successes_after")).intValue() == 0) {
                own.add("it has not synced successfully since " + FeedCheck.monthName(month) + " ended");
                problems.add(name + " has not synced successfully since " + FeedCheck.monthName(month) + " ended");
            }
            stale |= !own.isEmpty();
            if (lastMismatch != null && lastMismatch.intValue() > 0) {
                String fewer = " received " + lastMismatch.intValue() + " resources fewer than the EMR announced";
                own.add("its last sync" + fewer);
                problems.add("the last sync of " + name + fewer);
            }
            Number lastSteady = (Number) e.get("last_steady");
            String steady = "";
            if (lastSteady != null && lastSteady.intValue() > 0) {
                // the server falls short exactly as before: what it counts it does not list (asking again gives
                // the same), so it is no sign of this month's data missing; recorded, not summed per sync
                steady = String.format(Locale.US, " The EMR steadily announces %d resource%s more than it sends (the "
                        + "same in each pass; recorded on each sync, not taken as missing data).", lastSteady.intValue(),
                        lastSteady.intValue() == 1 ? "" : "s");
                steadyNotes.add(name + ": " + steady.trim());
            }
            endpoints.add(new EndpointFeed((String) e.get("id"), name, !own.isEmpty(), own,
                    record(month, endpointFailed, endpointAuth, endpointRetried, endpointPages, endpointMismatch)
                            + steady));
        }

        var sources = jdbc.queryForMap(SOURCES, params);
        int evaluable = ((Number) sources.get("evaluable")).intValue();
        int down = ((Number) sources.get("down")).intValue();
        int referrals = ((Number) sources.get("referrals")).intValue();
        double expected = ((Number) sources.get("expected")).doubleValue();
        String drop = sourcesDrop(down, evaluable, referrals, expected);
        if (drop != null) {
            problems.add(drop);
        }

        String record = record(month, failed, auth, retried, pages, mismatch)
                + (steadyNotes.isEmpty() ? "" : " " + String.join(" ", steadyNotes))
                + (disabled.isEmpty() ? "" : " Not checked, disabled with no sync since " + FeedCheck.monthName(month)
                        + " began: " + String.join(", ", disabled) + ".");
        boolean suspect = !problems.isEmpty();
        String evidence = suspect
                ? String.format(Locale.US, "The feed may be incomplete for %s: %s. %s", FeedCheck.monthYear(month),
                        String.join("; ", problems), record)
                : String.format(Locale.US, "No sign of missing data for %s. %s", FeedCheck.monthYear(month), record);
        FeedCheck check = new FeedCheck(clinicId, month, suspect, shortenTo(evidence, 2000), failed, auth, retried,
                pages, mismatch, stale, down, evaluable, referrals, expected, computedAt, drop, endpoints);
        jdbc.update(DELETE, params);
        jdbc.update(INSERT, params
                .addValue("suspect", suspect)
                .addValue("evidence", check.evidence())
                .addValue("failed", failed)
                .addValue("auth", auth)
                .addValue("retried", retried)
                .addValue("pages", pages)
                .addValue("mismatch", mismatch)
                .addValue("stale", stale)
                .addValue("down", down)
                .addValue("evaluable", evaluable)
                .addValue("referrals", referrals)
                .addValue("expected", java.math.BigDecimal.valueOf(expected).setScale(4, java.math.RoundingMode.HALF_UP))
                .addValue("computedAt", computedAt));
        jdbc.batchUpdate(INSERT_ENDPOINT, endpoints.stream().map(e -> new MapSqlParameterSource("clinicId", clinicId)
                .addValue("month", month.atDay(1))
                .addValue("endpointId", e.endpointId())
                .addValue("name", e.name())
                .addValue("suspect", e.suspect())
                .addValue("problems", e.problems().isEmpty() ? null : shortenTo(String.join("\n", e.problems()), 2000))
                .addValue("record", shortenTo(e.record(), 2000))).toArray(MapSqlParameterSource[]::new));
        return check;
    }

    /**
     * The stored check of a clinic's month with its endpoints' results (one statement: both from the same
     * check, whatever recompute commits meanwhile), if it has been computed. Months checked before the
     * endpoints' results were stored list none until they are checked again.
     */
    public Optional<FeedCheck> find(String clinicId, YearMonth month) {
        List<FeedCheck> rows = new ArrayList<>();
        List<EndpointFeed> endpoints = new ArrayList<>();
        jdbc.query(FIND, new MapSqlParameterSource("clinicId", clinicId).addValue("month", month.atDay(1)), rs -> {
            if (rows.isEmpty()) {
                rows.add(new FeedCheck(clinicId, month, rs.getBoolean("suspect"), rs.getString("evidence"),
                        rs.getInt("failed_syncs"), rs.getInt("auth_failures"), rs.getInt("retried_pages"),
                        rs.getInt("pages"), rs.getInt("count_mismatch"), rs.getBoolean("stale"),
                        rs.getInt("sources_down"), rs.getInt("sources_evaluable"), rs.getInt("referrals"),
                        rs.getDouble("expected"), rs.getObject("computed_at", OffsetDateTime.class),
                        sourcesDrop(rs.getInt("sources_down"), rs.getInt("sources_evaluable"), rs.getInt("referrals"),
                                rs.getDouble("expected")), List.of()));
            }
            if (rs.getString("endpoint_id") != null) {
                String problems = rs.getString("endpoint_problems");
                endpoints.add(new EndpointFeed(rs.getString("endpoint_id"), rs.getString("endpoint_name"),
                        rs.getBoolean("endpoint_suspect"), problems == null ? List.of() : problems.lines().toList(),
                        rs.getString("endpoint_record")));
            }
        });
        return rows.stream().findFirst().map(f -> f.withEndpoints(endpoints));
    }

    /**
     * The drop across sources in words when most sources are down at once and their total is too low
     * to be chance (three small sources each a little low is an ordinary month, not a broken feed);
     * else null.
     */
    private String sourcesDrop(int down, int evaluable, int referrals, double expected) {
        if (evaluable >= properties.feedMinSources() && down >= properties.feedDropShare() * evaluable
                && Poisson.lowerTailMidP(referrals, expected) < properties.alpha()) {
            return String.format(Locale.US, "%d of %d sources are at least %.0f%% below expected at once "
                    + "(%d referrals vs about %.0f expected)", down, evaluable, properties.dropThreshold() * 100,
                    referrals, expected);
        }
        return null;
    }

    /** The sync record since the month began, of one endpoint or all of them. */
    private static String record(YearMonth month, int failed, int auth, int retried, int pages, int mismatch) {
        return String.format(Locale.US, "Since %s began: %d failed sync%s%s, %d of %d pages retried, "
                        + "%d resources announced but not received.", FeedCheck.monthName(month), failed,
                failed == 1 ? "" : "s", auth > 0 ? " (" + auth + " with refused credentials)" : "", retried, pages,
                mismatch);
    }

    private static String shorten(String text) {
        if (text == null || text.isBlank()) {
            return "no reason recorded";
        }
        String line = text.lines().findFirst().orElse(text);
        return line.length() > 200 ? line.substring(0, 199) + "…" : line;
    }

    private static String shortenTo(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
