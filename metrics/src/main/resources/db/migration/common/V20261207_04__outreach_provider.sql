-- Outreach to one referring provider of a practice (a visit to Dr. Lee at Lakeside Family Practice),
-- keyed as source_month.practitioner_key; NULL: the practice as a whole. Runs unchanged on PostgreSQL
-- and H2.

ALTER TABLE outreach ADD COLUMN practitioner_key VARCHAR(200);
