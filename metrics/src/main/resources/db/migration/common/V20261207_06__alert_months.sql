-- How many months an alert's observed and expected figures span, ending with its month: 1, 2 for a
-- slowdown over two months, sustained-months for a sustained decline.
ALTER TABLE alert ADD COLUMN months INTEGER DEFAULT 1 NOT NULL;
