//! The `provisio` command: `serve` runs the server, `expr` evaluates,
//! checks and prints mapping expressions from the command line.

mod expr;
mod serve;

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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => match serve::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Expr(command) => expr::run(command),
    }
}
