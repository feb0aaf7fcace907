-- When a worker took the job (for its latest attempt). /admin/jobs shows, per kind, how long
-- jobs waited for a worker (started_at − run_at) and how long they ran (updated_at of a done
-- job − started_at). 'discarded' joins the statuses: a job the operator threw away.
ALTER TABLE jobs ADD COLUMN started_at TIMESTAMPTZ;
-- The operator's lists (dead, retrying) newest first, without walking the finished jobs.
CREATE INDEX jobs_status_updated ON jobs (status, updated_at);
