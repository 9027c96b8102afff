-- When an alert was last opened: set when it is raised and again when a resolved alert is raised
-- anew (reopened); refreshing its numbers leaves it. What notifications are keyed on, so a reopened
-- alert is sent again and a refreshed one is not. Runs unchanged on PostgreSQL and H2.

ALTER TABLE alert ADD COLUMN opened_at TIMESTAMP WITH TIME ZONE;
UPDATE alert SET opened_at = created_at;
ALTER TABLE alert ALTER COLUMN opened_at SET NOT NULL;
