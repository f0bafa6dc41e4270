-- Notifications (alerts): the settings, one row (`id` 1) written by
-- PUT /api/v1/settings/notifications; the webhooks, in `position` order;
-- and the marks that keep a notification from repeating (`key` names the
-- condition, e.g. `cycle_failures:<job id>`; `at` when it was last sent,
-- RFC 3339 UTC). Secrets (`smtp_password`, `secret`) are encrypted with
-- the deployment's key, bound to their row; booleans are 0 or 1.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE notification_settings (
    id                    BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    smtp_enabled          BIGINT NOT NULL DEFAULT 0,
    smtp_host             TEXT NOT NULL DEFAULT '',
    smtp_port             BIGINT NOT NULL DEFAULT 587,
    smtp_security         TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('starttls', 'tls', 'none')),
    smtp_username         TEXT,
    smtp_password         TEXT,
    smtp_from             TEXT NOT NULL DEFAULT '',
    smtp_recipients       TEXT NOT NULL DEFAULT '',
    smtp_ca_certificate   TEXT,
    events_off            TEXT NOT NULL DEFAULT '',
    agent_offline_minutes BIGINT NOT NULL DEFAULT 15,
    failure_share_percent BIGINT NOT NULL DEFAULT 10,
    failure_min_objects   BIGINT NOT NULL DEFAULT 20,
    portal_url            TEXT,
    modified_at           TEXT NOT NULL
);

CREATE TABLE notification_webhooks (
    id       TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    url      TEXT NOT NULL,
    enabled  BIGINT NOT NULL DEFAULT 1,
    secret   TEXT
);

CREATE TABLE notification_marks (
    key TEXT PRIMARY KEY NOT NULL,
    at  TEXT NOT NULL
);
