//! The evaluation inputs `expr eval` and `plan` share on the command line —
//! the time, the default domain, the random seed and values already taken in
//! the target — and how a command reports failure.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use clap::Args;
use provisio_engine::expr::EvalContext;
use provisio_engine::random::SeededRandom;

/// The exit code of every failure: bad input, diagnostics, evaluation errors.
pub const FAILED: u8 = 2;

#[derive(Debug, Args)]
pub struct EvalInputs {
    /// The time Now() and date clauses use [default: the system clock].
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// The organisation's default domain, for DefaultDomain().
    #[arg(long, value_name = "DOMAIN")]
    pub default_domain: Option<String>,
    /// Seed for Guid() and RandomString() [default: random].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// A value that already exists in the target (for SelectUniqueValue); repeatable.
    #[arg(long, value_name = "VALUE")]
    pub existing: Vec<String>,
}

impl EvalInputs {
    /// The evaluation context: the system clock and operating-system
    /// randomness unless the flags fix them.
    pub fn context(&self) -> Result<EvalContext<'static>, String> {
        let seed = match self.seed {
            Some(seed) => seed,
            None => provisio_server::random::random_u64().map_err(|e| format!("error: {e}"))?,
        };
        let now = self.now.unwrap_or_else(|| DateTime::<Utc>::from(SystemTime::now()));
        let mut ctx = EvalContext::new(now)
            .with_random(SeededRandom::new(seed))
            .with_existing(self.existing.iter().cloned().collect::<BTreeSet<String>>());
        ctx.default_domain = self.default_domain.clone();
        Ok(ctx)
    }
}

/// Prints a failure's text on stderr (ending in a newline) and gives exit code 2.
pub fn fail(message: &str) -> ExitCode {
    eprint!("{message}");
    if !message.ends_with('\n') {
        eprintln!();
    }
    ExitCode::from(FAILED)
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e} (expected RFC 3339, e.g. 2026-11-26T09:30:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_accepts_rfc3339_with_any_offset() {
        assert_eq!(
            parse_now("2026-11-26T10:30:00+01:00").unwrap().to_rfc3339(),
            "2026-11-26T09:30:00+00:00"
        );
        assert!(parse_now("yesterday").unwrap_err().contains("RFC 3339"));
    }
}
