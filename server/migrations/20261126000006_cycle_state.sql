-- What a provisioning job remembers between cycles: its links between
-- source and target objects, its run status and watermark, its escrowed
-- failures and its staged deletes.
-- Portable SQL: the same file runs on SQLite and PostgreSQL (TEXT, BIGINT).
-- Times are RFC 3339 UTC text with milliseconds, so text order is time
-- order. `object_type` is user|group. No foreign key to `jobs`: deleting a
-- job removes these rows through `purge_job` (server/src/cycle/state.rs).

-- Which source object is linked to which target object: at most one target
-- per source and one source per target, per job and object type.
CREATE TABLE cycle_links (
    job_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (job_id, object_type, source_id)
);
CREATE UNIQUE INDEX cycle_links_target ON cycle_links (job_id, object_type, target_id);

-- One row per job, written on first use (a job without one is idle, with
-- watermark 0 and no initial cycle done). `status` is
-- idle|running|quarantined|waiting_for_approval|disabled; `watermark` is the
-- last directory change-log sequence the job has fully handled;
-- `initial_done` is 0/1; `last_cycle_counts` is a JSON object.
CREATE TABLE cycle_status (
    job_id                 TEXT PRIMARY KEY NOT NULL,
    status                 TEXT NOT NULL,
    watermark              BIGINT NOT NULL,
    initial_done           BIGINT NOT NULL,
    quarantine_reason      TEXT,
    quarantined_since      TEXT,
    next_retry_at          TEXT,
    last_cycle_id          TEXT,
    last_cycle_started_at  TEXT,
    last_cycle_finished_at TEXT,
    last_cycle_counts      TEXT,
    progress_done          BIGINT NOT NULL,
    progress_total         BIGINT NOT NULL
);

-- Failed objects to retry. `permanent` is 0/1: permanent failures are kept
-- (for the status and the logs) but never due for a blind retry.
CREATE TABLE cycle_escrows (
    job_id          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    first_failed_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error_code TEXT NOT NULL,
    last_error      TEXT NOT NULL,
    permanent       BIGINT NOT NULL,
    PRIMARY KEY (job_id, object_type, source_id)
);
CREATE INDEX cycle_escrows_due ON cycle_escrows (job_id, permanent, next_attempt_at);

-- Disables and deletes held back by the accidental-deletion guard until an
-- administrator allows them. `action` is disable|delete; `source_id` is
-- NULL when the source object is gone (hard-deleted).
CREATE TABLE cycle_staged_deletes (
    job_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    source_id   TEXT,
    action      TEXT NOT NULL,
    staged_at   TEXT NOT NULL,
    cycle_id    TEXT NOT NULL,
    PRIMARY KEY (job_id, object_type, target_id)
);
