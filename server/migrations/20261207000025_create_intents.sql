-- Create intents: the objects of a cycle's page that the page may create
-- in the target, written before any of its creates is sent and deleted
-- when the page is done (each created object's link is written by then).
-- Intents left by a run that died are reconciled by the next cycle: each
-- object (deleted ones too) is matched in the target and linked, so an
-- account created just before a crash is never left unlinked (and never
-- disabled) because its user was deleted before the next run.
CREATE TABLE cycle_create_intents (
    job_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    intended_at TEXT NOT NULL,
    PRIMARY KEY (job_id, object_type, source_id)
);
