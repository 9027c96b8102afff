-- When a kept request's run started: the ones not started yet are shown as queued in the job history.
ALTER TABLE metrics_run_request ADD COLUMN started_at TIMESTAMP WITH TIME ZONE;
