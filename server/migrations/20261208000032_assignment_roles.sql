-- Assignments carry an app role: one row per (job, principal, role), the
-- empty role being Default Access, so one user or group can hold several
-- roles in a job as in Entra. The table is rebuilt because its key changes.
-- Portable SQL.

CREATE TABLE job_assignments_with_roles (
    job_id         TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    principal_id   TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    PRIMARY KEY (job_id, principal_id, role)
);

INSERT INTO job_assignments_with_roles (job_id, principal_id, principal_type, role, created_at)
SELECT job_id, principal_id, principal_type, '', created_at FROM job_assignments;

DROP TABLE job_assignments;

ALTER TABLE job_assignments_with_roles RENAME TO job_assignments;

CREATE INDEX job_assignments_principal ON job_assignments (principal_id);
