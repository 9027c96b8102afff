-- A month's figures in one message, for practice managers: channels that want it get each month's
-- summary once, when the month's figures turn final (provisional-days after it ends, once computed
-- as final). The outbox gains a third kind of part, a month's summary. Runs unchanged on PostgreSQL
-- and H2.
ALTER TABLE notification_channel ADD COLUMN monthly_summary BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE notification ADD COLUMN summary_month DATE; -- the month summed up (its first day)
ALTER TABLE notification DROP CONSTRAINT notification_what;
ALTER TABLE notification ADD CONSTRAINT notification_what CHECK (
    (alert_id IS NOT NULL AND alert_opened_at IS NOT NULL AND digest_day IS NULL AND summary_month IS NULL)
    OR (alert_id IS NULL AND alert_opened_at IS NULL AND digest_day IS NOT NULL AND summary_month IS NULL)
    OR (alert_id IS NULL AND alert_opened_at IS NULL AND digest_day IS NULL AND summary_month IS NOT NULL));
ALTER TABLE notification ADD CONSTRAINT notification_summary_once UNIQUE (channel_id, summary_month);
