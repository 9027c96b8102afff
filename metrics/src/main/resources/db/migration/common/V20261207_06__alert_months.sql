-- How many months an alert's observed and expected figures span, ending with its month: 1, 2 for a
-- slowdown over two months, sustained-months for a sustained decline.
ALTER TABLE alert ADD COLUMN months INTEGER DEFAULT 1 NOT NULL;
-- sustained declines raised before: their figures were already the sum of sustained-months (3 by default)
UPDATE alert SET months = 3 WHERE kind = 'SUSTAINED_DECLINE';
