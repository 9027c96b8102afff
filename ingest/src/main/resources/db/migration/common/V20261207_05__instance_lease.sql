-- Which process runs the jobs of this database (syncs, monthly runs, notifications), so a second
-- instance started against it waits or refuses instead of failing the first one's syncs as
-- interrupted and sending what it sends (InstanceLease). One row per lease; the holder renews
-- heartbeat_at, in the database's own time, every third of the lease's time to live.
CREATE TABLE instance_lease (
    name          VARCHAR(32)  PRIMARY KEY,
    holder        VARCHAR(64)  NOT NULL, -- a random id per process
    host          VARCHAR(255) NOT NULL,
    machine       VARCHAR(128),          -- boot id and process-id namespace (Linux): pids comparable only within one
    pid           BIGINT       NOT NULL,
    acquired_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
