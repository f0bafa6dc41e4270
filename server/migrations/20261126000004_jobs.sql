-- Provisioning jobs and the users and groups assigned to them.
-- Portable SQL: the same file runs on SQLite and PostgreSQL (TEXT, BIGINT).
-- Times are RFC 3339 UTC text with milliseconds, as the directory writes them.

-- `definition` is the job definition as JSON with every secret masked
-- ("********"); the secret values are in `secrets`, an AES-256-GCM
-- encrypted JSON object (`v1:<nonce>:<ciphertext>`, bound to the job's id),
-- NULL when the job has none. `name_key` is the lower-cased, trimmed name:
-- names are unique regardless of case. `direction` and `target_kind`
-- repeat the definition's for listings. `state` is stopped|running;
-- `version` counts changes of the definition (not of the state).
CREATE TABLE jobs (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    direction            TEXT NOT NULL,
    target_kind          TEXT NOT NULL,
    definition           TEXT NOT NULL,
    secrets              TEXT,
    state                TEXT NOT NULL,
    state_changed_at     TEXT NOT NULL,
    restart_requested_at TEXT,
    version              BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    modified_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_name_key ON jobs (name_key);

-- `principal_type` is user|group; deleting a job deletes its assignments.
CREATE TABLE job_assignments (
    job_id         TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    principal_id   TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (job_id, principal_id)
);
CREATE INDEX job_assignments_principal ON job_assignments (principal_id);
