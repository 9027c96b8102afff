-- A rejected resource without a type or id to tell it by (a line that is not JSON, an entry without
-- a resource) is told by a keyed hash of what arrived (the pseudonym key; nothing of it can be read
-- back): the same bad content pulled again updates its open review row instead of adding one. NULL
-- for rows told by type and id. Runs unchanged on PostgreSQL and H2.
ALTER TABLE rejected_resource ADD COLUMN content_fingerprint VARCHAR(64);
CREATE INDEX rejected_resource_fingerprint_idx ON rejected_resource (endpoint_id, content_fingerprint);
