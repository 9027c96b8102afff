package org.referralmonitor.metrics.monthly;

import java.sql.DatabaseMetaData;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

/**
 * Where the metrics' SQL differs between PostgreSQL (production, tests) and H2 (the embedded demo):
 * the only place that knows. Everything else is one text both run.
 */
enum SqlDialect {

    /**
     * Per practice and per provider in one sort: {@code GROUPING SETS} of (practice, month, provider)
     * and (practice, month). The provider key is {@code ''} for referrals without a provider: their
     * group at the provider level is dropped, and the practice level's key is NULL, shown as '*'.
     */
    POSTGRESQL("COALESCE(pk, '*')", """
            FROM inbound GROUP BY GROUPING SETS ((org_key, idx, pk), (org_key, idx))
                            HAVING pk IS NULL OR pk <> ''""",
            /*
             * Each month's window rows looked up in a lateral subquery: the source's rows stay in the
             * order the LAG before sorted them (by source, then month), the look-up of a month is
             * cached (Memoize) and the groups per source and target month are formed without sorting
             * all 13 copies of every month at once, where a join planned as a hash join (the planner
             * estimates a few target rows) feeds all of them to one external sort.
             */
            """
            CROSS JOIN LATERAL (SELECT * FROM metrics_target_month t
                                WHERE t.job_execution_id = :jobExecutionId AND t.month_index = m.idx
                                OFFSET 0) f""",
            /*
             * The facts' groups per source and run month formed by sorting each source's rows apart
             * (they come sorted by source), not by hashing: the planner, which takes the run's few
             * target months for one per month, expects a few thousand groups where there are one per
             * source and month, and its hash table spills to disk many times over. For the rest of
             * the step's transaction only (SET LOCAL).
             */
            "SET LOCAL enable_hashagg = off",
            /*
             * The counting's keys grouped in byte order, as the kept counts hold them
             * (V20261206_02): sorted with abbreviated keys and memcmp instead of a C library call per
             * comparison.
             */
            " COLLATE \"C\"",
            /*
             * A run of few months (a month after a sync, a monthly close) without JIT compilation for
             * the rest of the step's transaction: compiling the facts statement takes about a second,
             * more than it saves on a month's rows; a recompute of every month gains several.
             */
            "SET LOCAL jit = off",
            /*
             * The counting's referrals (scoped) read where each part reads them, not written to a
             * temporary file first: the received part reads almost all of them, the sent part a few
             * percent, and the file (about 450 MB for a clinic's 2.5M referrals) was written once and
             * read twice; a second pass over the index costs less. With the missed-visit probe's
             * clinic condition (MonthlyAggregation): a clinic's counting 38.6-40.3 s against
             * 44.1-48.4 s, 33-35 s against 55-57 s with two clinics at once (docs/benchmarks.md).
             */
            " NOT MATERIALIZED",
            true),

    /**
     * H2 has no {@code GROUPING SETS}: each referral is read twice, once at the practice level ('*')
     * and once at its provider's when it has one, and grouped once.
     */
    H2("level_key", """
            FROM (SELECT i.*, CASE WHEN l.lvl = 0 THEN '*' ELSE i.pk END AS level_key
                                  FROM inbound i CROSS JOIN (VALUES (0), (1)) AS l (lvl)
                                  WHERE l.lvl = 0 OR i.pk <> '') leveled
                            GROUP BY org_key, level_key, idx""",
            /* H2 has no LATERAL: a plain join. */
            "JOIN metrics_target_month f ON f.job_execution_id = :jobExecutionId AND f.month_index = m.idx",
            null,
            /* H2 compares its keys as its columns do. */
            "",
            null,
            /* H2 has no MATERIALIZED clause. */
            "",
            /*
             * H2 joins a derived table by scanning it once per outer row (no hash join): a recompute's
             * conversions are looked up by key as a small run's are. A sandbox clinic's 38 months
             * took 62-82 s hashed, 0.8 s looked up.
             */
            false);

    /** The practitioner key of a counted group, as the select list names it. */
    final String levelKey;

    /** FROM and GROUP BY (and HAVING) of the counting: one group per practice and per provider, month. */
    final String levels;

    /**
     * How the facts statement joins each source's month (m) to the run months whose window holds it
     * (f, rows of {@code metrics_target_month}).
     */
    final String windowMonths;

    /**
     * A setting for the planner, run in the aggregation's transaction before the facts statement, or
     * null.
     */
    final String beforeFacts;

    /** What follows each key the counting groups by: a collation, or nothing. */
    final String keyCollation;

    /** A setting for the planner, run in the aggregation's transaction before a small run's statements, or null. */
    final String smallRun;

    /** What follows the name of the counting's referrals (the scoped CTE): how it is read, or nothing. */
    final String inlineScoped;

    /**
     * Whether a large run joins the conversions and visits by hashing them (MonthlyAggregation's
     * HASH_CONVERSIONS); else it looks each one up by key, as a small run does.
     */
    final boolean hashJoins;

    SqlDialect(String levelKey, String levels, String windowMonths, String beforeFacts, String keyCollation,
            String smallRun, String inlineScoped, boolean hashJoins) {
        this.levelKey = levelKey;
        this.levels = levels;
        this.windowMonths = windowMonths;
        this.beforeFacts = beforeFacts;
        this.keyCollation = keyCollation;
        this.smallRun = smallRun;
        this.inlineScoped = inlineScoped;
        this.hashJoins = hashJoins;
    }

    /** The database behind the data source: PostgreSQL, or H2 (in its PostgreSQL mode). */
    static SqlDialect of(DataSource dataSource) {
        String product;
        try {
            product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
        } catch (MetaDataAccessException e) {
            throw new IllegalStateException("Cannot tell which database the metrics run on: " + e.getMessage(), e);
        }
        return switch (product.toLowerCase(Locale.ROOT)) {
            case "postgresql" -> POSTGRESQL;
            case "h2" -> H2;
            default -> throw new IllegalStateException("The metrics run on PostgreSQL or H2, not " + product);
        };
    }
}
