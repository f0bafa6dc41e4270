//! The `provisio` command: `serve` runs the server (the only command that
//! creates a database) and `agent` an on-premises agent; `expr` evaluates,
//! checks and prints mapping expressions; `job check` checks a job
//! definition and `plan` dry-runs one; `job apply|start|stop|restart|status`,
//! `logs` and `directory user create|list|import` manage a running
//! installation through its server (`--server`, `--token`) or on its
//! database (`via`); `job provision` provisions one user on demand; `admin`
//! and `token` manage administrators and API tokens in the database;
//! `inbound send` feeds a CSV or JSON file of people to an inbound job.

mod admin;
mod agent;
mod csv_table;
mod database;
mod directory;
mod expr;
mod file_problems;
mod inbound;
mod inputs;
mod job;
mod logs;
mod plan;
mod remote;
mod serve;
mod steps;
mod targets;
mod token;
mod via;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Provisio: self-hosted application provisioning.
#[derive(Debug, Parser)]
#[command(name = "provisio", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: the portal at `/`, the JSON API, the database.
    Serve(serve::ServeArgs),
    /// Evaluate, check or print a mapping expression.
    #[command(subcommand)]
    Expr(expr::ExprCommand),
    /// Dry-run a job for one source object, or a cycle for an array of them.
    Plan(plan::PlanArgs),
    /// Check or apply a provisioning job definition; start, stop, restart a job or show its status;
    /// provision one user with a job.
    Job {
        #[command(subcommand)]
        command: job::JobCommand,
    },
    /// Show the provisioning logs, newest first (works through --server or on --database).
    Logs(logs::LogsArgs),
    /// Create, list and import the built-in directory's users (works through --server or on
    /// --database).
    Directory {
        #[command(subcommand)]
        command: directory::DirectoryCommand,
    },
    /// Create, list and delete administrators, or set their passwords.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Create, list and revoke API tokens.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Send a file of people to an inbound (API-driven) provisioning job.
    Inbound {
        #[command(subcommand)]
        command: inbound::InboundCommand,
    },
    /// Run the on-premises agent: execute the operations of jobs whose target names it in
    /// `via_agent`, calling out to the server only.
    Agent(agent::AgentArgs),
}

fn main() -> ExitCode {
    let command = Cli::parse().command;
    if !matches!(command, Command::Serve(_) | Command::Agent(_)) {
        // A command whose output pipe closes (`provisio logs | head`) ends
        // there, as Unix tools do, instead of panicking in `println!`. Not
        // `serve` and `agent`, which run for long and must outlive one.
        #[cfg(unix)]
        sigpipe::reset();
    }
    match command {
        Command::Serve(args) => match serve::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Expr(command) => expr::run(command),
        Command::Job { command } => job::run(command),
        Command::Plan(args) => plan::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Directory { command } => directory::run(command),
        Command::Admin { command } => admin::run(command),
        Command::Token { command } => token::run(command),
        Command::Inbound { command } => inbound::run(command),
        Command::Agent(args) => agent::run_agent(args),
    }
}
