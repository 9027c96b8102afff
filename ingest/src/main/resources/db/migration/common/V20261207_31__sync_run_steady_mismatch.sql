-- Of a sync's count mismatch, what the server fell short by exactly as before: a window whose two
-- passes announced the same total and listed the same resources, an export that fell short as the one
-- before from the same _since. The watermark moved on; the feed check records it without taking it
-- for missing data (a server that counts what it does not list held every alert of the clinic for
-- good). Runs unchanged on PostgreSQL and H2.
ALTER TABLE sync_run ADD COLUMN steady_mismatch INTEGER DEFAULT 0 NOT NULL;
