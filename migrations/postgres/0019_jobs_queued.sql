-- The job queue's claim walks the queued jobs in the order they fall due (run_at, then id):
-- one index step however long the backlog (a webhook burst queues thousands).
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE status = 'queued';
