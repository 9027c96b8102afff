-- PostgreSQL only (H2, the demo database, keeps the plain indexes). The monthly job reads a clinic's
-- referrals of up to 25 months, each with its conversion and visit. These indexes hold every column
-- it reads, so PostgreSQL can answer from the index (an index-only scan, once vacuum has marked the
-- pages visible) instead of reading the wide rows that carry the kept FHIR JSON. The referral index
-- replaces referral_month_idx (same key).
CREATE INDEX referral_metrics_idx ON referral (endpoint_id, authored_month)
    INCLUDE (resource_id, status, is_referral, deleted_at, authored_date, patient_hash, source_org_key,
             source_practitioner_key, performer_type, performer_id, status_reason);
DROP INDEX referral_month_idx;
CREATE INDEX visit_metrics_idx ON visit (endpoint_id, resource_id) INCLUDE (status, start_date, deleted_at);
