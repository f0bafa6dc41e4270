-- Each inbound job's last request number, raised by one in the transaction
-- that stores a request: concurrent uploads to one job (on one instance or
-- several sharing a PostgreSQL database) take distinct numbers in the order
-- their transactions lock this row, instead of racing on MAX(seq) + 1. The
-- row lock also serialises the queue-limit count of those uploads.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE inbound_request_counters (
    job_id   TEXT PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL
);

INSERT INTO inbound_request_counters (job_id, last_seq)
SELECT job_id, MAX(seq) FROM inbound_requests GROUP BY job_id;
