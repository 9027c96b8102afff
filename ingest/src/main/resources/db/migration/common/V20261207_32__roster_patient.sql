-- How far the roster crawl has read each patient's resources of a type: the server's time, minus
-- the endpoint's lag, at the start of the sync that read them all. A patient crawled before is asked
-- only for what changed since (ServiceRequest?patient=..&_lastUpdated=ge{crawled_to - overlap}) when
-- the server declares _lastUpdated for the type; a patient new to the roster, a reconciliation, and a
-- server without _lastUpdated read the patient's resources in full. Written after the patient's pages
-- are committed, and only where all the patient's announced resources arrived; it only moves forward.
-- The patient is kept as the keyed hash referral and visit rows carry, never as the EMR's id.
CREATE TABLE roster_patient (
    endpoint_id    VARCHAR(64) NOT NULL REFERENCES emr_endpoint (id),
    resource_type  VARCHAR(64) NOT NULL,
    patient_hash   VARCHAR(64) NOT NULL,
    crawled_to     TIMESTAMP WITH TIME ZONE NOT NULL,
    sync_run_id    BIGINT      NOT NULL,
    PRIMARY KEY (endpoint_id, resource_type, patient_hash)
);
