//! Escrow: what happens to an object whose export failed. Retryable failures
//! (throttling, timeouts, 5xx) are retried in later cycles with exponential
//! back-off, never sooner than the target's `Retry-After`; permanent failures
//! (a 400-class rejection, a 409 that matching could not resolve, a stale
//! link) are logged and retried only once the source object changes.
//!
//! Entra (reference §5, "Errors, escrows and retries") escrows a failed
//! object and retries it in later cycles; its log says "automatically
//! retried in 40 minutes" (its fixed cycle interval) for server errors and
//! timeouts, and retries TooManyRequests too. Provisio cycles run far more
//! often, so the defaults start at one minute and double up to Entra's 40
//! minutes: a failing object is never retried less often than Entra would.
//! Entra never gives up on an escrow by itself (only 28 days of quarantine
//! drop them, §6), hence [`EscrowOptions::max_attempts`] defaults to `None`.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use provisio_connectors::ConnectorError;

/// A connector failure, reduced to what escrow and quarantine act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// HTTP 401/403: the whole job is quarantined at once.
    InvalidCredentials,
    /// The target cannot be provisioned this way: quarantined at once.
    Incompatible,
    /// HTTP 404 on a linked object (InvalidAnchor): the link is stale.
    NotFound,
    /// HTTP 409 that matching could not resolve (EntryConflict).
    Conflict,
    /// HTTP 429/503, with the target's `Retry-After` when it sent one.
    Throttled { retry_after: Option<Duration> },
    /// A timeout, a connection failure or a 5xx.
    Transient,
    /// Another 4xx (or a request that could not be built, as 400).
    Rejected { status: u16 },
}

/// What the cycle does with a failed object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Escrow it and retry after a back-off.
    Retry,
    /// Log it; retry only when the source object changes.
    Permanent,
    /// The job is quarantined; the object is retried when the job runs again.
    Quarantine,
}

impl FailureClass {
    pub fn disposition(self) -> Disposition {
        match self {
            FailureClass::InvalidCredentials | FailureClass::Incompatible => Disposition::Quarantine,
            FailureClass::Throttled { .. } | FailureClass::Transient => Disposition::Retry,
            FailureClass::NotFound | FailureClass::Conflict | FailureClass::Rejected { .. } => Disposition::Permanent,
        }
    }
}

impl From<&ConnectorError> for FailureClass {
    fn from(error: &ConnectorError) -> Self {
        match error {
            ConnectorError::InvalidCredentials { .. } => FailureClass::InvalidCredentials,
            ConnectorError::Incompatible { .. } => FailureClass::Incompatible,
            ConnectorError::NotFound { .. } => FailureClass::NotFound,
            ConnectorError::Conflict { .. } => FailureClass::Conflict,
            ConnectorError::Throttled { retry_after } => FailureClass::Throttled {
                retry_after: *retry_after,
            },
            ConnectorError::Transient { .. } => FailureClass::Transient,
            ConnectorError::Rejected { status, .. } => FailureClass::Rejected { status: *status },
            // The job's definition produced a request the target cannot be
            // sent: as permanent as a 400, and fixed by changing the source
            // or the mappings.
            ConnectorError::Invalid { .. } => FailureClass::Rejected { status: 400 },
        }
    }
}

/// How escrowed objects back off. The delay before attempt `n + 1` after
/// `n` failed attempts is `base × factor^(n − 1)`, at most `max_delay`, and
/// never less than a `Retry-After` (itself at most `max_retry_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscrowOptions {
    pub base: TimeDelta,
    pub factor: u32,
    pub max_delay: TimeDelta,
    /// The longest `Retry-After` obeyed, so a target cannot park an object
    /// for months.
    pub max_retry_after: TimeDelta,
    /// Stop retrying (until the source changes) after this many failed
    /// attempts; `None` retries for as long as the job runs, as Entra does.
    pub max_attempts: Option<u32>,
}

impl Default for EscrowOptions {
    fn default() -> Self {
        EscrowOptions {
            base: TimeDelta::minutes(1),
            factor: 2,
            // Entra's fixed cycle interval (reference §5).
            max_delay: TimeDelta::minutes(40),
            // Entra's quarantine retries daily (reference §6).
            max_retry_after: TimeDelta::hours(24),
            max_attempts: None,
        }
    }
}

/// The escrow rules with their options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Escrow {
    pub options: EscrowOptions,
}

impl Escrow {
    pub fn new(options: EscrowOptions) -> Self {
        Escrow { options }
    }

    /// The back-off after `attempts` failed attempts (1 for the first
    /// failure): `base × factor^(attempts − 1)`, capped at `max_delay`.
    pub fn backoff(&self, attempts: u32) -> TimeDelta {
        let o = &self.options;
        let factor = i32::try_from(o.factor).unwrap_or(i32::MAX);
        let mut delay = o.base;
        for _ in 1..attempts {
            // Stops within a few dozen rounds for any factor above one.
            if delay >= o.max_delay || factor <= 1 || delay <= TimeDelta::zero() {
                break;
            }
            delay = delay.checked_mul(factor).unwrap_or(o.max_delay);
        }
        delay.min(o.max_delay)
    }

    /// When an object that has now failed `attempts` times (this failure
    /// included) may be tried again, or `None` for a permanent failure,
    /// which waits for its source object to change.
    pub fn next_attempt(&self, attempts: u32, class: FailureClass, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if class.disposition() == Disposition::Permanent {
            return None;
        }
        let mut delay = self.backoff(attempts);
        if let FailureClass::Throttled {
            retry_after: Some(retry_after),
        } = class
        {
            let asked = TimeDelta::from_std(retry_after).unwrap_or(self.options.max_retry_after);
            delay = delay.max(asked.min(self.options.max_retry_after));
        }
        Some(now.checked_add_signed(delay).unwrap_or(DateTime::<Utc>::MAX_UTC))
    }

    /// Whether an escrowed object is tried in the cycle running at `now`.
    /// A changed source object is always tried afresh (its failure may be
    /// gone, permanent or not); otherwise the object must be due
    /// (`next_attempt_at` reached; `None` means permanent) and within
    /// `max_attempts`.
    pub fn should_retry(
        &self,
        attempts: u32,
        next_attempt_at: Option<DateTime<Utc>>,
        source_changed_since_failure: bool,
        now: DateTime<Utc>,
    ) -> bool {
        if source_changed_since_failure {
            return true;
        }
        let within_attempts = self.options.max_attempts.is_none_or(|max| attempts < max);
        within_attempts && next_attempt_at.is_some_and(|at| at <= now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, 9, 0, 0).unwrap()
    }

    fn mins(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    fn throttled(secs: u64) -> FailureClass {
        FailureClass::Throttled {
            retry_after: Some(Duration::from_secs(secs)),
        }
    }

    fn class_of(error: ConnectorError) -> (FailureClass, Disposition) {
        let class = FailureClass::from(&error);
        (class, class.disposition())
    }

    #[test]
    fn connector_errors_are_classified() {
        use Disposition::*;
        let text = |s: &str| s.to_string();
        let cases = [
            (
                ConnectorError::InvalidCredentials { status: 401 },
                FailureClass::InvalidCredentials,
                Quarantine,
            ),
            (
                ConnectorError::Incompatible {
                    detail: text("no PATCH"),
                },
                FailureClass::Incompatible,
                Quarantine,
            ),
            (
                ConnectorError::NotFound { detail: text("gone") },
                FailureClass::NotFound,
                Permanent,
            ),
            (
                ConnectorError::Conflict {
                    scim_type: Some(text("uniqueness")),
                    detail: text("taken"),
                },
                FailureClass::Conflict,
                Permanent,
            ),
            (
                ConnectorError::Throttled {
                    retry_after: Some(Duration::from_secs(7)),
                },
                throttled(7),
                Retry,
            ),
            (
                ConnectorError::Throttled { retry_after: None },
                FailureClass::Throttled { retry_after: None },
                Retry,
            ),
            (
                ConnectorError::Transient {
                    detail: text("timeout"),
                },
                FailureClass::Transient,
                Retry,
            ),
            (
                ConnectorError::Rejected {
                    status: 400,
                    scim_type: Some(text("invalidValue")),
                    detail: text("bad"),
                },
                FailureClass::Rejected { status: 400 },
                Permanent,
            ),
            (
                ConnectorError::Invalid {
                    detail: text("bad url"),
                },
                FailureClass::Rejected { status: 400 },
                Permanent,
            ),
        ];
        for (error, class, disposition) in cases {
            // The connector's own view agrees with ours.
            assert_eq!(error.is_retryable(), disposition == Retry, "{error}");
            assert_eq!(error.quarantines(), disposition == Quarantine, "{error}");
            assert_eq!(class_of(error), (class, disposition));
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let escrow = Escrow::default();
        let delays: Vec<i64> = (1..=9).map(|n| escrow.backoff(n).num_minutes()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 40, 40, 40]);
        // Absurd attempt counts neither overflow nor take long.
        assert_eq!(escrow.backoff(u32::MAX), mins(40));
        assert_eq!(escrow.backoff(0), mins(1));
    }

    #[test]
    fn backoff_with_a_factor_of_one_is_constant() {
        let escrow = Escrow::new(EscrowOptions {
            factor: 1,
            ..EscrowOptions::default()
        });
        assert_eq!(escrow.backoff(10), mins(1));
    }

    #[test]
    fn next_attempt_backs_off_for_retryable_failures() {
        let escrow = Escrow::default();
        assert_eq!(
            escrow.next_attempt(1, FailureClass::Transient, t0()),
            Some(t0() + mins(1))
        );
        assert_eq!(
            escrow.next_attempt(3, FailureClass::Transient, t0()),
            Some(t0() + mins(4))
        );
        assert_eq!(
            escrow.next_attempt(20, FailureClass::Transient, t0()),
            Some(t0() + mins(40))
        );
        // Credential failures are retried once the job runs again.
        assert_eq!(
            escrow.next_attempt(1, FailureClass::InvalidCredentials, t0()),
            Some(t0() + mins(1))
        );
    }

    #[test]
    fn permanent_failures_have_no_next_attempt() {
        let escrow = Escrow::default();
        for class in [
            FailureClass::Conflict,
            FailureClass::NotFound,
            FailureClass::Rejected { status: 400 },
            FailureClass::Rejected { status: 422 },
        ] {
            assert_eq!(escrow.next_attempt(1, class, t0()), None, "{class:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let escrow = Escrow::default();
        // Longer than the back-off: the target's wish wins.
        assert_eq!(escrow.next_attempt(1, throttled(300), t0()), Some(t0() + mins(5)));
        // Longer than max_delay is still honoured...
        assert_eq!(
            escrow.next_attempt(1, throttled(3 * 3600), t0()),
            Some(t0() + TimeDelta::hours(3))
        );
        // ...up to max_retry_after, exactly at and just above it.
        assert_eq!(
            escrow.next_attempt(1, throttled(24 * 3600), t0()),
            Some(t0() + TimeDelta::hours(24))
        );
        assert_eq!(
            escrow.next_attempt(1, throttled(24 * 3600 + 1), t0()),
            Some(t0() + TimeDelta::hours(24))
        );
        assert_eq!(
            escrow.next_attempt(1, throttled(u64::MAX), t0()),
            Some(t0() + TimeDelta::hours(24))
        );
        // Shorter than the back-off: the back-off wins.
        assert_eq!(escrow.next_attempt(4, throttled(10), t0()), Some(t0() + mins(8)));
        // No Retry-After: plain back-off.
        assert_eq!(
            escrow.next_attempt(2, FailureClass::Throttled { retry_after: None }, t0()),
            Some(t0() + mins(2))
        );
    }

    #[test]
    fn should_retry_when_due() {
        let escrow = Escrow::default();
        let due = t0() + mins(4);
        assert!(!escrow.should_retry(3, Some(due), false, due - TimeDelta::seconds(1)));
        assert!(escrow.should_retry(3, Some(due), false, due));
        assert!(escrow.should_retry(3, Some(due), false, due + TimeDelta::seconds(1)));
    }

    #[test]
    fn permanent_failures_wait_for_a_source_change() {
        let escrow = Escrow::default();
        let later = t0() + TimeDelta::days(365);
        assert!(!escrow.should_retry(1, None, false, later));
        assert!(escrow.should_retry(1, None, true, t0()));
        // A change also short-cuts the back-off of a retryable failure.
        assert!(escrow.should_retry(1, Some(later), true, t0()));
    }

    #[test]
    fn max_attempts_gives_up_until_the_source_changes() {
        let escrow = Escrow::new(EscrowOptions {
            max_attempts: Some(3),
            ..EscrowOptions::default()
        });
        assert!(escrow.should_retry(2, Some(t0()), false, t0()));
        assert!(!escrow.should_retry(3, Some(t0()), false, t0()));
        assert!(!escrow.should_retry(4, Some(t0()), false, t0()));
        assert!(escrow.should_retry(3, Some(t0()), true, t0()));
        // Default: no limit.
        assert!(Escrow::default().should_retry(u32::MAX, Some(t0()), false, t0()));
    }
}
