-- Provisioning log entries: one per object per cycle or on-demand run.
-- Portable SQL: the same file runs on SQLite and PostgreSQL (TEXT, BIGINT).
-- `at` is RFC 3339 UTC text with milliseconds, so text order is time order.
-- `run_kind` is cycle|on_demand; `cycle_id` is the cycle's or the on-demand
-- run's id. `action` and `status` are the API's names (create, update,
-- disable, delete, staged_delete, skip, other; success, failure, skipped,
-- warning). `modified` is a JSON array of {name, old, new} with redacted
-- values already `[Redact]`; `steps` is the engine's steps as JSON.
-- `search_key` is the lower-cased source and target ids and display texts,
-- for the identity search. Entries are immutable; they outlive their job
-- (no foreign key) and are pruned by age.
CREATE TABLE provisioning_logs (
    id                 TEXT PRIMARY KEY NOT NULL,
    at                 TEXT NOT NULL,
    job_id             TEXT NOT NULL,
    job_name           TEXT NOT NULL,
    run_kind           TEXT NOT NULL,
    cycle_id           TEXT NOT NULL,
    change_id          TEXT,
    action             TEXT NOT NULL,
    status             TEXT NOT NULL,
    source_id          TEXT,
    source_display     TEXT,
    target_id          TEXT,
    target_display     TEXT,
    search_key         TEXT NOT NULL,
    modified           TEXT NOT NULL,
    steps              TEXT NOT NULL,
    error_code         TEXT,
    reason             TEXT,
    recommended_action TEXT,
    duration_ms        BIGINT NOT NULL
);
CREATE INDEX provisioning_logs_at ON provisioning_logs (at);
CREATE INDEX provisioning_logs_job_at ON provisioning_logs (job_id, at);
CREATE INDEX provisioning_logs_cycle ON provisioning_logs (cycle_id);
