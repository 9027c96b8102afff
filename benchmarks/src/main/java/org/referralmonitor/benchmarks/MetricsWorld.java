package org.referralmonitor.benchmarks;

import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The metrics benchmark's world, generated inside PostgreSQL by set-based statements
 * ({@code generate_series}, never row by row from Java), into the ingest tables the metrics job
 * reads, shaped as syncs would have left them: clinics with one EMR endpoint each, referring
 * practices (organizations keyed by NPI) with a few providers each (practitioners and roles),
 * nightly sync runs, referrals (ServiceRequests) with their kept JSON, visits (Encounters) with
 * their {@code basedOn} links and the conversions the linker would have found.
 *
 * <p>Per practice: a volume drawn from a log-normal (most practices small, a few large),
 * seasonal (about plus or minus 15%), a slow trend of its own, month-to-month noise beyond
 * Poisson (overdispersion of its own), then Poisson counts. Some practices start late (new),
 * some stop (gone dark), about 2% have a planted drop of 40-60% lasting 2-4 months; 15% also
 * refer to a second clinic. Per referral: the requester as a PractitionerRole (85%), an
 * Organization (10%), a Practitioner with one role (3%) or a name only (2%, credited to
 * 'unknown'); about 4% revoked, 1% on hold, 0.5% entered in error, 0.3% drafts, 0.2% deleted;
 * about 60% converted to an attended visit (days to visit log-normal, median 12), 90% of them
 * linked by basedOn, 10% by patient and window; half of the attended visits have a follow-up;
 * 12% of the others have a booked visit that was cancelled. Besides the referrals: outbound
 * referrals (3% of rows: the clinic refers to the practice) and lab orders (5% of rows, not
 * referrals). Rows are written in the order nightly syncs would write them (by day, then
 * endpoint), so a month's referrals sit together on disk as in a real database. Seeded, so the
 * same scale gives the same world.
 */
final class MetricsWorld {

    static final int MONTHS = 36;

    /** The clinics: id, name, time zone, SNOMED specialty, month of peak season. */
    record ClinicDef(String id, String name, String zone, String specialtyCode, String specialtyDisplay, int peakMonth) {

        String endpointId() {
            return id + "-emr";
        }
    }

    static final List<ClinicDef> CLINICS = List.of(
            new ClinicDef("lakeside-ortho", "Lakeside Orthopedics", "America/New_York", "394801008",
                    "Trauma and orthopedics", 1),
            new ClinicDef("prairie-cardio", "Prairie Cardiology", "America/Chicago", "394579002", "Cardiology", 12),
            new ClinicDef("summit-derm", "Summit Dermatology", "America/Denver", "394582007", "Dermatology", 4),
            new ClinicDef("harbor-neuro", "Harbor Neurology", "America/Los_Angeles", "394591006", "Neurology", 10));

    /** One timed generation statement. */
    record Step(String name, long rows, double seconds) {
    }

    private final JdbcTemplate sql;
    final int sources;
    final long targetReferrals;
    final YearMonth firstMonth;
    final YearMonth lastMonth;
    private final OffsetDateTime now;
    private final int days;
    final List<Step> steps = new ArrayList<>();
    /** The steps of {@link #generate()} alone. */
    List<Step> generationSteps = List.of();

    MetricsWorld(JdbcTemplate sql, double scale, YearMonth lastMonth, OffsetDateTime now) {
        this.sql = sql;
        this.sources = Math.max(40, (int) Math.round(20_000 * scale));
        this.targetReferrals = Math.max(4_000, Math.round(10_000_000 * scale));
        this.lastMonth = lastMonth;
        this.firstMonth = lastMonth.minusMonths(MONTHS - 1);
        this.now = now.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        // one nightly sync run per endpoint and day, from the first month's first day to today (UTC)
        this.days = (int) ChronoUnit.DAYS.between(firstMonth.atDay(1), this.now.toLocalDate()) + 1;
    }

    // ---------------------------------------------------------------------------------------------
    // helpers, clinics, practices

    private static final String FUNCTIONS = """
            CREATE FUNCTION bench_normal() RETURNS double precision LANGUAGE sql VOLATILE AS
            $$ SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) $$;

            CREATE FUNCTION bench_poisson(lambda double precision) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
            DECLARE
                floor_p double precision;
                p double precision := 1;
                k integer := 0;
            BEGIN
                IF lambda IS NULL OR lambda <= 0 THEN
                    RETURN 0;
                END IF;
                IF lambda > 50 THEN
                    RETURN GREATEST(0, round(lambda + sqrt(lambda) * bench_normal()))::integer;
                END IF;
                floor_p := exp(-lambda);
                LOOP
                    p := p * random();
                    EXIT WHEN p <= floor_p;
                    k := k + 1;
                END LOOP;
                RETURN k;
            END $$;

            -- a valid NPI: nine digits and the Luhn check digit over the prefix 80840
            CREATE FUNCTION bench_npi(base bigint) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$
                SELECT x.b || ((10 - (24 + SUM(CASE WHEN y.i % 2 = 1 THEN (y.d * 2) / 10 + (y.d * 2) % 10 ELSE y.d END)) % 10) % 10)
                FROM (SELECT lpad(base::text, 9, '0') AS b) x
                CROSS JOIN LATERAL (SELECT i, CAST(substr(x.b, 10 - i, 1) AS integer) AS d FROM generate_series(1, 9) i) y
                GROUP BY x.b
            $$;
            """;

    private static final String CLINIC_TABLE = """
            CREATE UNLOGGED TABLE bench_clinic AS
            SELECT v.*, bench_npi(300000000 + v.clinic_no) AS own_npi
            FROM (VALUES ${values}) v(clinic_no, clinic_id, name, endpoint_id, tz, specialty_code, specialty_display, peak_month)
            """;

    private static final String CLINICS_AND_ENDPOINTS = """
            INSERT INTO clinic (id, name, time_zone, updated_at)
            SELECT clinic_id, name, tz, TIMESTAMPTZ '${now}' FROM bench_clinic;
            INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at,
                                      own_organizations)
            SELECT endpoint_id, clinic_id, name || ' EMR', 'http://127.0.0.1:9/fhir/', 1000, '-', TRUE, 'CONFIG',
                   TIMESTAMPTZ '${now}', '["Organization/org-self"]'
            FROM bench_clinic;
            """;

    private static final String PRACTICES = """
            CREATE UNLOGGED TABLE bench_source AS
            SELECT s.source_no, 'org-' || lpad(s.source_no::text, 6, '0') AS org_id,
                   bench_npi(100000000 + s.source_no) AS npi,
                   (ARRAY['Lakeside', 'Riverside', 'Maple', 'Cedar', 'Summit', 'Valley', 'Harbor', 'Oak Street',
                          'Pinecrest', 'Northgate', 'Bayview', 'Hillcrest', 'Meadowbrook', 'Westside', 'Eastgate',
                          'Fairview', 'Brookside', 'Greenwood', 'Lakeview', 'Parkside'])[1 + s.source_no % 20]
                     || ' ' || (ARRAY['Family Practice', 'Internal Medicine', 'Pediatrics', 'Primary Care',
                                      'Medical Group', 'Health Center', 'Urgent Care', 'Women''s Health'])[1 + (s.source_no / 20) % 8]
                     AS name,
                   w.weight,
                   LEAST(12, 1 + floor(random() * 3)::int + floor(LEAST(w.weight, 9))::int) AS npract,
                   0.45 + 0.35 * random() AS conversion_rate,
                   0.05 + 0.30 * random() AS dispersion,
                   0.10 * bench_normal() AS trend,
                   CASE WHEN random() < 0.10 THEN 1 + floor(random() * 30)::int ELSE 0 END AS first_month_no,
                   CASE WHEN random() < 0.03 THEN 6 + floor(random() * 30)::int ELSE 99 END AS dark_from,
                   CASE WHEN random() < 0.02 THEN 13 + floor(random() * 21)::int ELSE 99 END AS drop_from,
                   2 + floor(random() * 3)::int AS drop_len,
                   0.4 + 0.2 * random() AS drop_factor,
                   random() < 0.15 AS second_clinic
            FROM generate_series(1, ${sources}) s(source_no)
            CROSS JOIN LATERAL (SELECT exp(1.3 * bench_normal()) + 0 * s.source_no AS weight) w
            """;

    private static final String PRACTITIONERS = """
            CREATE UNLOGGED TABLE bench_practitioner AS
            SELECT s.source_no, k AS prac_no, bench_npi(200000000 + s.source_no * 16 + k) AS npi,
                   (ARRAY['Ana', 'Ben', 'Carla', 'David', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'James', 'Kara',
                          'Luis', 'Maya', 'Noah', 'Olga', 'Priya'])[1 + (s.source_no * 7 + k) % 16]
                     || ' ' || (ARRAY['Adams', 'Baker', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito',
                                      'Jones', 'Khan', 'Lopez', 'Miller', 'Nguyen', 'Owens', 'Patel', 'Quinn', 'Rossi',
                                      'Smith', 'Tanaka'])[1 + (s.source_no * 3 + k * 5) % 20] AS name
            FROM bench_source s CROSS JOIN LATERAL generate_series(0, s.npract - 1) k
            UNION ALL
            SELECT -(c.clinic_no + 1), k, bench_npi(300000100 + c.clinic_no * 10 + k),
                   'Staff ' || (ARRAY['Avery', 'Blake', 'Casey', 'Drew', 'Emery', 'Finley'])[1 + k]
            FROM bench_clinic c CROSS JOIN generate_series(0, 5) k
            """;

    private static final String LINKS = """
            CREATE UNLOGGED TABLE bench_link AS
            SELECT source_no, source_no % ${clinics} AS clinic_no, 1.0 AS share FROM bench_source
            UNION ALL
            SELECT source_no, (source_no + 1 + (source_no / ${clinics}) % (${clinics} - 1)) % ${clinics}, 0.3
            FROM bench_source WHERE second_clinic
            """;

    /** Expected and drawn referrals per practice, clinic and month (month_no 0 = the first month). */
    private static final String SOURCE_MONTHS = """
            CREATE UNLOGGED TABLE bench_source_month AS
            WITH raw AS (
                SELECT l.source_no, l.clinic_no, m.month_no,
                       s.weight * l.share
                       * (1 + 0.15 * cos(2 * pi() * (extract(month FROM DATE '${first}' + make_interval(months => m.month_no))
                                                     - c.peak_month) / 12))
                       * exp(s.trend * m.month_no / 12.0)
                       * exp(s.dispersion * bench_normal() - s.dispersion * s.dispersion / 2)
                       * CASE WHEN m.month_no >= s.drop_from AND m.month_no < s.drop_from + s.drop_len
                              THEN s.drop_factor ELSE 1 END AS lambda
                FROM bench_link l
                JOIN bench_source s USING (source_no)
                JOIN bench_clinic c USING (clinic_no)
                CROSS JOIN generate_series(0, ${months} - 1) m(month_no)
                WHERE m.month_no >= s.first_month_no AND m.month_no < s.dark_from
            )
            SELECT raw.source_no, raw.clinic_no, raw.month_no, raw.lambda * k.f AS expected,
                   bench_poisson(raw.lambda * k.f) AS n
            FROM raw CROSS JOIN (SELECT ${rows}::double precision / SUM(lambda) AS f FROM raw) k
            """;

    private static final String PATIENT_POOLS = """
            CREATE UNLOGGED TABLE bench_clinic_pool AS
            SELECT clinic_no, GREATEST(100, round(0.8 * SUM(n)))::bigint AS pool FROM bench_source_month GROUP BY clinic_no
            """;

    private static final String SYNC_RUNS = """
            INSERT INTO sync_run (id, endpoint_id, trigger_kind, status, requested_at, started_at, finished_at, strategy,
                                  server_time)
            SELECT 1 + c.clinic_no * ${days} + d, c.endpoint_id, 'SCHEDULE', 'SUCCEEDED', t.at, t.at + INTERVAL '1 second',
                   t.at + INTERVAL '5 minutes', 'SEARCH', t.at + INTERVAL '1 second'
            FROM bench_clinic c
            CROSS JOIN generate_series(0, ${days} - 1) d
            CROSS JOIN LATERAL (SELECT CAST(DATE '${first}' + d AS TIMESTAMP) AT TIME ZONE 'UTC' + INTERVAL '2 hours' AS at) t
            """;

    // ---------------------------------------------------------------------------------------------
    // referrals: one staging row per ServiceRequest with everything drawn, then one INSERT per table

    /** ${counts}: (source_no, clinic_no, month_no, n); ${staging}: the table made; ${offset}: first number - 1. */
    private static final String STAGING = """
            CREATE UNLOGGED TABLE ${staging} AS
            SELECT e.*,
                   1 + e.clinic_no * ${days} + (CAST(e.updated_at AS DATE) - DATE '${first}') AS sync_run_id,
                   CASE WHEN e.visit_kind IS NOT NULL
                        THEN 1 + e.clinic_no * ${days} + (CAST(e.v_updated_at AS DATE) - DATE '${first}') END AS v_sync_run_id,
                   CASE WHEN e.has_follow
                        THEN 1 + e.clinic_no * ${days} + (CAST(e.f_updated_at AS DATE) - DATE '${first}') END AS f_sync_run_id
            FROM (
                SELECT d.*,
                       LEAST(TIMESTAMPTZ '${now}', GREATEST(d.first_seen_at,
                             date_trunc('day', d.last_updated) + INTERVAL '1 day 2 hours 5 minutes')) AS updated_at,
                       LEAST(TIMESTAMPTZ '${now}', GREATEST(d.v_first_seen_at,
                             date_trunc('day', d.v_last_updated) + INTERVAL '1 day 2 hours 5 minutes')) AS v_updated_at,
                       LEAST(TIMESTAMPTZ '${now}', GREATEST(d.f_first_seen_at,
                             date_trunc('day', d.f_last_updated) + INTERVAL '1 day 2 hours 5 minutes')) AS f_updated_at
                FROM (
                    SELECT c.*,
                           LEAST(TIMESTAMPTZ '${now}', CASE
                               WHEN c.visit_kind = 'finished' THEN c.visit_on + INTERVAL '2 hours'
                               WHEN c.status = 'revoked' THEN c.authored_on + make_interval(days => c.revoke_days, hours => 3)
                               ELSE c.authored_on + INTERVAL '5 minutes' END) AS last_updated,
                           LEAST(TIMESTAMPTZ '${now}', CASE c.visit_kind
                               WHEN 'finished' THEN c.visit_on + INTERVAL '2 hours'
                               WHEN 'planned' THEN c.authored_on + INTERVAL '1 day'
                               WHEN 'cancelled' THEN c.authored_on + INTERVAL '2 days' END) AS v_last_updated,
                           LEAST(TIMESTAMPTZ '${now}', CASE WHEN c.follow_status = 'finished'
                               THEN c.follow_on + INTERVAL '2 hours' ELSE c.visit_on + INTERVAL '1 hour' END) AS f_last_updated,
                           LEAST(TIMESTAMPTZ '${now}', date_trunc('day', c.authored_on) + INTERVAL '1 day 2 hours 5 minutes')
                               AS first_seen_at,
                           LEAST(TIMESTAMPTZ '${now}', date_trunc('day', c.authored_on) + INTERVAL '2 days 2 hours 5 minutes')
                               AS v_first_seen_at,
                           LEAST(TIMESTAMPTZ '${now}', date_trunc('day', c.visit_on) + INTERVAL '1 day 2 hours 5 minutes')
                               AS f_first_seen_at,
                           CASE WHEN c.u_del < 0.002 THEN LEAST(TIMESTAMPTZ '${now}', c.authored_on + INTERVAL '30 days') END
                               AS deleted_at
                    FROM (
                        SELECT b.*,
                               COALESCE(b.base_status, CASE b.kind
                                   WHEN 'lab' THEN 'completed'
                                   WHEN 'outbound' THEN CASE WHEN b.u_conv < 0.6 THEN 'completed' ELSE 'active' END
                                   ELSE CASE WHEN b.visit_kind = 'finished' THEN 'completed' ELSE 'active' END END) AS status,
                               CASE WHEN b.visit_kind IN ('finished', 'planned') AND b.u_pw < 0.1 AND b.days_to_visit <= 90
                                    THEN 'PATIENT_WINDOW' ELSE 'BASED_ON' END AS link_method,
                               b.visit_kind = 'finished' AND b.u_follow < 0.5 AS has_follow,
                               CASE WHEN b.follow_local < b.now_local THEN 'finished' ELSE 'planned' END AS follow_status,
                               b.follow_local AT TIME ZONE b.tz AS follow_on
                        FROM (
                            SELECT a.*,
                                   CASE WHEN a.kind = 'inbound' AND a.base_status IS NULL AND a.u_conv < a.conversion_rate
                                        THEN CASE WHEN a.visit_local < a.now_local THEN 'finished' ELSE 'planned' END
                                        WHEN a.kind = 'inbound' AND a.base_status IS NULL AND a.u_cancel < 0.12
                                        THEN 'cancelled' END AS visit_kind,
                                   a.visit_local AT TIME ZONE a.tz AS visit_on,
                                   a.visit_local + make_interval(days => a.follow_days) AS follow_local
                            FROM (
                                SELECT x.*, cl.endpoint_id, cl.tz,
                                       CASE WHEN x.u_kind < 0.05 THEN 'lab' WHEN x.u_kind < 0.08 THEN 'outbound'
                                            ELSE 'inbound' END AS kind,
                                       CASE WHEN x.u_kind < 0.08 THEN 'own' WHEN x.u_req < 0.85 THEN 'role'
                                            WHEN x.u_req < 0.95 THEN 'org' WHEN x.u_req < 0.98 THEN 'prac'
                                            ELSE 'display' END AS req,
                                       CASE WHEN x.u_status < 0.04 THEN 'revoked' WHEN x.u_status < 0.05 THEN 'on-hold'
                                            WHEN x.u_status < 0.055 THEN 'entered-in-error'
                                            WHEN x.u_status < 0.058 THEN 'draft' END AS base_status,
                                       x.authored_local AT TIME ZONE cl.tz AS authored_on,
                                       TIMESTAMPTZ '${now}' AT TIME ZONE cl.tz AS now_local,
                                       CAST(x.authored_local AS DATE) + x.days_to_visit + make_interval(secs => x.visit_secs)
                                           AS visit_local,
                                       encode(sha256(convert_to('bench-pseudonym-key|' || cl.endpoint_id || '|Patient/pt-'
                                                                || x.patient_no, 'UTF8')), 'hex') AS patient_hash
                                FROM (
                                    SELECT ${offset} + row_number() OVER () AS n, g.*
                                    FROM (
                                        SELECT sm.source_no, sm.clinic_no, sm.month_no, s.conversion_rate,
                                               mt.ms + make_interval(days => floor(random() * mt.dim)::int,
                                                                     secs => 25200 + floor(random() * 39600)) AS authored_local,
                                               random() AS u_kind, random() AS u_req, random() AS u_status,
                                               random() AS u_conv, random() AS u_cancel, random() AS u_pw,
                                               random() AS u_follow, random() AS u_del,
                                               floor(s.npract * power(random(), 1.6))::int AS prac_no,
                                               floor(random() * 6)::int AS own_prac_no,
                                               floor(random() * cp.pool)::bigint AS patient_no,
                                               LEAST(240, GREATEST(1, round(exp(ln(12) + 0.75 * bench_normal()))))::int
                                                   AS days_to_visit,
                                               28800 + floor(random() * 36) * 900 AS visit_secs,
                                               14 + floor(random() * 60)::int AS follow_days,
                                               1 + floor(random() * 20)::int AS revoke_days
                                        FROM ${counts} sm
                                        JOIN bench_source s USING (source_no)
                                        JOIN bench_clinic_pool cp USING (clinic_no)
                                        CROSS JOIN LATERAL (
                                            SELECT CAST(DATE '${first}' + make_interval(months => sm.month_no) AS TIMESTAMP) AS ms,
                                                   CAST(extract(day FROM DATE '${first}' + make_interval(months => sm.month_no + 1)
                                                                         - INTERVAL '1 day') AS integer) AS dim) mt
                                        CROSS JOIN LATERAL generate_series(1, sm.n) gs
                                    ) g
                                ) x
                                JOIN bench_clinic cl USING (clinic_no)
                            ) a
                        ) b
                    ) c
                ) d
            ) e
            -- in the order syncs write them: night by night, one endpoint after the other
            ORDER BY CAST(e.updated_at AS DATE), e.clinic_no, e.n
            """;

    private static final String ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

    private static final String REFERRALS = """
            INSERT INTO referral (endpoint_id, resource_id, version_id, last_updated, status, intent, authored_on,
                                  authored_date, authored_month, patient_hash, requester_type, requester_id, requester_npi,
                                  requester_form, performer_type, performer_id, encounter_id, is_referral, classified_by,
                                  source_org_key, source_practitioner_key, source_resolution, content_hash, sync_run_id,
                                  first_seen_at, updated_at, deleted_at, tombstone_reason, resource_json)
            SELECT q.endpoint_id, q.resource_id, q.version_id, q.last_updated, q.status, 'order', q.authored_on,
                   CAST(q.authored_local AS DATE), CAST(date_trunc('month', q.authored_local) AS DATE), q.patient_hash,
                   q.requester_type, q.requester_id, NULL, q.requester_form, q.performer_type, q.performer_id, NULL,
                   q.kind <> 'lab', 'snomed-referral-v1@1', q.org_key, q.practitioner_key, q.resolution,
                   encode(sha256(convert_to(q.json::text || '|snomed-referral-v1@1|' || q.tz, 'UTF8')), 'hex'),
                   q.sync_run_id, q.first_seen_at, q.updated_at, q.deleted_at,
                   CASE WHEN q.deleted_at IS NOT NULL THEN 'deleted' END, q.json
            FROM (
                SELECT p.*, jsonb_strip_nulls(jsonb_build_object(
                    'resourceType', 'ServiceRequest', 'id', p.resource_id,
                    'meta', jsonb_build_object('versionId', p.version_id, 'lastUpdated', to_char(p.last_updated, ${iso})),
                    'status', p.status, 'intent', 'order',
                    'category', jsonb_build_array(jsonb_build_object('coding', jsonb_build_array(CASE WHEN p.kind = 'lab'
                        THEN jsonb_build_object('system', 'http://snomed.info/sct', 'code', '108252007',
                                                'display', 'Laboratory procedure')
                        ELSE jsonb_build_object('system', 'http://snomed.info/sct', 'code', '3457005',
                                                'display', 'Patient referral') END))),
                    'code', jsonb_build_object('coding', jsonb_build_array(CASE WHEN p.kind = 'lab'
                        THEN jsonb_build_object('system', 'http://loinc.org', 'code', '24323-8',
                                                'display', 'Comprehensive metabolic panel')
                        ELSE jsonb_build_object('system', 'http://snomed.info/sct', 'code', p.specialty_code,
                                                'display', p.specialty_display) END)),
                    'subject', jsonb_build_object('identifier', jsonb_build_object(
                        'system', 'urn:referral-monitor:patient-hash', 'value', p.patient_hash)),
                    'authoredOn', to_char(p.authored_on, ${iso}),
                    'requester', CASE WHEN p.requester_type IS NULL THEN jsonb_build_object('display', p.source_name)
                                      ELSE jsonb_build_object('reference', p.requester_type || '/' || p.requester_id) END,
                    'performer', CASE WHEN p.performer_type IS NOT NULL
                                      THEN jsonb_build_array(jsonb_build_object('reference', 'Organization/' || p.performer_id))
                                      WHEN p.kind = 'inbound' THEN jsonb_build_array(jsonb_build_object('display', p.clinic_name))
                                      END)) AS json
                FROM (
                    SELECT r.endpoint_id, r.tz, r.kind, r.status, r.authored_on, r.authored_local, r.patient_hash,
                           r.last_updated, r.sync_run_id, r.first_seen_at, r.updated_at, r.deleted_at,
                           c.specialty_code, c.specialty_display, c.name AS clinic_name, s.name AS source_name,
                           CASE WHEN r.kind = 'lab' THEN 'lab-' ELSE 'sr-' END || lpad(r.n::text, 9, '0') AS resource_id,
                           CASE WHEN r.status IN ('completed', 'revoked') THEN '2' ELSE '1' END AS version_id,
                           CASE r.req WHEN 'role' THEN 'PractitionerRole' WHEN 'own' THEN 'PractitionerRole'
                                      WHEN 'org' THEN 'Organization' WHEN 'prac' THEN 'Practitioner' END AS requester_type,
                           CASE r.req WHEN 'role' THEN 'role-' || r.source_no || '-' || r.prac_no
                                      WHEN 'own' THEN 'role-self-' || r.own_prac_no
                                      WHEN 'org' THEN s.org_id
                                      WHEN 'prac' THEN 'pr-' || r.source_no || '-' || r.prac_no END AS requester_id,
                           CASE WHEN r.req = 'display' THEN 'DISPLAY' ELSE 'RELATIVE' END AS requester_form,
                           CASE WHEN r.kind = 'outbound' OR (r.kind = 'inbound' AND r.n % 40 <> 0)
                                THEN 'Organization' END AS performer_type,
                           CASE WHEN r.kind = 'outbound' THEN s.org_id
                                WHEN r.kind = 'inbound' AND r.n % 40 <> 0 THEN 'org-self' END AS performer_id,
                           CASE r.req WHEN 'display' THEN 'unknown' WHEN 'own' THEN 'npi:' || c.own_npi
                                      ELSE 'npi:' || s.npi END AS org_key,
                           CASE WHEN r.req IN ('role', 'prac', 'own') THEN 'npi:' || pr.npi END AS practitioner_key,
                           CASE r.req WHEN 'role' THEN 'ROLE' WHEN 'own' THEN 'ROLE' WHEN 'org' THEN 'ORGANIZATION'
                                      WHEN 'prac' THEN 'PRACTITIONER_SINGLE_ROLE' ELSE 'UNRESOLVED' END AS resolution
                    FROM ${staging} r
                    JOIN bench_clinic c USING (clinic_no)
                    JOIN bench_source s USING (source_no)
                    LEFT JOIN bench_practitioner pr
                           ON pr.source_no = CASE WHEN r.req = 'own' THEN -(r.clinic_no + 1) ELSE r.source_no END
                          AND pr.prac_no = CASE WHEN r.req = 'own' THEN r.own_prac_no ELSE r.prac_no END
                ) p
            ) q
            """;

    private static final String VISITS = """
            INSERT INTO visit (endpoint_id, resource_id, version_id, last_updated, status, class_code, patient_hash,
                               period_start, start_date, service_provider_id, content_hash, sync_run_id, first_seen_at,
                               updated_at, resource_json)
            SELECT q.endpoint_id, q.resource_id, q.version_id, q.last_updated, q.status, 'AMB', q.patient_hash,
                   q.period_start, CAST(q.start_local AS DATE), 'org-self',
                   encode(sha256(convert_to(q.json::text || '|null|' || q.tz, 'UTF8')), 'hex'),
                   q.sync_run_id, q.first_seen_at, q.updated_at, q.json
            FROM (
                SELECT v.*, jsonb_strip_nulls(jsonb_build_object(
                    'resourceType', 'Encounter', 'id', v.resource_id,
                    'meta', jsonb_build_object('versionId', v.version_id, 'lastUpdated', to_char(v.last_updated, ${iso})),
                    'status', v.status,
                    'class', jsonb_build_object('system', 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
                                                'code', 'AMB', 'display', 'ambulatory'),
                    'subject', jsonb_build_object('identifier', jsonb_build_object(
                        'system', 'urn:referral-monitor:patient-hash', 'value', v.patient_hash)),
                    'period', jsonb_build_object('start', to_char(v.period_start, ${iso})),
                    'serviceProvider', jsonb_build_object('reference', 'Organization/org-self'),
                    'basedOn', CASE WHEN v.based_on IS NOT NULL
                                    THEN jsonb_build_array(jsonb_build_object('reference', 'ServiceRequest/' || v.based_on))
                                    END)) AS json
                FROM (
                    SELECT r.endpoint_id, r.tz, 'enc-' || lpad(r.n::text, 9, '0') AS resource_id,
                           CASE WHEN r.visit_kind = 'planned' THEN '1' ELSE '2' END AS version_id,
                           r.v_last_updated AS last_updated, r.visit_kind AS status, r.patient_hash,
                           r.visit_on AS period_start, r.visit_local AS start_local,
                           CASE WHEN r.link_method = 'BASED_ON' THEN 'sr-' || lpad(r.n::text, 9, '0') END AS based_on,
                           r.v_sync_run_id AS sync_run_id, r.v_first_seen_at AS first_seen_at, r.v_updated_at AS updated_at
                    FROM ${staging} r WHERE r.visit_kind IS NOT NULL
                    UNION ALL
                    SELECT r.endpoint_id, r.tz, 'enc-' || lpad(r.n::text, 9, '0') || '-f',
                           CASE WHEN r.follow_status = 'planned' THEN '1' ELSE '2' END,
                           r.f_last_updated, r.follow_status, r.patient_hash, r.follow_on, r.follow_local, NULL,
                           r.f_sync_run_id, r.f_first_seen_at, r.f_updated_at
                    FROM ${staging} r WHERE r.has_follow
                ) v
            ) q
            """;

    private static final String VISIT_LINKS = """
            INSERT INTO visit_based_on (endpoint_id, visit_id, referral_id)
            SELECT endpoint_id, 'enc-' || lpad(n::text, 9, '0'), 'sr-' || lpad(n::text, 9, '0')
            FROM ${staging} WHERE visit_kind IS NOT NULL AND link_method = 'BASED_ON'
            """;

    /** What ConversionLinker would find: the visit based on the referral, or the patient's visit within the window. */
    private static final String CONVERSIONS = """
            INSERT INTO referral_conversion (endpoint_id, referral_id, visit_id, method, confidence, days_to_visit)
            SELECT endpoint_id, 'sr-' || lpad(n::text, 9, '0'), 'enc-' || lpad(n::text, 9, '0'), link_method,
                   CASE WHEN link_method = 'BASED_ON' THEN 1.00 ELSE 0.70 END,
                   CAST(visit_local AS DATE) - CAST(authored_local AS DATE)
            FROM ${staging} WHERE visit_kind IN ('finished', 'planned')
            """;

    private static final String DIRECTORY = """
            INSERT INTO organization (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key,
                                      content_hash, updated_at)
            SELECT o.endpoint_id, o.resource_id, '1', TIMESTAMPTZ '${start}', o.name, o.npi, TRUE, 'npi:' || o.npi,
                   encode(sha256(convert_to(concat_ws('|', '1', o.name, o.npi, 'true', 'npi:' || o.npi), 'UTF8')), 'hex'),
                   TIMESTAMPTZ '${start}' + INTERVAL '1 day'
            FROM (SELECT c.endpoint_id, s.org_id AS resource_id, s.name, s.npi
                  FROM bench_link l JOIN bench_source s USING (source_no) JOIN bench_clinic c USING (clinic_no)
                  UNION ALL
                  SELECT c.endpoint_id, 'org-self', c.name, c.own_npi FROM bench_clinic c) o;

            INSERT INTO practitioner (endpoint_id, resource_id, version_id, last_updated, name, npi, active, source_key,
                                      content_hash, updated_at)
            SELECT p.endpoint_id, p.resource_id, '1', TIMESTAMPTZ '${start}', p.name, p.npi, TRUE, 'npi:' || p.npi,
                   encode(sha256(convert_to(concat_ws('|', '1', p.name, p.npi, 'true', 'npi:' || p.npi), 'UTF8')), 'hex'),
                   TIMESTAMPTZ '${start}' + INTERVAL '1 day'
            FROM (SELECT c.endpoint_id, 'pr-' || pr.source_no || '-' || pr.prac_no AS resource_id, pr.name, pr.npi
                  FROM bench_link l JOIN bench_practitioner pr USING (source_no) JOIN bench_clinic c USING (clinic_no)
                  UNION ALL
                  SELECT c.endpoint_id, 'pr-self-' || pr.prac_no, pr.name, pr.npi
                  FROM bench_practitioner pr JOIN bench_clinic c ON pr.source_no = -(c.clinic_no + 1)) p;

            INSERT INTO practitioner_role (endpoint_id, resource_id, version_id, last_updated, practitioner_id,
                                           organization_id, active, content_hash, updated_at)
            SELECT r.endpoint_id, r.resource_id, '1', TIMESTAMPTZ '${start}', r.practitioner_id, r.organization_id, TRUE,
                   encode(sha256(convert_to(concat_ws('|', '1', r.practitioner_id, r.organization_id, 'true'), 'UTF8')), 'hex'),
                   TIMESTAMPTZ '${start}' + INTERVAL '1 day'
            FROM (SELECT c.endpoint_id, 'role-' || pr.source_no || '-' || pr.prac_no AS resource_id,
                         'pr-' || pr.source_no || '-' || pr.prac_no AS practitioner_id, s.org_id AS organization_id
                  FROM bench_link l JOIN bench_practitioner pr USING (source_no) JOIN bench_source s USING (source_no)
                  JOIN bench_clinic c USING (clinic_no)
                  UNION ALL
                  SELECT c.endpoint_id, 'role-self-' || pr.prac_no, 'pr-self-' || pr.prac_no, 'org-self'
                  FROM bench_practitioner pr JOIN bench_clinic c ON pr.source_no = -(c.clinic_no + 1)) r
            """;

    private static final String SYNC_RUN_COUNTS = """
            UPDATE sync_run s SET resources_received = x.n, resources_written = x.n, pages = CAST(ceil(x.n / 1000.0) AS INTEGER)
            FROM (SELECT sync_run_id, COUNT(*) AS n
                  FROM (SELECT sync_run_id FROM referral UNION ALL SELECT sync_run_id FROM visit) u
                  GROUP BY sync_run_id) x
            WHERE s.id = x.sync_run_id AND s.id ${runs}
            """;

    private static final List<String> TABLES = List.of("clinic", "emr_endpoint", "sync_run", "organization",
            "practitioner", "practitioner_role", "referral", "visit", "visit_based_on", "referral_conversion");

    /** Generates the world and refreshes the planner's statistics; every statement timed. */
    void generate() {
        sql.execute("SET TIME ZONE 'UTC'");
        // for this session's sorts only; the measured statements run with the server's setting
        sql.execute("SET work_mem = '256MB'");
        sql.queryForObject("SELECT setseed(0.20261123)", Object.class);
        step("helper functions", FUNCTIONS, false);
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < CLINICS.size(); i++) {
            ClinicDef c = CLINICS.get(i);
            values.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "(%d, '%s', '%s', '%s', '%s', '%s', '%s', %d)",
                    i, c.id(), c.name(), c.endpointId(), c.zone(), c.specialtyCode(), c.specialtyDisplay(), c.peakMonth()));
        }
        step("clinics", CLINIC_TABLE.replace("${values}", values), true);
        step("clinics and endpoints", CLINICS_AND_ENDPOINTS, false);
        step("practices", PRACTICES, true);
        step("providers", PRACTITIONERS, true);
        step("practice-clinic links", LINKS, true);
        step("practice months (expected and drawn counts)", SOURCE_MONTHS, true);
        step("patient pools", PATIENT_POOLS, true);
        step("sync runs (one per endpoint and night)", SYNC_RUNS, true);
        step("directory: organizations, practitioners, roles", DIRECTORY, false);
        staged("bench_source_month", "bench_referral", 0);
        insertAll("bench_referral");
        step("sync run counts", SYNC_RUN_COUNTS.replace("${runs}", "IS NOT NULL"), true);
        sql.queryForObject("SELECT setval(pg_get_serial_sequence('sync_run', 'id'), (SELECT MAX(id) FROM sync_run))",
                Long.class);
        sql.execute("DROP TABLE bench_referral");
        // steady state, as after autovacuum: statistics, visibility map, hint bits
        for (String table : TABLES) {
            timed("VACUUM ANALYZE", () -> sql.execute("VACUUM (ANALYZE) " + table));
        }
        generationSteps = List.copyOf(steps);
        sql.execute("RESET work_mem");
    }

    private void staged(String counts, String staging, long offset) {
        step("staging: every request drawn (" + staging + ")", STAGING.replace("${counts}", counts)
                .replace("${staging}", staging).replace("${offset}", Long.toString(offset)), true);
    }

    private void insertAll(String staging) {
        step("referral (ServiceRequests with kept JSON)", REFERRALS.replace("${staging}", staging), true);
        step("visit (Encounters with kept JSON)", VISITS.replace("${staging}", staging), true);
        step("visit_based_on", VISIT_LINKS.replace("${staging}", staging), true);
        step("referral_conversion", CONVERSIONS.replace("${staging}", staging), true);
    }

    /**
     * Keeps what made this world in its database (scale, months, the generation's steps and time),
     * so that a later run can measure on it again ({@link #restore}) without the hour it takes.
     */
    void record(double scale, double seconds) {
        sql.execute("CREATE TABLE bench_world (scale DOUBLE PRECISION, last_month DATE, generation_seconds DOUBLE PRECISION)");
        sql.update("INSERT INTO bench_world VALUES (?, ?, ?)", scale, lastMonth.atDay(1), seconds);
        sql.execute("CREATE TABLE bench_generation_step (position INTEGER, name VARCHAR(200), row_count BIGINT, "
                + "seconds DOUBLE PRECISION)");
        for (int i = 0; i < generationSteps.size(); i++) {
            Step s = generationSteps.get(i);
            sql.update("INSERT INTO bench_generation_step VALUES (?, ?, ?, ?)", i, s.name(), s.rows(), s.seconds());
        }
    }

    /**
     * The generation that made this (kept) world: its steps, and its time in seconds. Refuses a
     * world of another scale or whose months end elsewhere.
     */
    double restore(double scale) {
        Map<String, Object> world;
        try {
            world = sql.queryForMap("SELECT scale, last_month, generation_seconds FROM bench_world");
        } catch (org.springframework.dao.DataAccessException e) {
            throw new IllegalStateException("Not a kept metrics world (no bench_world table): " + e.getMessage(), e);
        }
        double kept = ((Number) world.get("scale")).doubleValue();
        YearMonth keptLast = YearMonth.from(((java.sql.Date) world.get("last_month")).toLocalDate());
        if (kept != scale || !keptLast.equals(lastMonth)) {
            throw new IllegalStateException("The kept world is of scale " + kept + " up to " + keptLast
                    + "; this run asks for scale " + scale + " up to " + lastMonth);
        }
        generationSteps = sql.query("SELECT name, row_count, seconds FROM bench_generation_step ORDER BY position",
                (rs, n) -> new Step(rs.getString(1), rs.getLong(2), rs.getDouble(3)));
        return ((Number) world.get("generation_seconds")).doubleValue();
    }

    /** A late batch: what a sync brings into an old month of one clinic. */
    record LateBatch(long syncRunId, String clinicId, YearMonth month, int requests, int counted, double seconds) {
    }

    /**
     * About {@code size} ServiceRequests authored in {@code month} at clinic {@code clinicNo}, from
     * its practices in proportion to their volume, written now by a new sync run (as a sync would).
     */
    LateBatch lateBatch(int clinicNo, YearMonth month, int size) {
        long start = System.nanoTime();
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        int monthNo = (int) firstMonth.until(month, ChronoUnit.MONTHS);
        sql.execute("DROP TABLE IF EXISTS bench_late_counts, bench_late");
        sql.execute(fill("""
                CREATE UNLOGGED TABLE bench_late_counts AS
                SELECT source_no, clinic_no, month_no, bench_poisson(${size} * expected / SUM(expected) OVER ()) AS n
                FROM bench_source_month WHERE clinic_no = ${clinic} AND month_no = ${month}
                """).replace("${size}", Integer.toString(size)).replace("${clinic}", Integer.toString(clinicNo))
                .replace("${month}", Integer.toString(monthNo)));
        // numbers of their own (9 digits), also on a kept world that already has late batches
        sql.execute("ALTER TABLE bench_world ADD COLUMN IF NOT EXISTS late_batches INTEGER NOT NULL DEFAULT 0");
        int batch = sql.queryForObject("UPDATE bench_world SET late_batches = late_batches + 1 RETURNING late_batches",
                Integer.class);
        long offset = 900_000_000L + 1_000_000L * (batch - 1);
        staged("bench_late_counts", "bench_late", offset);
        Long runId = sql.queryForObject("""
                INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at, started_at, finished_at, strategy,
                                      server_time)
                VALUES (?, 'SCHEDULE', 'SUCCEEDED', ?, ?, ?, 'SEARCH', ?) RETURNING id
                """, Long.class, CLINICS.get(clinicNo).endpointId(), at.minusMinutes(2), at.minusMinutes(2), at, at);
        sql.update("""
                UPDATE bench_late SET sync_run_id = ?, v_sync_run_id = CASE WHEN visit_kind IS NOT NULL THEN ? END,
                    f_sync_run_id = CASE WHEN has_follow THEN ? END, first_seen_at = ?, updated_at = ?,
                    v_first_seen_at = ?, v_updated_at = ?, f_first_seen_at = ?, f_updated_at = ?,
                    last_updated = ? - INTERVAL '1 hour'
                """, runId, runId, runId, at, at, at, at, at, at, at);
        insertAll("bench_late");
        step("late batch: sync run counts", SYNC_RUN_COUNTS.replace("${runs}", "= " + runId), true);
        int requests = sql.queryForObject("SELECT COUNT(*) FROM referral WHERE sync_run_id = ?", Integer.class, runId);
        int counted = sql.queryForObject("""
                SELECT COUNT(*) FROM referral WHERE sync_run_id = ? AND is_referral
                  AND status NOT IN ('draft', 'entered-in-error') AND deleted_at IS NULL
                """, Integer.class, runId);
        return new LateBatch(runId, CLINICS.get(clinicNo).id(), month, requests, counted,
                (System.nanoTime() - start) / 1e9);
    }

    /** What was generated: rows per table and what the requests are. */
    Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            counts.put(table, sql.queryForObject("SELECT COUNT(*) FROM " + table, Long.class));
        }
        return counts;
    }

    /** Facts about the world for the report, straight from the generated tables. */
    Map<String, Object> profile() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.putAll(sql.queryForMap("""
                SELECT COUNT(*) FILTER (WHERE is_referral) AS referrals,
                       COUNT(*) FILTER (WHERE NOT is_referral) AS other_orders,
                       COUNT(*) FILTER (WHERE is_referral AND source_org_key LIKE 'npi:3%') AS outbound,
                       COUNT(*) FILTER (WHERE is_referral AND status = 'revoked') AS revoked,
                       COUNT(*) FILTER (WHERE is_referral AND status IN ('entered-in-error', 'draft')) AS excluded,
                       COUNT(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
                       COUNT(DISTINCT patient_hash) AS patients
                FROM referral
                """));
        p.putAll(sql.queryForMap("""
                SELECT COUNT(*) FILTER (WHERE v.status IN ('arrived', 'triaged', 'in-progress', 'onleave', 'finished'))
                           AS attended,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY rc.days_to_visit) AS median_days
                FROM referral_conversion rc JOIN visit v ON v.endpoint_id = rc.endpoint_id AND v.resource_id = rc.visit_id
                """));
        p.putAll(sql.queryForMap("""
                SELECT (SELECT COUNT(*) FROM bench_practitioner WHERE source_no > 0) AS providers,
                       COUNT(DISTINCT source_no) FILTER (WHERE drop_from < 99) AS planted_drops,
                       COUNT(DISTINCT source_no) FILTER (WHERE first_month_no > 0) AS new_sources,
                       COUNT(DISTINCT source_no) FILTER (WHERE dark_from < 99) AS dark_sources
                FROM bench_source
                """));
        p.putAll(sql.queryForMap("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY per_month) AS median_per_month,
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY per_month) AS p99_per_month,
                       MAX(per_month) AS max_per_month
                FROM (SELECT source_no, clinic_no, AVG(n) AS per_month FROM bench_source_month
                      GROUP BY source_no, clinic_no) x
                """));
        return p;
    }

    /** Referrals the job counts per clinic and month, for the re-read arithmetic. */
    List<Map<String, Object>> monthlyCounts() {
        return sql.queryForList("""
                SELECT e.clinic_id, r.authored_month, COUNT(*) AS n FROM referral r JOIN emr_endpoint e ON e.id = r.endpoint_id
                WHERE r.is_referral AND r.status NOT IN ('draft', 'entered-in-error') AND r.deleted_at IS NULL
                GROUP BY e.clinic_id, r.authored_month
                """);
    }

    private void step(String name, String text, boolean countRows) {
        String statement = fill(text);
        long start = System.nanoTime();
        long rows = 0;
        for (String part : countRows ? List.of(statement) : splitStatements(statement)) {
            int n = sql.update(part);
            rows += Math.max(0, n);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        steps.add(new Step(name, rows, seconds));
        System.out.printf(Locale.ROOT, "  %-55s %,12d rows %8.1f s%n", name, rows, seconds);
    }

    private void timed(String name, Runnable work) {
        long start = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        int last = steps.size() - 1;
        if (last >= 0 && steps.get(last).name().equals(name)) {
            Step previous = steps.remove(last);
            steps.add(new Step(name, 0, previous.seconds() + seconds));
        } else {
            steps.add(new Step(name, 0, seconds));
        }
    }

    /** Statements separated by ";" at a line end, except inside dollar-quoted bodies. */
    private static List<String> splitStatements(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inBody = false;
        for (String line : text.split("\n", -1)) {
            current.append(line).append('\n');
            int dollars = line.split("\\$\\$", -1).length - 1;
            if (dollars % 2 == 1) {
                inBody = !inBody;
            }
            if (!inBody && line.stripTrailing().endsWith(";")) {
                parts.add(current.toString().strip());
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            parts.add(current.toString().strip());
        }
        return parts;
    }

    private String fill(String text) {
        return text.replace("${now}", now.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .replace("${start}", firstMonth.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC)
                        .minusDays(400).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .replace("${first}", firstMonth.atDay(1).toString())
                .replace("${days}", Integer.toString(days))
                .replace("${months}", Integer.toString(MONTHS))
                .replace("${clinics}", Integer.toString(CLINICS.size()))
                .replace("${sources}", Integer.toString(sources))
                // requests to draw: 5% of them are lab orders, not referrals
                .replace("${rows}", Long.toString(Math.round(targetReferrals / 0.95)))
                .replace("${iso}", ISO);
    }
}
