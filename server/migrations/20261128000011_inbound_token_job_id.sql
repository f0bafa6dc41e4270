-- Inbound tokens are bound to their job's id: `api_tokens.job` held the
-- name (or id) the token was made with, so renaming jobs moved a token to
-- another job, and a token could name a job that did not exist. From now
-- on an inbound token's `job` is the id of an inbound job; listings show
-- that job's current name, and deleting the job deletes its tokens.
--
-- Existing tokens are converted by looking their job up as uploads did: by
-- id, else by name regardless of (ASCII) case, among inbound jobs. A token
-- that names no inbound job could never upload (such uploads were answered
-- 404) and would name nothing after this change: it is deleted, as tokens
-- of a deleted job are from now on. Create a new token for the job instead.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

DELETE FROM api_tokens
    WHERE scope = 'inbound'
    AND NOT EXISTS (SELECT 1 FROM jobs
                    WHERE jobs.direction = 'inbound'
                    AND (jobs.id = api_tokens.job OR lower(jobs.name) = lower(api_tokens.job)));

UPDATE api_tokens
    SET job = COALESCE(
        (SELECT jobs.id FROM jobs WHERE jobs.direction = 'inbound' AND jobs.id = api_tokens.job),
        (SELECT MIN(jobs.id) FROM jobs WHERE jobs.direction = 'inbound' AND lower(jobs.name) = lower(api_tokens.job)))
    WHERE scope = 'inbound';

CREATE INDEX api_tokens_job ON api_tokens (job);
