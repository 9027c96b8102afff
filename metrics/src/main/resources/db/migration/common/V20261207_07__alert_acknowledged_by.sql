-- Who acknowledged an alert and when (the signed-in user, as outreach.logged_by): from the
-- dashboard, the API, or a contact logged in answer to it. Cleared when a resolved alert opens again.
-- Alerts acknowledged before this migration keep NULL: not recorded then.
ALTER TABLE alert ADD COLUMN acknowledged_by VARCHAR(100);
ALTER TABLE alert ADD COLUMN acknowledged_at TIMESTAMP WITH TIME ZONE;
