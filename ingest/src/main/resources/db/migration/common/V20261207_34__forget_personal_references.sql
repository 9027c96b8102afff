-- A referral requested by (or performed by) a patient or a related person kept that person's EMR id
-- in requester_id / performer_id; only the type is kept from now on (ResourceMapper.impersonal).
UPDATE referral SET requester_id = NULL, requester_npi = NULL, requester_form = 'NONE'
WHERE requester_type IN ('Patient', 'RelatedPerson');
UPDATE referral SET performer_id = NULL
WHERE performer_type IN ('Patient', 'RelatedPerson');

-- Maintenance passes over stored data that ran to their end (StoredJsonCleanup: the stored JSON
-- sanitized again after the sanitizer removed more), so that a start does not run them again.
CREATE TABLE maintenance_done (
    step     VARCHAR(100) PRIMARY KEY,
    done_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
