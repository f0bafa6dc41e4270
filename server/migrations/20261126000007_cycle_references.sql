-- Manager and member references a job keeps in step: per object and
-- reference attribute, the source ids the directory names (`desired`, a
-- JSON array) and the target ids last written to the target (`exported`,
-- a JSON array). `pending` is 0 when both agree, 1 when `desired` changed
-- or a write failed, 2 when some source ids have no target object yet
-- (retried once a cycle links new objects). `target_id` is the object's own
-- target id. Portable SQL (TEXT, BIGINT); rows go with the job (`purge_job`).
CREATE TABLE cycle_references (
    job_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    path        TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    desired     TEXT NOT NULL,
    exported    TEXT NOT NULL,
    pending     BIGINT NOT NULL,
    PRIMARY KEY (job_id, object_type, source_id, path)
);
CREATE INDEX cycle_references_pending ON cycle_references (job_id, pending, object_type, source_id, path);
