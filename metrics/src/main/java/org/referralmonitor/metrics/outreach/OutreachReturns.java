package org.referralmonitor.metrics.outreach;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.referralmonitor.metrics.MetricsProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The return on outreach for a practice manager: per contacted practice, referrals a month in the
 * final months after its first logged contact ({@code outreach-after-months}, 6, at most) against the
 * {@code outreach-before-months} (3) before, net of what flagged
 * practices nobody contacted gained over the same span, and what that is worth. Read from the
 * monthly figures (practice rows of final months; a month without a row counts 0), so it follows
 * every recompute.
 */
@Service
public class OutreachReturns {

    /** The clinic's final months, indexed year x 12 + month (a common table expression). */
    private static final String FINAL_MONTHS = """
            final_month AS (
                SELECT DISTINCT month_start,
                       EXTRACT(YEAR FROM month_start) * 12 + EXTRACT(MONTH FROM month_start) AS idx
                FROM source_month
                WHERE clinic_id = :clinic AND practitioner_key = '*' AND provisional = FALSE
            )""";

    /**
     * Final months and referrals on either side of a turn {@code t} (its month {@code t.idx}, its first
     * referral's {@code t.first_idx}), from the rows {@code sm} of the final months {@code f}.
     */
    private static final String SIDES = """
            COUNT(CASE WHEN f.idx BETWEEN t.idx - :before AND t.idx - 1 AND f.idx >= t.first_idx THEN 1 END)
                AS months_before,
            COALESCE(SUM(CASE WHEN f.idx BETWEEN t.idx - :before AND t.idx - 1 AND f.idx >= t.first_idx
                              THEN sm.referrals END), 0) AS referrals_before,
            COUNT(CASE WHEN f.idx BETWEEN t.idx + 1 AND t.idx + :after THEN 1 END) AS months_after,
            COALESCE(SUM(CASE WHEN f.idx BETWEEN t.idx + 1 AND t.idx + :after THEN sm.referrals END), 0)
                AS referrals_after""";

    /**
     * Per practice the clinic turned to, its referrals on either side of the month it did. Contacted
     * practices turn at the month of their first contact; practices with a volume alert and no contact
     * at the month after their first alert's month (when the alert was raised and could have been
     * answered). Months before a practice's first referral are not "before" (a practice welcomed in
     * its first month has no before). Months are indexed as year x 12 + month; without a final month
     * yet, each practice still has its row, with no months on either side.
     */
    static final String SQL = """
            WITH %1$s, newest AS (
                SELECT MAX(month_start) AS month_start FROM final_month
            ), turn AS (
                SELECT o.org_key, 1 AS contacted, MIN(o.contacted_on) AS since, COUNT(*) AS contacts,
                       MIN(EXTRACT(YEAR FROM o.contacted_on) * 12 + EXTRACT(MONTH FROM o.contacted_on)) AS idx
                FROM outreach o
                WHERE o.clinic_id = :clinic
                GROUP BY o.org_key
                UNION ALL
                SELECT a.org_key, 0, MIN(a.month_start), 0,
                       MIN(EXTRACT(YEAR FROM a.month_start) * 12 + EXTRACT(MONTH FROM a.month_start)) + 1
                FROM alert a
                WHERE a.clinic_id = :clinic AND a.kind IN ('SLOWDOWN', 'GONE_DARK', 'SUSTAINED_DECLINE')
                  AND NOT EXISTS (SELECT 1 FROM outreach o WHERE o.clinic_id = a.clinic_id AND o.org_key = a.org_key)
                GROUP BY a.org_key
            ), started AS (
                SELECT t.org_key, t.contacted, t.since, t.contacts, t.idx,
                       (SELECT MIN(EXTRACT(YEAR FROM s.month_start) * 12 + EXTRACT(MONTH FROM s.month_start))
                        FROM source_month s
                        WHERE s.clinic_id = :clinic AND s.org_key = t.org_key AND s.practitioner_key = '*'
                          AND s.referrals > 0) AS first_idx
                FROM turn t
            ), counted AS (
                SELECT t.org_key, t.contacted, t.since, t.contacts,
                       %2$s,
                       MAX(CASE WHEN f.month_start = (SELECT month_start FROM newest) THEN sm.baseline_conversion END)
                           AS conversion
                FROM started t
                LEFT JOIN final_month f ON TRUE
                LEFT JOIN source_month sm ON sm.clinic_id = :clinic AND sm.month_start = f.month_start
                                         AND sm.org_key = t.org_key AND sm.practitioner_key = '*'
                GROUP BY t.org_key, t.contacted, t.since, t.contacts
            )
            SELECT c.*, (SELECT MAX(o.name) FROM organization o WHERE o.source_key = c.org_key) AS name
            FROM counted c
            ORDER BY c.contacted DESC, c.since, c.org_key
            """.formatted(FINAL_MONTHS, SIDES);

    /**
     * Per referring provider of one practice the clinic logged a contact with, their referrals on
     * either side of the month of the first such contact, as {@link #SQL} counts a practice's.
     */
    static final String PROVIDERS_SQL = """
            WITH %1$s, turn AS (
                SELECT o.practitioner_key, MIN(o.contacted_on) AS since, COUNT(*) AS contacts,
                       MIN(EXTRACT(YEAR FROM o.contacted_on) * 12 + EXTRACT(MONTH FROM o.contacted_on)) AS idx,
                       (SELECT MIN(EXTRACT(YEAR FROM s.month_start) * 12 + EXTRACT(MONTH FROM s.month_start))
                        FROM source_month s
                        WHERE s.clinic_id = :clinic AND s.org_key = :org AND s.practitioner_key = o.practitioner_key
                          AND s.referrals > 0) AS first_idx
                FROM outreach o
                WHERE o.clinic_id = :clinic AND o.org_key = :org AND o.practitioner_key IS NOT NULL
                GROUP BY o.practitioner_key
            ), counted AS (
                SELECT t.practitioner_key, t.since, t.contacts,
                       %2$s
                FROM turn t
                LEFT JOIN final_month f ON TRUE
                LEFT JOIN source_month sm ON sm.clinic_id = :clinic AND sm.month_start = f.month_start
                                         AND sm.org_key = :org AND sm.practitioner_key = t.practitioner_key
                GROUP BY t.practitioner_key, t.since, t.contacts
            )
            SELECT c.*, (SELECT MAX(p.name) FROM practitioner p WHERE p.source_key = c.practitioner_key) AS name
            FROM counted c
            ORDER BY c.since, c.practitioner_key
            """.formatted(FINAL_MONTHS, SIDES);

    private final JdbcClient jdbc;
    private final MetricsProperties properties;

    OutreachReturns(JdbcClient jdbc, MetricsProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    public OutreachReturn of(String clinicId) {
        LocalDate newest = jdbc.sql("""
                SELECT MAX(month_start) FROM source_month
                WHERE clinic_id = :clinic AND practitioner_key = '*' AND provisional = FALSE
                """).param("clinic", clinicId).query(LocalDate.class).optional().orElse(null);
        List<SourceReturn> rows = jdbc.sql(SQL)
                .params(Map.of("clinic", clinicId, "before", properties.outreachBeforeMonths(),
                        "after", properties.outreachAfterMonths()))
                .query((rs, n) -> {
                    int monthsBefore = rs.getInt("months_before");
                    int monthsAfter = rs.getInt("months_after");
                    int before = rs.getInt("referrals_before");
                    int after = rs.getInt("referrals_after");
                    BigDecimal conversion = rs.getBigDecimal("conversion");
                    return new SourceReturn(rs.getString("org_key"), rs.getString("name"), rs.getInt("contacted") == 1,
                            rs.getObject("since", LocalDate.class), rs.getInt("contacts"), monthsBefore, before,
                            monthsAfter, after, monthsBefore == 0 ? null : before / (double) monthsBefore,
                            monthsAfter == 0 ? null : after / (double) monthsAfter, conversion == null ? null : conversion.doubleValue(),
                            null, null);
                })
                .list();
        return summarize(newest == null ? null : YearMonth.from(newest), rows,
                properties.forClinic(clinicId).valuePerConversion(), properties.outreachBeforeMonths(),
                properties.outreachAfterMonths());
    }

    /** Final months before the month of a first contact that make the "before" (outreach-before-months). */
    public int beforeMonths() {
        return properties.outreachBeforeMonths();
    }

    /** Final months after it counted at most (outreach-after-months). */
    public int afterMonths() {
        return properties.outreachAfterMonths();
    }

    /**
     * The practice's providers the clinic contacted, first contact first, each with their referrals
     * before and after.
     *
     * @throws InvalidOutreachException when the practice is not given or not in the clinic's figures
     */
    public List<ProviderReturn> providers(String clinicId, String clinicName, String orgKey) {
        String org = OutreachLog.knownPractice(jdbc, clinicId, clinicName, orgKey);
        return jdbc.sql(PROVIDERS_SQL)
                .params(Map.of("clinic", clinicId, "org", org, "before", properties.outreachBeforeMonths(),
                        "after", properties.outreachAfterMonths()))
                .query((rs, n) -> new ProviderReturn(rs.getString("practitioner_key"), rs.getString("name"),
                        rs.getObject("since", LocalDate.class), rs.getInt("contacts"), rs.getInt("months_before"),
                        rs.getInt("referrals_before"), rs.getInt("months_after"), rs.getInt("referrals_after")))
                .list();
    }

    /**
     * Each contacted practice's extra referrals: its change a month net of the comparison's mean
     * change (when there is a comparison), over its months after; and what they are worth.
     */
    static OutreachReturn summarize(YearMonth through, List<SourceReturn> rows, double valuePerConversion,
            int beforeMonths, int afterMonths) {
        List<SourceReturn> comparison = rows.stream().filter(r -> !r.contacted()).toList();
        Double comparisonChange = meanChange(comparison);
        List<SourceReturn> contacted = new ArrayList<>();
        double extra = 0;
        double revenue = 0;
        for (SourceReturn r : rows) {
            if (!r.contacted()) {
                continue;
            }
            Double change = r.change();
            Double extraReferrals = change == null ? null
                    : (change - (comparisonChange == null ? 0 : comparisonChange)) * r.monthsAfter();
            Double value = extraReferrals == null || r.conversion() == null ? null
                    : extraReferrals * r.conversion() * valuePerConversion;
            extra += extraReferrals == null ? 0 : extraReferrals;
            revenue += value == null ? 0 : value;
            contacted.add(new SourceReturn(r.orgKey(), r.sourceName(), true, r.since(), r.contacts(), r.monthsBefore(),
                    r.referralsBefore(), r.monthsAfter(), r.referralsAfter(), r.perMonthBefore(), r.perMonthAfter(),
                    r.conversion(), extraReferrals, value));
        }
        return new OutreachReturn(through, contacted, comparison, meanChange(contacted), comparisonChange, extra,
                revenue, valuePerConversion, beforeMonths, afterMonths);
    }

    private static Double meanChange(Collection<SourceReturn> rows) {
        return rows.stream().map(SourceReturn::change).filter(c -> c != null).mapToDouble(Double::doubleValue)
                .average().stream().boxed().findFirst().orElse(null);
    }
}
