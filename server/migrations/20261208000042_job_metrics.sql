-- What the per-job Prometheus metrics read, kept by the database so that
-- every instance sharing it reports the same figures and they survive
-- restarts: provisioning log entries counted by action and status as they
-- are written (the log itself is pruned), cycle durations as cumulative
-- histogram buckets (`le` in seconds, `+Inf`, and `sum_ms`), and when each
-- job last finished a cycle that was not stopped or quarantined.
-- Portable SQL.

CREATE TABLE job_action_counts (
    job_id TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (job_id, action, status)
);

CREATE TABLE job_cycle_durations (
    job_id TEXT NOT NULL,
    bucket TEXT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (job_id, bucket)
);

ALTER TABLE cycle_status ADD COLUMN last_success_at TEXT;
