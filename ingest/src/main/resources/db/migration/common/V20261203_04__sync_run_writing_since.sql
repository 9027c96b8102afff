-- When a sync first changed stored data (or was about to: it is set before the first write commits).
-- A sync that is polling a Bulk export for hours has written nothing yet: what others derived from
-- the endpoint's data (the metrics' kept counts) stays valid until this is set.
ALTER TABLE sync_run ADD COLUMN writing_since TIMESTAMP WITH TIME ZONE;
