-- The month before's reciprocity figures on each practice row, as the monthly job counts them from the
-- kept counts: referrals the clinic sent the practice and received from it that month, and over the
-- baseline months before that month. A reciprocity flip is raised in the month it happens only, not
-- again each month after while the previous month already met the test. 0 on provider rows and on
-- rows written before this migration (until the job replaces them). Runs unchanged on PostgreSQL and H2.
ALTER TABLE source_month ADD COLUMN previous_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN previous_received INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN previous_sent_before INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN previous_received_before INTEGER NOT NULL DEFAULT 0;
