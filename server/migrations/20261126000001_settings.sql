-- Instance-wide settings as text key/value pairs: `instance_id` (written on
-- first start), `default_domain` (seeded by `provisio serve --demo`).
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
