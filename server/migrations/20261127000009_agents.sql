-- On-premises agents. `api_tokens` gains the `agent` scope and the agent an
-- agent token authenticates; the table is rebuilt because SQLite cannot
-- change a CHECK constraint in place. `agents` keeps when each agent last
-- called, so the portal can say so after a restart.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE api_tokens_v2 (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('admin', 'scim', 'inbound', 'agent')),
    job          TEXT,
    agent        TEXT,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT,
    CHECK ((scope = 'inbound' AND job IS NOT NULL) OR (scope <> 'inbound' AND job IS NULL)),
    CHECK ((scope = 'agent' AND agent IS NOT NULL) OR (scope <> 'agent' AND agent IS NULL))
);

INSERT INTO api_tokens_v2 (id, name, scope, job, agent, token_hash, created_at, last_used_at, revoked_at)
    SELECT id, name, scope, job, NULL, token_hash, created_at, last_used_at, revoked_at FROM api_tokens;

DROP TABLE api_tokens;

ALTER TABLE api_tokens_v2 RENAME TO api_tokens;

-- `last_contact_at` is written on each new agent session and then at most
-- every half minute; `connected_since` is when the current session began.
CREATE TABLE IF NOT EXISTS agents (
    name            TEXT PRIMARY KEY NOT NULL,
    last_contact_at TEXT NOT NULL,
    connected_since TEXT NOT NULL,
    version         TEXT NOT NULL,
    host            TEXT NOT NULL
);
