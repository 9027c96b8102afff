-- The months one run of the monthly job computes, with what each needs to know besides the data.
-- A run inserts its months, aggregates all of them in one statement and deletes them again, in one
-- transaction: a full recompute reads each referral once instead of once per month whose baseline
-- it is part of. Runs unchanged on PostgreSQL and H2.
CREATE TABLE metrics_target (
    job_execution_id  BIGINT           NOT NULL,
    month_start       DATE             NOT NULL, -- first day, in the clinic's time zone
    month_index       INTEGER          NOT NULL, -- year x 12 + month: month arithmetic without date functions
    season_from       DATE             NOT NULL, -- first day of the 24 months the seasonal factors are computed over
    exposure          DOUBLE PRECISION NOT NULL, -- share of the month elapsed (1 when over)
    horizon_days      INTEGER          NOT NULL, -- every referral of the month has had this many days to convert
    provisional       BOOLEAN          NOT NULL,
    PRIMARY KEY (job_execution_id, month_start)
);
CREATE INDEX metrics_target_index_idx ON metrics_target (job_execution_id, month_index);

-- The clinic's received referrals per month over the months a run reads (for seasonal factors), and
-- each run month with the months before it (k = 0: the month; 0 < k <= baseline-months: its baseline
-- months; k < sustained-months: its recent months) and their seasonal factors. Written by the run
-- before its main statement, so that statement joins real tables (H2 re-evaluates a derived table
-- for every row it is joined to).
CREATE TABLE metrics_clinic_month (
    job_execution_id  BIGINT  NOT NULL,
    month_index       INTEGER NOT NULL,
    referrals         BIGINT  NOT NULL,
    PRIMARY KEY (job_execution_id, month_index)
);
CREATE TABLE metrics_target_month (
    job_execution_id   BIGINT           NOT NULL,
    month_index        INTEGER          NOT NULL, -- the month looked back at
    target_index       INTEGER          NOT NULL, -- the run month
    k                  INTEGER          NOT NULL, -- months back
    in_base            INTEGER          NOT NULL, -- 1: one of the run month's baseline months
    factor             DOUBLE PRECISION NOT NULL, -- seasonal factor of month_index's calendar month, as of the run month
    month_start        DATE             NOT NULL, -- of the run month, and what its rows carry:
    exposure           DOUBLE PRECISION NOT NULL,
    horizon_days       INTEGER          NOT NULL,
    provisional        INTEGER          NOT NULL,
    month_factor       DOUBLE PRECISION NOT NULL, -- the run month's own seasonal factor
    recent_factor_sum  DOUBLE PRECISION NOT NULL, -- factors of the recent months before it
    PRIMARY KEY (job_execution_id, month_index, target_index)
);
