-- PostgreSQL only (H2, the demo database, has no fillfactor). The monthly job writes a clinic-month's
-- rows with one INSERT ... SELECT, then records each practice row's verdict (status, p-value, flags,
-- revenue at risk) with an update. On full pages an update cannot keep the new row version on its
-- page, so every one also writes a new entry into each index (94% of them in a full-scale recompute:
-- pg_stat_user_tables). Pages filled to 80% leave room for the practice rows' new versions (about a
-- quarter of the rows), so those updates stay on their page and leave the indexes alone (heap-only
-- tuples). Rows written before this keep their pages until the job replaces them.
ALTER TABLE source_month SET (fillfactor = 80);
