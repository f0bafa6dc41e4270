-- Inbound records keep the HR payload they carried (`data`) only while they
-- wait to be processed: once a record's outcome is written its payload is
-- cleared, and what the status API shows (bulkId, externalId, status,
-- action, the directory user, the error, the log entry) stays. The table is
-- rebuilt because SQLite cannot drop a NOT NULL in place; payloads of
-- records processed before this change are cleared on the way. Processed
-- requests are deleted after the server's inbound retention
-- (`--inbound-retention-days`), found by `finished_at`.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

CREATE TABLE inbound_records_v2 (
    request_id   TEXT NOT NULL,
    idx          BIGINT NOT NULL,
    job_id       TEXT NOT NULL,
    bulk_id      TEXT,
    external_id  TEXT,
    data         TEXT,
    status       TEXT NOT NULL,
    action       TEXT,
    user_id      TEXT,
    error_code   TEXT,
    error        TEXT,
    log_id       TEXT,
    processed_at TEXT,
    PRIMARY KEY (request_id, idx),
    CHECK ((status = 'pending' AND data IS NOT NULL) OR (status <> 'pending' AND data IS NULL))
);

INSERT INTO inbound_records_v2 (request_id, idx, job_id, bulk_id, external_id, data, status, action, user_id,
                                error_code, error, log_id, processed_at)
    SELECT request_id, idx, job_id, bulk_id, external_id, CASE WHEN status = 'pending' THEN data ELSE NULL END,
           status, action, user_id, error_code, error, log_id, processed_at
    FROM inbound_records;

DROP TABLE inbound_records;

ALTER TABLE inbound_records_v2 RENAME TO inbound_records;

CREATE INDEX inbound_records_status ON inbound_records (request_id, status);
CREATE INDEX inbound_requests_finished ON inbound_requests (finished_at);
