package org.referralmonitor.metrics.monthly;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Writes referrals and visits straight into the ingest tables, shaped as a sync would leave them. */
final class ReferralFixture {

    private static final AtomicInteger SEQ = new AtomicInteger();
    /** When the fixture's sync ran: after October 2026 ended in New York. */
    static final OffsetDateTime SEEN = OffsetDateTime.of(2026, 11, 2, 12, 0, 0, 0, ZoneOffset.UTC);

    private final JdbcClient jdbc;

    /** The sync run the referrals and visits written next belong to (as their sync_run_id). */
    long runId = 1;

    ReferralFixture(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A clinic with one endpoint and one sync that wrote data. */
    void clinic(String clinicId, String endpointId) {
        jdbc.sql("INSERT INTO clinic (id, name, time_zone, updated_at) VALUES (:id, :id, 'America/New_York', :t)")
                .param("id", clinicId).param("t", SEEN).update();
        endpoint(clinicId, endpointId, endpointId, false);
        syncRun(endpointId, "SUCCEEDED", SEEN, 0, null);
    }

    /** Another endpoint of the clinic, with no sync yet. */
    void endpoint(String clinicId, String endpointId, String name, boolean enabled) {
        jdbc.sql("""
                INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at)
                VALUES (:id, :clinic, :name, 'http://127.0.0.1:9/fhir/', 100, '0 0 2 * * *', :enabled, 'API', :t)
                """).param("id", endpointId).param("clinic", clinicId).param("name", name).param("enabled", enabled)
                .param("t", SEEN).update();
    }

    /** A sync of the endpoint that has written (or announced that it writes); returns its id. */
    long syncRun(String endpointId, String status, OffsetDateTime at, int countMismatch, String error) {
        return syncRun(endpointId, status, at, countMismatch, error, true);
    }

    /** A sync of the endpoint; {@code writing}: whether it has started writing ({@code writing_since}). */
    long syncRun(String endpointId, String status, OffsetDateTime at, int countMismatch, String error,
            boolean writing) {
        jdbc.sql("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at, started_at, finished_at,
                                      resources_written, count_mismatch, error_message, writing_since)
                VALUES (:id, 'API', :status, :t, :t, :t, 1, :mismatch, :error, :writing)
                """).param("id", endpointId).param("status", status).param("t", at).param("mismatch", countMismatch)
                .param("error", error).param("writing", writing ? at : null).update();
        return jdbc.sql("SELECT MAX(id) FROM sync_run WHERE endpoint_id = :id").param("id", endpointId)
                .query(Long.class).single();
    }

    /** The clinic's own organizations, as the endpoint's own-organizations setting. */
    void ownOrganizations(String endpointId, String json) {
        jdbc.sql("UPDATE emr_endpoint SET own_organizations = :json WHERE id = :id")
                .param("json", json).param("id", endpointId).update();
    }

    void organization(String endpointId, String id, String name, String npi) {
        jdbc.sql("""
                INSERT INTO organization (endpoint_id, resource_id, name, npi, active, source_key, content_hash, updated_at)
                VALUES (:e, :id, :name, :npi, TRUE, :key, 'x', :t)
                """).param("e", endpointId).param("id", id).param("name", name).param("npi", npi)
                .param("key", npi == null ? endpointId + "/Organization/" + id : "npi:" + npi).param("t", SEEN).update();
    }

    /** {@code count} referrals from the practice (and provider) in the month, {@code attended} of them seen. */
    void referrals(String endpointId, String orgKey, String practitionerKey, YearMonth month, int count, int attended) {
        for (int i = 0; i < count; i++) {
            LocalDate day = month.atDay(1 + i % month.lengthOfMonth());
            String id = referral(endpointId, orgKey, practitionerKey, day, "active", null);
            if (i < attended) {
                visit(endpointId, id, day.plusDays(10), "finished", true);
            }
        }
    }

    /** One received referral; returns its id. The patient is the referral's own unless given. */
    String referral(String endpointId, String orgKey, String practitionerKey, LocalDate day, String status,
            String patient) {
        String id = "r" + SEQ.incrementAndGet();
        jdbc.sql("""
                INSERT INTO referral (endpoint_id, resource_id, status, intent, authored_on, authored_date,
                    authored_month, patient_hash, requester_form, is_referral, classified_by, source_org_key,
                    source_practitioner_key, source_resolution, content_hash, sync_run_id, first_seen_at, updated_at)
                VALUES (:e, :id, :status, 'order', :on, :day, :month, :patient, 'RELATIVE', TRUE, 'test', :org,
                    :prac, 'ROLE', 'x', :run, :t, :t)
                """).param("e", endpointId).param("id", id).param("status", status).param("run", runId)
                .param("on", day.atTime(15, 0).atOffset(ZoneOffset.UTC)).param("day", day)
                .param("month", day.withDayOfMonth(1)).param("patient", patient == null ? "p" + id : patient)
                .param("org", orgKey).param("prac", practitionerKey).param("t", SEEN).update();
        return id;
    }

    /** The reason the EMR gave for the referral's status. */
    void statusReason(String endpointId, String referralId, String reason) {
        jdbc.sql("UPDATE referral SET status_reason = :reason WHERE endpoint_id = :e AND resource_id = :id")
                .param("reason", reason).param("e", endpointId).param("id", referralId).update();
    }

    /** A referral the clinic sent: requested by its own organization, the partner organization as performer. */
    void outbound(String endpointId, String ownOrgKey, String performerOrgId, YearMonth month, int count) {
        for (int i = 0; i < count; i++) {
            String id = referral(endpointId, ownOrgKey, null, month.atDay(1 + i % 28), "active", null);
            jdbc.sql("""
                    UPDATE referral SET performer_type = 'Organization', performer_id = :performer
                    WHERE endpoint_id = :e AND resource_id = :id
                    """).param("performer", performerOrgId).param("e", endpointId).param("id", id).update();
        }
    }

    /**
     * A visit for the referral: based on it when {@code basedOn}, with the patient's hash; linked as
     * its conversion (as ingest's ConversionLinker would) unless cancelled.
     */
    void visit(String endpointId, String referralId, LocalDate day, String status, boolean basedOn) {
        String patient = jdbc.sql("SELECT patient_hash FROM referral WHERE endpoint_id = :e AND resource_id = :r")
                .param("e", endpointId).param("r", referralId).query(String.class).single();
        LocalDate authored = jdbc.sql("SELECT authored_date FROM referral WHERE endpoint_id = :e AND resource_id = :r")
                .param("e", endpointId).param("r", referralId).query(LocalDate.class).single();
        String visitId = "v" + SEQ.incrementAndGet();
        jdbc.sql("""
                INSERT INTO visit (endpoint_id, resource_id, status, patient_hash, period_start, start_date,
                    content_hash, sync_run_id, first_seen_at, updated_at)
                VALUES (:e, :id, :status, :patient, :start, :day, 'x', :run, :t, :t)
                """).param("e", endpointId).param("id", visitId).param("status", status).param("patient", patient)
                .param("run", runId)
                .param("start", day.atTime(15, 0).atOffset(ZoneOffset.UTC)).param("day", day).param("t", SEEN).update();
        if (basedOn) {
            jdbc.sql("INSERT INTO visit_based_on (endpoint_id, visit_id, referral_id) VALUES (:e, :v, :r)")
                    .param("e", endpointId).param("v", visitId).param("r", referralId).update();
        }
        if (!status.equals("cancelled")) {
            jdbc.sql("DELETE FROM referral_conversion WHERE endpoint_id = :e AND referral_id = :r")
                    .param("e", endpointId).param("r", referralId).update();
            jdbc.sql("""
                    INSERT INTO referral_conversion (endpoint_id, referral_id, visit_id, method, confidence,
                        days_to_visit) VALUES (:e, :r, :v, :method, :confidence, :days)
                    """).param("e", endpointId).param("v", visitId).param("r", referralId)
                    .param("method", basedOn ? "BASED_ON" : "PATIENT_WINDOW").param("confidence", basedOn ? 1.0 : 0.7)
                    .param("days", (int) java.time.temporal.ChronoUnit.DAYS.between(authored, day)).update();
        }
    }

    /** One generated referral per row of {@link #generated}, for {@code JdbcTemplate.batchUpdate}. */
    static final String INSERT_GENERATED = """
            INSERT INTO referral (endpoint_id, resource_id, status, intent, authored_on, authored_date,
                authored_month, patient_hash, requester_form, is_referral, classified_by, source_org_key,
                source_resolution, content_hash, sync_run_id, first_seen_at, updated_at)
            VALUES (?, ?, 'active', 'order', ?, ?, ?, ?, 'RELATIVE', TRUE, 'test', ?, 'ORGANIZATION', 'x', 1, ?, ?)
            """;

    /** A generated referral from the practice on the day, its own patient, stored by sync 1. */
    static Object[] generated(String endpoint, String id, String org, LocalDate day) {
        OffsetDateTime at = day.atTime(15, 0).atOffset(ZoneOffset.UTC);
        return new Object[] {endpoint, id, at, day, day.withDayOfMonth(1), "p" + id, org, SEEN, SEEN};
    }

    /** A Poisson draw (Knuth's method; fine for the small rates of generated worlds). */
    static int poisson(java.util.SplittableRandom rng, double lambda) {
        double limit = Math.exp(-lambda);
        double product = rng.nextDouble();
        int n = 0;
        while (product > limit) {
            product *= rng.nextDouble();
            n++;
        }
        return n;
    }
}
