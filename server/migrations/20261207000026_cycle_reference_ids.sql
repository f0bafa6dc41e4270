-- The source ids each reference row names (`cycle_references.desired`),
-- one row each, keyed by the id named: when an object is deleted from the
-- target, the rows naming it (its groups, its reports) are found by its id
-- instead of by reading every reference row of the job. Written with the
-- row whenever its `desired` changes; rows stored before this table are
-- filled in by the store on its first start after it (`store/backfills.rs`:
-- reading JSON arrays takes SQL of each database's own).
CREATE TABLE cycle_reference_ids (
    job_id        TEXT NOT NULL,
    referenced_id TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    path          TEXT NOT NULL,
    PRIMARY KEY (job_id, referenced_id, object_type, source_id, path)
);
CREATE INDEX cycle_reference_ids_row ON cycle_reference_ids (job_id, object_type, source_id, path);
