-- The entered-in-error requests and visits not yet tombstoned, which every sync's finishing marks
-- (Tombstones.markEnteredInError): found through these partial indexes, which hold only those rows
-- (none once marked), instead of reading every row of the endpoint. PostgreSQL only; H2, the
-- embedded demo database, has no partial indexes and its tables are small.
CREATE INDEX referral_entered_in_error_idx ON referral (endpoint_id)
    WHERE status = 'entered-in-error' AND tombstone_reason IS NULL;
CREATE INDEX visit_entered_in_error_idx ON visit (endpoint_id)
    WHERE status = 'entered-in-error' AND tombstone_reason IS NULL;
