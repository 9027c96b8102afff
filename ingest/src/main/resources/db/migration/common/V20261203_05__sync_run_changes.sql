-- What a sync changed that its rows cannot tell afterwards, written in the transaction that changed it,
-- so whoever derives figures from the data (the metrics' kept counts) can learn it even when the
-- process dies before the sync's end is announced:
-- every_referral_changed: it classified the stored requests again, or linked every referral again;
-- sync_run_relinked_month: the authored months of referrals whose links it changed though neither the
-- referral nor its patient's visits were written (a visit that stopped naming a referral of another
-- patient).
ALTER TABLE sync_run ADD COLUMN every_referral_changed BOOLEAN DEFAULT FALSE NOT NULL;

CREATE TABLE sync_run_relinked_month (
    sync_run_id BIGINT NOT NULL REFERENCES sync_run (id) ON DELETE CASCADE,
    month_start DATE NOT NULL,
    PRIMARY KEY (sync_run_id, month_start)
);
