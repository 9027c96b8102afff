-- PostgreSQL only (H2, the demo database, reads the cancelled referrals through the month index).
-- The monthly job groups a clinic's cancelled (revoked) referrals of the run's months by the reason
-- the EMR gave. They are a few percent of the referrals: a partial index that holds only them, with
-- every column the statement reads, lets it read those entries alone instead of every referral of
-- the clinic's months. Its condition is the statement's (MonthlyAggregation.INSERT_REASONS).
CREATE INDEX referral_cancelled_idx ON referral (endpoint_id, authored_month)
    INCLUDE (resource_id, is_referral, deleted_at, source_org_key, status_reason)
    WHERE status IN ('revoked', 'cancelled');
