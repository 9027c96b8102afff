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
