-- The audit trail: one row per administrative action, written in the same
-- transaction as the change it records. `id` is a UUIDv7 (time-ordered);
-- `at` RFC 3339 UTC with milliseconds; `changes` and `details` JSON text.
-- Portable SQL.

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY NOT NULL,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    actor_id    TEXT,
    address     TEXT,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT,
    target_name TEXT,
    job_id      TEXT,
    changes     TEXT,
    details     TEXT
);

CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_job ON audit_events (job_id, at);
