-- When an endpoint's syncs last looked for missing directory resources among all its rows (DirectoryGaps):
-- syncs in between look only among what they wrote, so a practitioner, role or organization the EMR
-- lacked when a referral arrived is asked for again by the first sync after
-- referral-monitor.ingest.pull.directory-recheck has passed.
CREATE TABLE directory_scan_state (
    endpoint_id VARCHAR(64)              NOT NULL PRIMARY KEY,
    scanned_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
