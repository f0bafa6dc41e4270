-- Source objects a job could not match because they have no value for the
-- attribute(s) it matches on (decision ImportSkipped): kept while it stays
-- so, so the job's status can say "12 users could not be matched: no value
-- for mailNickname" long after the cycle that found them. A row goes when
-- the object is next decided otherwise, when the job restarts, and with
-- the job. Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE cycle_unmatched (
    job_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    -- The source attributes the job matches on, comma-separated.
    attributes  TEXT NOT NULL,
    since       TEXT NOT NULL,
    PRIMARY KEY (job_id, object_type, source_id)
);
