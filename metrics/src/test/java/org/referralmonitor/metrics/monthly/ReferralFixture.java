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
    private static final OffsetDateTime SEEN = OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    private final JdbcClient jdbc;

    ReferralFixture(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A clinic with one endpoint and one sync that wrote data. */
    void clinic(String clinicId, String endpointId) {
        jdbc.sql("INSERT INTO clinic (id, name, time_zone, updated_at) VALUES (:id, :id, 'America/New_York', :t)")
                .param("id", clinicId).param("t", SEEN).update();
        jdbc.sql("""
                INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at)
                VALUES (:id, :clinic, :id, 'http://127.0.0.1:9/fhir/', 100, '0 0 2 * * *', FALSE, 'API', :t)
                """).param("id", endpointId).param("clinic", clinicId).param("t", SEEN).update();
        jdbc.sql("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at, resources_written)
                VALUES (:id, 'API', 'SUCCEEDED', :t, 1)
                """).param("id", endpointId).param("t", SEEN).update();
    }

    void organization(String endpointId, String id, String name, String npi) {
        jdbc.sql("""
                INSERT INTO organization (endpoint_id, resource_id, name, npi, active, source_key, content_hash, updated_at)
                VALUES (:e, :id, :name, :npi, TRUE, :key, 'x', :t)
                """).param("e", endpointId).param("id", id).param("name", name).param("npi", npi)
                .param("key", "npi:" + npi).param("t", SEEN).update();
    }

    /** {@code count} referrals from the practice (and provider) in the month, {@code attended} of them seen. */
    void referrals(String endpointId, String orgKey, String practitionerKey, YearMonth month, int count, int attended) {
        for (int i = 0; i < count; i++) {
            String id = "r" + SEQ.incrementAndGet();
            LocalDate day = month.atDay(1 + i % month.lengthOfMonth());
            jdbc.sql("""
                    INSERT INTO referral (endpoint_id, resource_id, status, intent, authored_on, authored_date,
                        authored_month, patient_hash, requester_form, is_referral, classified_by, source_org_key,
                        source_practitioner_key, source_resolution, content_hash, sync_run_id, first_seen_at, updated_at)
                    VALUES (:e, :id, 'active', 'order', :on, :day, :month, :patient, 'RELATIVE', TRUE, 'test', :org,
                        :prac, 'ROLE', 'x', 1, :t, :t)
                    """).param("e", endpointId).param("id", id).param("on", day.atStartOfDay().atOffset(ZoneOffset.UTC))
                    .param("day", day).param("month", month.atDay(1)).param("patient", "p" + id).param("org", orgKey)
                    .param("prac", practitionerKey).param("t", SEEN).update();
            if (i < attended) {
                jdbc.sql("""
                        INSERT INTO visit (endpoint_id, resource_id, status, patient_hash, period_start, start_date,
                            content_hash, sync_run_id, first_seen_at, updated_at)
                        VALUES (:e, :id, 'finished', :patient, :start, :day, 'x', 1, :t, :t)
                        """).param("e", endpointId).param("id", "v" + id).param("patient", "p" + id)
                        .param("start", day.plusDays(10).atStartOfDay().atOffset(ZoneOffset.UTC))
                        .param("day", day.plusDays(10)).param("t", SEEN).update();
                jdbc.sql("INSERT INTO visit_based_on (endpoint_id, visit_id, referral_id) VALUES (:e, :v, :r)")
                        .param("e", endpointId).param("v", "v" + id).param("r", id).update();
                jdbc.sql("""
                        INSERT INTO referral_conversion (endpoint_id, referral_id, visit_id, method, confidence,
                            days_to_visit) VALUES (:e, :r, :v, 'BASED_ON', 1.00, 10)
                        """).param("e", endpointId).param("v", "v" + id).param("r", id).update();
            }
        }
    }
}
