-- Each inbound job's rate-limit bucket (`requests_per_second`): tokens
-- left and when they were counted, in milliseconds by the DATABASE's clock,
-- so every instance sharing the database takes from the same bucket.
-- Portable SQL: SQLite and PostgreSQL.

CREATE TABLE inbound_rate_buckets (
    job_id TEXT PRIMARY KEY NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    at_ms  BIGINT NOT NULL
);
