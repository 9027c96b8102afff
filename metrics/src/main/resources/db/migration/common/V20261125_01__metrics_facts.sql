-- Issue 6: monthly facts a coordinator can trust. Adds to each source-month the figures of the month
-- (cancellations, patients, conversion within the window and its delay, why referrals did not convert,
-- referrals we sent the partner), the baseline it is compared with (trimmed, seasonal), the inputs of
-- the other flags, and whether the month is still provisional. New: reasons for cancellations, fixed
-- baselines, feed checks. Runs unchanged on PostgreSQL and H2.

-- Received referrals (inbound), month M. "referrals" counts every received referral, cancelled ones too;
-- referrals = converted + cancelled + visit_missed + waiting + no_visit (each referral in the first that fits).
ALTER TABLE source_month ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;      -- status revoked (or cancelled)
ALTER TABLE source_month ADD COLUMN patients INTEGER NOT NULL DEFAULT 0;       -- distinct patient hashes
ALTER TABLE source_month ADD COLUMN visit_missed INTEGER NOT NULL DEFAULT 0;   -- visit booked, then cancelled or not attended
ALTER TABLE source_month ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;        -- conversion window not over yet
ALTER TABLE source_month ADD COLUMN no_visit INTEGER NOT NULL DEFAULT 0;       -- window over, no visit
ALTER TABLE source_month ADD COLUMN median_days NUMERIC(8, 1);                 -- referral to first attended visit
ALTER TABLE source_month ADD COLUMN p90_days NUMERIC(8, 1);
ALTER TABLE source_month ADD COLUMN active_providers INTEGER NOT NULL DEFAULT 0; -- practice rows: distinct referring providers
-- Outbound: referrals the clinic's own organizations requested with this practice as performer (practice rows).
ALTER TABLE source_month ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN sent_before INTEGER NOT NULL DEFAULT 0;     -- over the baseline months
ALTER TABLE source_month ADD COLUMN received_before INTEGER NOT NULL DEFAULT 0; -- over the baseline months
-- Baseline. "baseline" (existing) becomes the month's expected referrals: baseline_average x seasonal_factor.
ALTER TABLE source_month ADD COLUMN baseline_average NUMERIC(12, 4);  -- trimmed mean month, seasonality removed
ALTER TABLE source_month ADD COLUMN baseline_variance DOUBLE PRECISION; -- sample variance of the (trimmed) months, for overdispersion
ALTER TABLE source_month ADD COLUMN seasonal_factor NUMERIC(8, 4) NOT NULL DEFAULT 1; -- this calendar month vs the clinic's mean
ALTER TABLE source_month ADD COLUMN exposure NUMERIC(6, 4) NOT NULL DEFAULT 1; -- share of the month elapsed (1 when over)
ALTER TABLE source_month ADD COLUMN last_referral_date DATE;          -- up to the end of the month
-- Sustained decline: the last sustained-months months up to M.
ALTER TABLE source_month ADD COLUMN recent_months_below INTEGER NOT NULL DEFAULT 0; -- at least sustained-drop below
ALTER TABLE source_month ADD COLUMN recent_referrals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN recent_expected NUMERIC(12, 4);
-- Conversion collapse: conversions within horizon_days (= min(window, days since the month ended)),
-- in the month and over the baseline months, so both had the same time to convert.
ALTER TABLE source_month ADD COLUMN horizon_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN converted_horizon INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN baseline_referrals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN baseline_converted_horizon INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_month ADD COLUMN baseline_conversion NUMERIC(6, 4); -- among baseline referrals whose window is over
-- Verdict details (practice rows), written by the evaluation step.
ALTER TABLE source_month ADD COLUMN provisional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE source_month ADD COLUMN flags VARCHAR(200);               -- alert kinds raised, comma-separated
ALTER TABLE source_month ADD COLUMN revenue_at_risk NUMERIC(14, 2);

CREATE INDEX source_month_provisional_idx ON source_month (clinic_id, provisional);

-- Cancelled or revoked referrals of a practice in a month, by the reason the EMR gave.
CREATE TABLE source_month_reason (
    clinic_id    VARCHAR(64)  NOT NULL REFERENCES clinic (id),
    month_start  DATE         NOT NULL,
    org_key      VARCHAR(200) NOT NULL,
    reason       VARCHAR(200) NOT NULL, -- 'not given' when the EMR sent none
    referrals    INTEGER      NOT NULL,
    PRIMARY KEY (clinic_id, month_start, org_key, reason)
);

-- A baseline frozen at a month ("our baseline as of 2026-01"), compared alongside the rolling one.
CREATE TABLE fixed_baseline (
    clinic_id    VARCHAR(64) PRIMARY KEY REFERENCES clinic (id),
    as_of_month  DATE        NOT NULL,
    fixed_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE fixed_baseline_source (
    clinic_id         VARCHAR(64)  NOT NULL REFERENCES clinic (id),
    org_key           VARCHAR(200) NOT NULL,
    practitioner_key  VARCHAR(200) NOT NULL,
    average           NUMERIC(12, 4), -- trimmed mean month, seasonality removed, as of the month
    conversion        NUMERIC(6, 4),
    PRIMARY KEY (clinic_id, org_key, practitioner_key)
);

-- Whether a clinic's feed can be trusted for a month, checked before its source alerts.
CREATE TABLE feed_check (
    clinic_id          VARCHAR(64)   NOT NULL REFERENCES clinic (id),
    month_start        DATE          NOT NULL,
    suspect            BOOLEAN       NOT NULL,
    evidence           VARCHAR(2000) NOT NULL,
    failed_syncs       INTEGER       NOT NULL,
    auth_failures      INTEGER       NOT NULL,
    retried_pages      INTEGER       NOT NULL,
    pages              INTEGER       NOT NULL,
    count_mismatch     INTEGER       NOT NULL,
    stale              BOOLEAN       NOT NULL, -- no successful sync since the month ended (or ever)
    sources_down       INTEGER       NOT NULL,
    sources_evaluable  INTEGER       NOT NULL,
    referrals          INTEGER       NOT NULL, -- received from the evaluable sources this month
    expected           NUMERIC(12, 4) NOT NULL, -- expected from them
    computed_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (clinic_id, month_start)
);

-- Alert kinds: SLOWDOWN, GONE_DARK, SUSTAINED_DECLINE, CONVERSION_COLLAPSE, RECIPROCITY_FLIP (org_key: the
-- practice), FEED (org_key '*': the clinic's feed).
ALTER TABLE alert ADD COLUMN revenue_at_risk NUMERIC(14, 2);
