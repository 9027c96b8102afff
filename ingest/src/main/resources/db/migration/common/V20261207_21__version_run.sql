-- The sync that last brought a version the row did not have (a new version id or lastUpdated, or
-- the resource back after its tombstone), as opposed to sync_run_id, which a re-sanitized or
-- re-classified copy of the same version also sets: a reconciliation counts what incremental syncs
-- missed from it. NULL for rows written before it existed. Runs unchanged on PostgreSQL and H2.
ALTER TABLE referral ADD COLUMN version_run_id BIGINT;
ALTER TABLE visit ADD COLUMN version_run_id BIGINT;
