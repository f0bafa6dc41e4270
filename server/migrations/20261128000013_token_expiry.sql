-- API tokens may expire: `expires_at` is when (the fixed-width RFC 3339
-- text of the other times, so comparing the text compares the times), or
-- NULL for a token that lives until revoked, as every earlier token does.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
