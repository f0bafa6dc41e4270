-- When a job's target or its secrets last changed: a quarantine the target's
-- refusal caused (credentials, an incompatible target) that began before it
-- is released, since the job now reaches the target another way.
ALTER TABLE jobs ADD COLUMN connection_changed_at TEXT;
