-- The server instances sharing this database, each renewing its heartbeat
-- (milliseconds since the Unix epoch by the DATABASE's clock) every few
-- seconds. An instance whose heartbeat is older than the lease time to live
-- is gone: the jobs it ran are spread over the live ones. A stopped
-- instance deletes its row. Portable SQL: SQLite and PostgreSQL.

CREATE TABLE instances (
    id           TEXT PRIMARY KEY NOT NULL,
    host         TEXT NOT NULL,
    listen       TEXT NOT NULL,
    version      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_ms BIGINT NOT NULL
);

-- Which live instance runs each running job's cycles (its scheduler's
-- worker). Claimed with compare-and-set statements, so two instances never
-- both believe they own a job for longer than one scheduler pass; the job's
-- lease (job_leases) still keeps any two runs of it apart.
CREATE TABLE job_owners (
    job_id      TEXT PRIMARY KEY NOT NULL,
    instance_id TEXT NOT NULL
);
