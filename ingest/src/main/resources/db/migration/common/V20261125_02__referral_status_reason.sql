-- Why the EMR says a referral was revoked (R4 core extension request-statusReason on ServiceRequest):
-- the coding's display, or its code; never free text. Metrics groups cancellations by it.
ALTER TABLE referral ADD COLUMN status_reason VARCHAR(200);
