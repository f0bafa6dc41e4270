-- Agents' results that reached an instance which did not hand the
-- operation out (an agent behind a load balancer polls one instance and
-- posts its results to another): kept here, encrypted with the deployment's
-- key (a result may carry the target's data), until the instance holding
-- the operation settles it; results nobody holds are deleted after ten
-- minutes. Times in milliseconds by the database's clock. Portable SQL.

CREATE TABLE relay_results (
    id         TEXT PRIMARY KEY NOT NULL,
    agent      TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE INDEX relay_results_agent ON relay_results (agent);
