//! `provisio job reset NAME --scope escrows|quarantine|full`: as the admin
//! API's `POST /api/v1/jobs/{id}/reset`, through a running server or on the
//! database; says what the reset did.

use clap::{Args, ValueEnum};
use provisio_api::jobs::reset::{ResetReport, ResetRequest, ResetScope, reset_path};
use provisio_server::cycle::run::CycleError;

use super::JobName;
use super::lifecycle::jobs;
use crate::admin::Stop;
use crate::via::{self, Backend};

#[derive(Debug, Args)]
pub struct ResetArgs {
    #[command(flatten)]
    job: JobName,
    /// escrows: retry every escrowed object in the next cycle; quarantine: lift the quarantine (or the
    /// disabling after 28 days); full: restart the job and forget its links, so every object is matched
    /// again.
    #[arg(long, value_enum)]
    scope: Scope,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scope {
    Escrows,
    Quarantine,
    Full,
}

impl From<Scope> for ResetScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Escrows => ResetScope::Escrows,
            Scope::Quarantine => ResetScope::Quarantine,
            Scope::Full => ResetScope::Full,
        }
    }
}

pub fn run(args: ResetArgs) -> std::process::ExitCode {
    let scope = ResetScope::from(args.scope);
    let name = args.job.name.clone();
    via::run(&args.job.via, |backend| async move {
        let report: ResetReport = match backend {
            Backend::Server(remote) => remote.post(&reset_path(&name), &ResetRequest { scope }).await?,
            Backend::Database(store) => provisio_server::cycle::reset::reset(&store, &jobs(&store)?, &name, scope)
                .await
                .map_err(cycle_error)?,
        };
        Ok(format!("reset job {name} ({}): {}\n", scope.as_str(), report.message))
    })
}

/// An unknown job or a busy one is the caller's to fix (exit 2).
fn cycle_error(error: CycleError) -> Stop {
    match error {
        CycleError::Job(e) => super::lifecycle::job_error(e),
        CycleError::Busy(_) => Stop::Input(format!("error: {error}")),
        other => Stop::Failed(format!("error: {other}")),
    }
}
