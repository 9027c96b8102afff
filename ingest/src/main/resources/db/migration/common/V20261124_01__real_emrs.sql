-- Connecting real EMRs: how to reach and authenticate to each endpoint, how to pull from it,
-- what its server declares, incremental windows with their watermarks, tombstones, conversions.

ALTER TABLE emr_endpoint ADD COLUMN strategy VARCHAR(16) NOT NULL DEFAULT 'SEARCH'; -- SEARCH, ROSTER, BULK
ALTER TABLE emr_endpoint ADD COLUMN auth_kind VARCHAR(32) NOT NULL DEFAULT 'NONE';
-- Auth settings as JSON: client id, token URL, scopes, key id, and *references* to secrets
-- ("env:NAME" or "file:/path"), never secret values.
ALTER TABLE emr_endpoint ADD COLUMN auth_settings VARCHAR(4000);
ALTER TABLE emr_endpoint ADD COLUMN roster VARCHAR(20000);          -- JSON: where the patient roster comes from
ALTER TABLE emr_endpoint ADD COLUMN own_organizations VARCHAR(4000); -- JSON list: the clinic's own organizations
ALTER TABLE emr_endpoint ADD COLUMN concurrency INTEGER NOT NULL DEFAULT 2;
ALTER TABLE emr_endpoint ADD COLUMN window_overlap_seconds INTEGER NOT NULL DEFAULT 300;
ALTER TABLE emr_endpoint ADD COLUMN window_lag_seconds INTEGER NOT NULL DEFAULT 30;
ALTER TABLE emr_endpoint ADD COLUMN reconcile_schedule VARCHAR(100) NOT NULL DEFAULT '-';
ALTER TABLE emr_endpoint ADD COLUMN bulk_settings VARCHAR(4000);     -- JSON: what to $export, at which level
ALTER TABLE emr_endpoint ADD COLUMN referral_rule VARCHAR(4000);     -- JSON: the endpoint's "is it a referral" rule set
ALTER TABLE emr_endpoint ADD COLUMN capabilities VARCHAR(100000);    -- JSON: what the server declared at the last test
ALTER TABLE emr_endpoint ADD COLUMN capabilities_checked_at TIMESTAMP WITH TIME ZONE;

ALTER TABLE sync_run ADD COLUMN strategy VARCHAR(16);
ALTER TABLE sync_run ADD COLUMN server_time TIMESTAMP WITH TIME ZONE;   -- the server's clock (Date header) at start
ALTER TABLE sync_run ADD COLUMN count_mismatch INTEGER NOT NULL DEFAULT 0; -- resources Bundle.total announced but we lack
ALTER TABLE sync_run ADD COLUMN missed INTEGER NOT NULL DEFAULT 0;       -- reconciliation: changes incremental sync missed
ALTER TABLE sync_run ADD COLUMN tombstoned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_run ADD COLUMN auth_renewals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_run ADD COLUMN status_detail VARCHAR(500);             -- what it is doing, e.g. "export 40% done"

-- Up to where each resource type of an endpoint is known complete. Advances only when every page of
-- a window is committed.
CREATE TABLE sync_watermark (
    endpoint_id    VARCHAR(64) NOT NULL REFERENCES emr_endpoint (id),
    resource_type  VARCHAR(64) NOT NULL,
    watermark      TIMESTAMP WITH TIME ZONE NOT NULL,
    sync_run_id    BIGINT      NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (endpoint_id, resource_type)
);

-- Each window a sync pulled: what the server said it held and what we hold after.
CREATE TABLE sync_window (
    sync_run_id    BIGINT      NOT NULL REFERENCES sync_run (id),
    resource_type  VARCHAR(64) NOT NULL,
    window_from    TIMESTAMP WITH TIME ZONE,
    window_to      TIMESTAMP WITH TIME ZONE,
    bundle_total   INTEGER,
    stored         INTEGER,
    passes         INTEGER     NOT NULL,
    PRIMARY KEY (sync_run_id, resource_type)
);

-- A Bulk Data export in progress, so a restart resumes polling it instead of starting a second one.
CREATE TABLE bulk_export (
    endpoint_id       VARCHAR(64)   PRIMARY KEY REFERENCES emr_endpoint (id),
    status_url        VARCHAR(4000) NOT NULL,
    kicked_off_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    since             TIMESTAMP WITH TIME ZONE,
    types             VARCHAR(1000) NOT NULL
);

-- Tombstones: deleted on the server, or entered in error. Excluded from counts, kept for audit.
ALTER TABLE referral ADD COLUMN deleted_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE referral ADD COLUMN tombstone_reason VARCHAR(32);
ALTER TABLE visit ADD COLUMN deleted_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE visit ADD COLUMN tombstone_reason VARCHAR(32);

-- Which visit a referral turned into, and how we know: BASED_ON (Encounter.basedOn, certain) or
-- PATIENT_WINDOW (same patient, a visit with the clinic within the window, inferred).
CREATE TABLE referral_conversion (
    endpoint_id    VARCHAR(64)   NOT NULL,
    referral_id    VARCHAR(64)   NOT NULL,
    visit_id       VARCHAR(64)   NOT NULL,
    method         VARCHAR(16)   NOT NULL,
    confidence     NUMERIC(3, 2) NOT NULL,
    days_to_visit  INTEGER,
    PRIMARY KEY (endpoint_id, referral_id),
    FOREIGN KEY (endpoint_id, referral_id) REFERENCES referral (endpoint_id, resource_id)
);
CREATE INDEX referral_conversion_visit_idx ON referral_conversion (visit_id, endpoint_id);
CREATE INDEX visit_patient_idx ON visit (patient_hash, endpoint_id);

-- Reconciliation compares what the server lists in a window with what we hold in it.
CREATE INDEX referral_last_updated_idx ON referral (endpoint_id, last_updated);
CREATE INDEX visit_last_updated_idx ON visit (endpoint_id, last_updated);
