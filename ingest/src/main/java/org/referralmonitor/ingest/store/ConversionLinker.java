package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.TreeSet;
import org.referralmonitor.profiles.ReferralCodes;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Which visit each referral turned into, in one set-based statement per endpoint: a visit whose
 * {@code Encounter.basedOn} names the referral (BASED_ON, confidence 1.0); else a visit of the same
 * patient (same keyed hash) with the clinic within the window after the referral that no referral
 * claims through basedOn (PATIENT_WINDOW, confidence 0.7). In this order, then the earliest: a
 * BASED_ON visit that took place (attended); one booked and not yet held (planned, unknown); a
 * PATIENT_WINDOW visit that took place; a BASED_ON no-show; any other PATIENT_WINDOW visit. So a
 * no-show on day 7 and a finished visit on day 15 (rebooked, with or without basedOn) is a conversion
 * on day 15, and a visit booked for the referral beats a guess from the patient's other visits.
 * Cancelled,
 * entered-in-error and deleted visits never convert. A visit is "with the clinic" when its service
 * provider is one of the clinic's own organizations, or any visit of the endpoint when none is
 * configured.
 *
 * <p>The first linking of an endpoint links every referral; after that, a sync relinks only the
 * referrals its changes can affect ({@link ChangeScope}, recorded with each change), unless the
 * conversion window or the clinic's own organizations changed since (their ids are kept with the
 * links in {@code conversion_link_state}).
 */
@Repository
public class ConversionLinker {

    /** Encounter statuses that never convert a referral: the visit did not happen, or was a mistake. */
    private static final List<String> NOT_A_VISIT = List.of("cancelled", "entered-in-error");

    /**
     * The linking rule's version, kept with the links: 2 prefers a visit that took place to an earlier
     * one that did not, and counts a based-on visit before the referral as day 0.
     */
    static final int RULE_VERSION = 2;

    /** Encounter statuses of a visit booked and not held: ranked after a guess that took place. */
    private static final List<String> MISSED = List.of("noshow");

    private static final String DELETE = "DELETE FROM referral_conversion WHERE endpoint_id = :endpointId";

    /** The referrals a sync's changes can give another visit, from {@link ChangeScope}. */
    private static final String SCOPED_REFERRALS = """
            SELECT s.item FROM change_scope s WHERE s.endpoint_id = :endpointId AND s.kind = 'R'
            UNION
            SELECT sr.resource_id FROM change_scope s
            JOIN referral sr ON sr.endpoint_id = s.endpoint_id AND sr.patient_hash = s.item
            WHERE s.endpoint_id = :endpointId AND s.kind = 'P'""";

    /**
     * The months of the referrals in scope as such: changed, or named by a changed or deleted visit
     * ({@code basedOn}) or linked to it. A visit that stops naming a referral of another patient changes
     * that referral's month, though neither the referral nor its patient's visits changed.
     */
    private static final String SCOPED_REFERRAL_MONTHS = """
            SELECT DISTINCT r.authored_month FROM change_scope s
            JOIN referral r ON r.endpoint_id = s.endpoint_id AND r.resource_id = s.item
            WHERE s.endpoint_id = :endpointId AND s.kind = 'R' AND r.authored_month IS NOT NULL
            ORDER BY r.authored_month""";

    private static final String DELETE_SCOPED = """
            DELETE FROM referral_conversion WHERE endpoint_id = :endpointId AND referral_id IN (%s)
            """.formatted(SCOPED_REFERRALS);

    private static final String STATE = "SELECT settings FROM conversion_link_state WHERE endpoint_id = :endpointId";

    private static final String FORGET = "DELETE FROM conversion_link_state WHERE endpoint_id = :endpointId";

    private static final String REMEMBER = """
            INSERT INTO conversion_link_state (endpoint_id, settings, linked_at, sync_run_id)
            VALUES (:endpointId, :settings, :linkedAt, :runId)
            """;

    /** Every referral of the endpoint ({@code %1$s} empty), or those in scope. */
    private static final String INSERT_TEMPLATE = """
            INSERT INTO referral_conversion (endpoint_id, referral_id, visit_id, method, confidence, days_to_visit)
            SELECT endpoint_id, referral_id, visit_id, method, confidence, days_to_visit FROM (
                SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.referral_id ORDER BY c.rank, c.visit_start,
                                                                           c.visit_id) AS choice
                FROM (
                    SELECT r.endpoint_id, r.resource_id AS referral_id, v.resource_id AS visit_id,
                           'BASED_ON' AS method, 1.00 AS confidence, v.period_start AS visit_start,
                           -- a visit the referral was written after (dated the day after, say): seen at once
                           CASE WHEN v.start_date IS NOT NULL
                                THEN GREATEST(0, CAST(v.start_date - r.authored_date AS INTEGER)) END AS days_to_visit,
                           -- 1 held, 2 booked (planned, unknown), 4 missed (no-show): see the class comment
                           CASE WHEN v.status IN (:attended) THEN 1 WHEN v.status IN (:missed) THEN 4 ELSE 2 END
                               AS rank
                    FROM referral r
                    JOIN visit_based_on vb ON vb.endpoint_id = r.endpoint_id AND vb.referral_id = r.resource_id
                    JOIN visit v ON v.endpoint_id = vb.endpoint_id AND v.resource_id = vb.visit_id
                    WHERE r.endpoint_id = :endpointId AND v.status NOT IN (:notAVisit) AND v.deleted_at IS NULL%1$s
                    UNION ALL
                    SELECT r.endpoint_id, r.resource_id, v.resource_id, 'PATIENT_WINDOW', 0.70, v.period_start,
                           CAST(v.start_date - r.authored_date AS INTEGER),
                           -- 3 held, 5 not (yet)
                           CASE WHEN v.status IN (:attended) THEN 3 ELSE 5 END
                    FROM referral r
                    JOIN visit v ON v.endpoint_id = r.endpoint_id AND v.patient_hash = r.patient_hash
                    WHERE r.endpoint_id = :endpointId AND r.is_referral AND r.patient_hash IS NOT NULL
                      AND v.status NOT IN (:notAVisit) AND v.deleted_at IS NULL
                      AND v.start_date >= r.authored_date
                      AND v.start_date <= r.authored_date + CAST(:windowDays AS INTEGER)
                      AND (CAST(:anyProvider AS BOOLEAN) OR v.service_provider_id IN (:ownOrganizations))
                      AND NOT EXISTS (SELECT 1 FROM visit_based_on vb
                                      WHERE vb.endpoint_id = v.endpoint_id AND vb.visit_id = v.resource_id)%1$s
                ) c
            ) ranked
            WHERE choice = 1
            """;

    private static final String INSERT = INSERT_TEMPLATE.formatted("");

    private static final String INSERT_SCOPED = INSERT_TEMPLATE.formatted("""

                      AND r.resource_id IN (%s)""".formatted(SCOPED_REFERRALS));

    /**
     * What a linking did.
     *
     * @param full whether every referral of the endpoint was linked again (else those in scope)
     * @param linked how many of the referrals linked again are linked to a visit
     * @param months when not full: the authored months of the referrals in scope as such (see
     *     {@link #SCOPED_REFERRAL_MONTHS}), oldest first
     */
    public record Linked(boolean full, int linked, List<java.time.LocalDate> months) {

        public Linked {
            months = List.copyOf(months);
        }
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final ChangeScope scope;

    public ConversionLinker(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.scope = new ChangeScope(jdbc);
    }

    /**
     * Whether the endpoint's referrals were linked before, so that a sync should record what it
     * changes ({@link ResourceWriter#write(List, long, java.time.OffsetDateTime, boolean)}) and have
     * only that relinked.
     */
    public boolean hasLinks(String endpointId) {
        return !jdbc.queryForList(STATE, new MapSqlParameterSource("endpointId", endpointId), String.class).isEmpty();
    }

    /** The next linking of the endpoint links every referral (say, after the referral rule changed). */
    public void forget(String endpointId) {
        jdbc.update(FORGET, new MapSqlParameterSource("endpointId", endpointId));
    }

    /**
     * Links the endpoint's referrals to the visits they became, replacing their previous links: only
     * the referrals in scope when the endpoint was linked before with the same settings and the sync
     * recorded its changes, else every referral. Call inside a transaction.
     *
     * @param ownOrganizations the clinic's own organizations, as "Organization/id" or "npi:1234567893";
     *     empty: a visit with any provider counts
     * @param scopeRecorded whether every change since the last linking recorded its scope
     */
    public Linked link(String endpointId, int windowDays, List<String> ownOrganizations, boolean scopeRecorded,
            long syncRunId, OffsetDateTime now) {
        List<String> ids = organizationIds(endpointId, ownOrganizations);
        boolean any = ownOrganizations.isEmpty();
        MapSqlParameterSource params = new MapSqlParameterSource("endpointId", endpointId)
                .addValue("windowDays", windowDays)
                .addValue("notAVisit", NOT_A_VISIT)
                .addValue("attended", List.copyOf(ReferralCodes.ATTENDED_VISIT_STATUSES))
                .addValue("missed", MISSED)
                .addValue("anyProvider", any)
                .addValue("ownOrganizations", ids.isEmpty() ? List.of("") : ids);
        // the rule's version with the settings: links made by an earlier rule are all made again
        String settings = "rule=" + RULE_VERSION + ";window-days=" + windowDays + ";own=" + (any ? "*" : String.join(",", new TreeSet<>(ids)));
        List<String> stored = jdbc.queryForList(STATE, params, String.class);
        boolean full = !scopeRecorded || stored.isEmpty() || !stored.get(0).equals(settings);
        int linked;
        List<java.time.LocalDate> months = List.of();
        if (full) {
            jdbc.update(DELETE, params);
            linked = jdbc.update(INSERT, params);
        } else {
            months = jdbc.queryForList(SCOPED_REFERRAL_MONTHS, params, java.time.LocalDate.class);
            jdbc.update(DELETE_SCOPED, params);
            linked = jdbc.update(INSERT_SCOPED, params);
        }
        scope.clear(endpointId);
        jdbc.update(FORGET, params);
        jdbc.update(REMEMBER, params.addValue("settings", settings).addValue("linkedAt", now)
                .addValue("runId", syncRunId));
        return new Linked(full, linked, months);
    }

    /** Organization ids on this endpoint for "Organization/id" and "npi:..." entries. */
    private List<String> organizationIds(String endpointId, List<String> ownOrganizations) {
        List<String> ids = new java.util.ArrayList<>();
        List<String> npis = new java.util.ArrayList<>();
        for (String entry : ownOrganizations) {
            if (entry.startsWith("npi:")) {
                npis.add(entry.substring(4));
            } else {
                ids.add(entry.substring(entry.lastIndexOf('/') + 1));
            }
        }
        if (!npis.isEmpty()) {
            ids.addAll(jdbc.queryForList("SELECT resource_id FROM organization WHERE endpoint_id = :endpointId "
                    + "AND npi IN (:npis)", new MapSqlParameterSource("endpointId", endpointId).addValue("npis", npis),
                    String.class));
        }
        return ids;
    }
}
