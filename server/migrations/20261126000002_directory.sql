-- The built-in directory: users, groups, memberships, administrator-defined
-- extension attributes, and the append-only change log whose sequence
-- number is the watermark of incremental provisioning cycles.
-- Portable SQL: the same file runs on SQLite and PostgreSQL (TEXT, BIGINT).

CREATE TABLE directory_users (
    id                  TEXT PRIMARY KEY NOT NULL,
    -- Lower-cased userPrincipalName: unique among all users, soft-deleted
    -- ones included (as Entra keeps a deleted user's name reserved).
    upn_key             TEXT NOT NULL,
    external_id         TEXT,
    employee_id         TEXT,
    mail_key            TEXT,
    display_name_key    TEXT,
    -- JSON object of directory attributes under their Entra names.
    attributes          TEXT NOT NULL,
    -- JSON object of SCIM attributes with no directory attribute, kept so
    -- SCIM clients read back what they wrote.
    scim_extra          TEXT,
    version             BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    modified_at         TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE UNIQUE INDEX directory_users_upn ON directory_users (upn_key);
CREATE INDEX directory_users_external_id ON directory_users (external_id);
CREATE INDEX directory_users_employee_id ON directory_users (employee_id);
CREATE INDEX directory_users_mail ON directory_users (mail_key);
CREATE INDEX directory_users_display_name ON directory_users (display_name_key);

CREATE TABLE directory_groups (
    id                  TEXT PRIMARY KEY NOT NULL,
    display_name_key    TEXT NOT NULL,
    external_id         TEXT,
    attributes          TEXT NOT NULL,
    scim_extra          TEXT,
    version             BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    modified_at         TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX directory_groups_display_name ON directory_groups (display_name_key);
CREATE INDEX directory_groups_external_id ON directory_groups (external_id);

-- Direct memberships; `member_type` is `user` or `group`.
CREATE TABLE directory_members (
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX directory_members_member ON directory_members (member_id);

-- One row per write: `object_type` user|group, `change`
-- created|updated|deleted|restored|purged.
CREATE TABLE directory_changes (
    seq         BIGINT PRIMARY KEY NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    change      TEXT NOT NULL,
    at          TEXT NOT NULL
);

-- The change log's counter. Every directory write first increments it in
-- its own transaction: the row lock serialises writers, so sequence numbers
-- commit in order and a reader's watermark never skips a change that
-- commits later (which a SERIAL column would allow).
CREATE TABLE directory_sequence (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO directory_sequence (name, value) VALUES ('changes', 0);

-- Administrator-defined user attributes (`type`: string, boolean, integer,
-- dateTime, reference; `multi_valued` 0/1).
CREATE TABLE directory_extension_attributes (
    name         TEXT PRIMARY KEY NOT NULL,
    type         TEXT NOT NULL,
    multi_valued BIGINT NOT NULL,
    description  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
