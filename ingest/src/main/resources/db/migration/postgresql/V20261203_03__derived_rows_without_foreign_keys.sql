-- Two tables hold rows derived from another table's rows, written only by the monitor in the same
-- transaction as what they derive from: visit_based_on (an Encounter's basedOn, written with its
-- visit by ResourceWriter) and referral_conversion (written by ConversionLinker from a join of
-- referral and visit). Neither parent row is ever deleted (deletions are tombstones). Their foreign
-- keys could not fail, yet PostgreSQL checks them row by row: in the ingest benchmark's first sync
-- (1M resources) the check on referral_conversion took 9.0 of the 14.4 s that linking 380,429
-- referrals took, and the one on visit_based_on about 0.9 s per 100,000 links on the write path.
-- The foreign keys to emr_endpoint stay. H2, the embedded demo database, keeps both (its
-- constraint names are generated, and its data is small).
ALTER TABLE referral_conversion DROP CONSTRAINT referral_conversion_endpoint_id_referral_id_fkey;
ALTER TABLE visit_based_on DROP CONSTRAINT visit_based_on_endpoint_id_visit_id_fkey;
