-- The monthly metrics job's executions (Spring Batch's job repository, job name monthlyMetricsJob) with
-- the parameters the monitor reads: the clinic, the months (from_month = to_month for a run of one
-- month) and why it ran. For the job history and the retries of failed runs.
CREATE VIEW metrics_job_run AS
SELECT e.job_execution_id, e.job_instance_id, e.status, e.start_time, e.end_time, e.exit_message,
       c.parameter_value AS clinic_id, COALESCE(f.parameter_value, m.parameter_value) AS from_month,
       m.parameter_value AS to_month, t.parameter_value AS trigger_text
FROM batch_job_execution e
JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id AND i.job_name = 'monthlyMetricsJob'
JOIN batch_job_execution_params c ON c.job_execution_id = e.job_execution_id AND c.parameter_name = 'clinic'
JOIN batch_job_execution_params m ON m.job_execution_id = e.job_execution_id AND m.parameter_name = 'month'
LEFT JOIN batch_job_execution_params f ON f.job_execution_id = e.job_execution_id AND f.parameter_name = 'fromMonth'
LEFT JOIN batch_job_execution_params t ON t.job_execution_id = e.job_execution_id AND t.parameter_name = 'trigger';
