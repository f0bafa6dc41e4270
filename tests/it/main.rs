//! Provisio's end-to-end tests, in one binary to keep build times down: one
//! module per area, each against the real thing (the `provisio` binary, the
//! server on a loopback port with a real SQLite file, a real browser).

mod admin_api;
mod agent;
mod auth;
mod backends;
mod browser;
mod cli;
mod cycle_crash;
mod cycle_faults;
mod cycle_groups;
mod cycle_run;
mod cycle_state;
mod directory;
mod directory_connector;
mod inbound;
mod inbound_cli;
mod job_cli;
mod job_connection;
mod job_status;
mod ldap_target;
mod logs;
mod plan_cli;
mod playground;
mod portal_a11y;
mod portal_agents;
mod portal_budget;
mod portal_directory;
mod portal_editors;
mod portal_inbound;
mod portal_jobs;
mod portal_logs;
mod portal_new_targets;
mod portal_overview;
mod portal_session;
mod postgres_harness;
mod rest_target;
mod route_auth;
mod scheduler;
mod scim;
mod scim_compliance;
mod scim_connector;
mod scim_leniency;
mod server;
mod sql_target;
mod target;
