-- Job leases: one run of a job at a time (cycles, on-demand runs, approval
-- of held deletes, inbound processing), across every server instance that
-- shares the database. Times are milliseconds since the Unix epoch by the
-- DATABASE's clock, so instances whose clocks disagree still agree on
-- whether a lease has expired. `epoch` grows by one with every new holder
-- (a fencing token); a released lease keeps its row with `expires_at_ms` 0.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE job_leases (
    job_id         TEXT PRIMARY KEY NOT NULL,
    holder         TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    epoch          BIGINT NOT NULL,
    acquired_at_ms BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL
);
