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
                            HAVING pk IS NULL OR pk <> ''"""),

    /**
     * H2 has no {@code GROUPING SETS}: each referral is read twice, once at the practice level ('*')
     * and once at its provider's when it has one, and grouped once.
     */
    H2("level_key", """
            FROM (SELECT i.*, CASE WHEN l.lvl = 0 THEN '*' ELSE i.pk END AS level_key
                                  FROM inbound i CROSS JOIN (VALUES (0), (1)) AS l (lvl)
                                  WHERE l.lvl = 0 OR i.pk <> '') leveled
                            GROUP BY org_key, level_key, idx""");

    /** The practitioner key of a counted group, as the select list names it. */
    final String levelKey;

    /** FROM and GROUP BY (and HAVING) of the counting: one group per practice and per provider, month. */
    final String levels;

    SqlDialect(String levelKey, String levels) {
        this.levelKey = levelKey;
        this.levels = levels;
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
