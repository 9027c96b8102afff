-- Why a Bulk export's watermarks were held (the server's error files, unreadable deletions), in
-- words, and the _since that export asked from: when the next export from the same _since is held
-- for the same reason, asking again gives the same, so the watermarks move on (still recorded). NULL
-- when nothing was held. Runs unchanged on PostgreSQL and H2.
ALTER TABLE sync_run ADD COLUMN held_reason VARCHAR(2000);
ALTER TABLE sync_run ADD COLUMN held_since TIMESTAMP WITH TIME ZONE;
