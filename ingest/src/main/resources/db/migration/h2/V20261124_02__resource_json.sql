-- Each received ServiceRequest and Encounter, as JSON without what identifies the patient, so that
-- classification can be re-run without fetching again. (PostgreSQL: jsonb.)
ALTER TABLE referral ADD COLUMN resource_json JSON;
ALTER TABLE visit ADD COLUMN resource_json JSON;
