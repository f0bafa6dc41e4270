-- Authentication: administrators with argon2id password hashes, their
-- browser sessions and API tokens. Neither a session id nor a token is
-- stored, only the SHA-256 of it (hex), so a copy of the database signs no
-- one in. Times are RFC 3339 UTC text of one fixed width
-- (2026-11-26T09:30:00.000000Z), so comparing the text compares the times.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE IF NOT EXISTS admins (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    last_sign_in_at     TEXT
);

-- The cookie carries the session id; `id_hash` is its SHA-256. A session
-- ends `idle` after `last_seen_at` (updated at most once a minute) or
-- `max` after `created_at`, whichever comes first (the server's settings).
CREATE TABLE IF NOT EXISTS sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_admin_id ON sessions (admin_id);

-- `job` names the inbound job an `inbound` token may upload to, and only
-- inbound tokens have one. Revoked tokens stay listed, with `revoked_at`.
CREATE TABLE IF NOT EXISTS api_tokens (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('admin', 'scim', 'inbound')),
    job          TEXT,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    CHECK ((scope = 'inbound' AND job IS NOT NULL) OR (scope <> 'inbound' AND job IS NULL))
);
