-- Bulk requests pushed to inbound jobs, stored before they are answered
-- (202) so nothing accepted is lost, and their records with each one's
-- outcome. `seq` orders a job's requests as they were accepted (ties,
-- possible only between concurrent requests, go by id); a record's `idx` is
-- its place in the request's Operations. `status` is pending, success,
-- failure or skipped. Portable SQL (TEXT, BIGINT); rows go with the job.
CREATE TABLE inbound_requests (
    id          TEXT PRIMARY KEY NOT NULL,
    job_id      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    token_id    TEXT,
    received_at TEXT NOT NULL,
    finished_at TEXT,
    operations  BIGINT NOT NULL
);
CREATE INDEX inbound_requests_job ON inbound_requests (job_id, seq, id);
CREATE INDEX inbound_requests_open ON inbound_requests (job_id, finished_at, seq);

CREATE TABLE inbound_records (
    request_id   TEXT NOT NULL,
    idx          BIGINT NOT NULL,
    job_id       TEXT NOT NULL,
    bulk_id      TEXT,
    external_id  TEXT,
    data         TEXT NOT NULL,
    status       TEXT NOT NULL,
    action       TEXT,
    user_id      TEXT,
    error_code   TEXT,
    error        TEXT,
    log_id       TEXT,
    processed_at TEXT,
    PRIMARY KEY (request_id, idx)
);
CREATE INDEX inbound_records_status ON inbound_records (request_id, status);
