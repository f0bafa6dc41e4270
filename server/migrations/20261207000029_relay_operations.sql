-- Operations for on-premises agents forwarded between server instances: the
-- instance running a job queues an operation here when the job's agent
-- polls another instance; that instance takes it (state 'taken'), hands it
-- to the agent and writes the outcome back (state 'done'); the queuing
-- instance reads the outcome and deletes the row. `payload` and `outcome`
-- are encrypted with the deployment's secret key (they hold the target's
-- secrets and data). Times are milliseconds by the database's clock.
-- Portable SQL.

CREATE TABLE relay_operations (
    id         TEXT PRIMARY KEY NOT NULL,
    agent      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL,
    taken_by   TEXT,
    outcome    TEXT,
    created_ms BIGINT NOT NULL
);

CREATE INDEX relay_operations_queued ON relay_operations (agent, state, created_ms);
