//! Quarantine: a job whose target keeps failing stops hammering it. Entra's
//! rules (reference §6) are the defaults of [`QuarantineOptions`]:
//!
//! - invalid credentials or an incompatible target quarantine at once,
//!   whatever the counts (`EncounteredQuarantineException`);
//! - otherwise, once a cycle has at least 5,000 failures, a failure rate
//!   above 40 % or more than 40,000 failures quarantine, reference failures
//!   (manager, members) excluded from both; and more than 60,000 failures,
//!   references included, quarantine in any case
//!   (`EncounteredEscrowProportionThreshold`);
//! - a quarantined job is retried 6, 12 and 24 hours after it entered
//!   quarantine, then every 24 hours; the first good cycle releases it; after
//!   28 days it is disabled (and its escrows dropped by the caller).
//!
//! Where the reference is vague, this module decides, and says so:
//! - the retry times are offsets from the start of quarantine (6 h, 12 h,
//!   24 h, 48 h, 72 h, ...), not gaps between retries; a retry that runs late
//!   is followed by the next offset still ahead, and the last retry falls
//!   exactly on day 28, whose failure disables the job;
//! - the 5,000-failure minimum counts failures without references, like the
//!   rate and the 40,000 rule; the 60,000 cap stands on its own;
//! - the failure rate is `failed / (failed + exported)` of one cycle (Entra
//!   evaluates its escrows; a Provisio cycle retries every due escrow, so the
//!   cycle's counts stand for them);
//! - a "good" cycle is one that would not itself quarantine the job;
//! - the accidental-deletion threshold, which Entra also handles by
//!   quarantine, is not a quarantine here: staged deletes wait for approval
//!   (see [`super::deletion_guard`]), since retrying cannot resolve them.

use std::mem;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Quarantine thresholds and schedule. Every number can be changed so tests
/// can quarantine a job with a handful of objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineOptions {
    /// The failure rules are evaluated only from this many failures
    /// (references excluded) in one cycle.
    pub min_failures: u64,
    /// Quarantine when more than this percentage of a cycle's exports
    /// failed (references excluded).
    pub max_failure_percent: u8,
    /// Quarantine when more failures than this (references excluded).
    pub max_failures: u64,
    /// Quarantine when more failures than this, references included.
    pub max_failures_with_references: u64,
    /// Retries at these offsets from the start of quarantine...
    pub retry_schedule: Vec<TimeDelta>,
    /// ...then every this long after the last of them.
    pub retry_every: TimeDelta,
    /// A job still failing this long after entering quarantine is disabled.
    pub disable_after: TimeDelta,
}

impl Default for QuarantineOptions {
    fn default() -> Self {
        QuarantineOptions {
            min_failures: 5_000,
            max_failure_percent: 40,
            max_failures: 40_000,
            max_failures_with_references: 60_000,
            retry_schedule: vec![TimeDelta::hours(6), TimeDelta::hours(12), TimeDelta::hours(24)],
            retry_every: TimeDelta::hours(24),
            disable_after: TimeDelta::days(28),
        }
    }
}

/// What a finished cycle reports to the quarantine rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleOutcome {
    /// Objects exported successfully (created, updated, disabled, deleted).
    pub exported: u64,
    /// Objects whose export failed, references excluded.
    pub failed: u64,
    /// Failed reference updates (manager, group members).
    pub failed_references: u64,
    /// The HTTP status of a credential refusal (401, 403), if any.
    pub credential_failure: Option<u16>,
    /// Why the target is not compatible, if it is not.
    pub incompatible: Option<String>,
}

/// Why a job is quarantined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuarantineReason {
    InvalidCredentials {
        status: u16,
    },
    Incompatible {
        detail: String,
    },
    FailureThreshold {
        failed: u64,
        failed_references: u64,
        exported: u64,
    },
}

impl QuarantineReason {
    /// Entra's status code for this reason (Graph synchronization job status).
    pub fn code(&self) -> &'static str {
        match self {
            QuarantineReason::InvalidCredentials { .. } | QuarantineReason::Incompatible { .. } => {
                "EncounteredQuarantineException"
            }
            QuarantineReason::FailureThreshold { .. } => "EncounteredEscrowProportionThreshold",
        }
    }

    /// The reason in plain words, with what to do, for the job's status.
    pub fn explanation(&self) -> String {
        match self {
            QuarantineReason::InvalidCredentials { status } => format!(
                "The application rejected the credentials (HTTP {status}); correct them on the job's Connection \
                 tab, with `provisio job apply` or with PUT /api/v1/jobs/{{id}}: the job then tries again at once."
            ),
            QuarantineReason::Incompatible { detail } => format!(
                "The application does not behave as a SCIM service should ({detail}); correct its address on the \
                 job's Connection tab, with `provisio job apply` or with PUT /api/v1/jobs/{{id}}, or make it \
                 SCIM-compliant and run `provisio job restart`: a new connection is tried at once."
            ),
            QuarantineReason::FailureThreshold {
                failed,
                failed_references,
                exported,
            } => {
                let references = if *failed_references > 0 {
                    format!(" and {failed_references} manager or member updates")
                } else {
                    String::new()
                };
                format!(
                    "Too many changes failed in the last cycle ({failed} of {} objects{references}); the \
                     provisioning logs say why. The job retries on its own and leaves quarantine after the \
                     first good cycle.",
                    failed.saturating_add(*exported)
                )
            }
        }
    }
}

/// A quarantined job's memory between cycles. No state means not quarantined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineState {
    /// When the job entered quarantine; the retry schedule counts from here.
    pub since: DateTime<Utc>,
    /// The latest reason (updated by each failed retry).
    pub reason: QuarantineReason,
    /// Retries so far (0 on entry).
    pub attempts: u32,
    /// The job runs again no sooner than this.
    pub next_retry_at: DateTime<Utc>,
}

/// What a cycle's outcome means for the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not quarantined before, and not now.
    Healthy,
    /// The job enters quarantine (notify the administrator).
    Quarantined {
        reason: QuarantineReason,
        next_retry_at: DateTime<Utc>,
    },
    /// A retry failed; `reason_changed` says the cause is a different one
    /// now (Entra sends an updated notification).
    StillQuarantined {
        reason: QuarantineReason,
        next_retry_at: DateTime<Utc>,
        reason_changed: bool,
    },
    /// The first good cycle ends quarantine.
    Released,
    /// Still failing after `disable_after` in quarantine: disable the job and
    /// drop its escrows.
    Disabled {
        reason: QuarantineReason,
        since: DateTime<Utc>,
    },
}

/// A verdict and the quarantine state to keep for the next cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub verdict: Verdict,
    pub state: Option<QuarantineState>,
}

/// Whether this cycle's outcome is a reason to quarantine the job.
pub fn cause(outcome: &CycleOutcome, options: &QuarantineOptions) -> Option<QuarantineReason> {
    if let Some(status) = outcome.credential_failure {
        return Some(QuarantineReason::InvalidCredentials { status });
    }
    if let Some(detail) = &outcome.incompatible {
        return Some(QuarantineReason::Incompatible { detail: detail.clone() });
    }
    let failed = u128::from(outcome.failed);
    let attempted = failed + u128::from(outcome.exported);
    let with_references = failed + u128::from(outcome.failed_references);
    let evaluated = outcome.failed >= options.min_failures;
    let share_exceeded = failed * 100 > u128::from(options.max_failure_percent) * attempted;
    let exceeded = (evaluated && (share_exceeded || outcome.failed > options.max_failures))
        || with_references > u128::from(options.max_failures_with_references);
    exceeded.then_some(QuarantineReason::FailureThreshold {
        failed: outcome.failed,
        failed_references: outcome.failed_references,
        exported: outcome.exported,
    })
}

/// Applies a finished cycle's outcome to the job's quarantine state.
pub fn after_cycle(
    state: Option<&QuarantineState>,
    outcome: &CycleOutcome,
    now: DateTime<Utc>,
    options: &QuarantineOptions,
) -> Transition {
    let (verdict, state) = match (state, cause(outcome, options)) {
        (None, None) => (Verdict::Healthy, None),
        (Some(_), None) => (Verdict::Released, None),
        (None, Some(reason)) => {
            let next_retry_at = next_retry(now, now, options);
            let state = QuarantineState {
                since: now,
                reason: reason.clone(),
                attempts: 0,
                next_retry_at,
            };
            (Verdict::Quarantined { reason, next_retry_at }, Some(state))
        }
        (Some(previous), Some(reason)) => {
            if now.signed_duration_since(previous.since) >= options.disable_after {
                (
                    Verdict::Disabled {
                        reason,
                        since: previous.since,
                    },
                    None,
                )
            } else {
                let next_retry_at = next_retry(previous.since, now, options);
                let reason_changed = mem::discriminant(&reason) != mem::discriminant(&previous.reason);
                let state = QuarantineState {
                    since: previous.since,
                    reason: reason.clone(),
                    attempts: previous.attempts.saturating_add(1),
                    next_retry_at,
                };
                (
                    Verdict::StillQuarantined {
                        reason,
                        next_retry_at,
                        reason_changed,
                    },
                    Some(state),
                )
            }
        }
    };
    Transition { verdict, state }
}

/// Whether the job may start a cycle at `now`: always when not quarantined,
/// otherwise once its next retry is due.
pub fn may_run(state: Option<&QuarantineState>, now: DateTime<Utc>) -> bool {
    state.is_none_or(|s| now >= s.next_retry_at)
}

/// Whether a quarantine the target's refusal caused (credentials, an
/// incompatible target) is retried at once because the job's connection
/// (target or secrets) changed after the last attempt: waiting hours for
/// the schedule would only delay a fix the administrator has made. A
/// quarantine for failures is not: a new connection does not explain them.
pub fn retry_at_once(
    state: &QuarantineState,
    connection_changed_at: Option<DateTime<Utc>>,
    last_attempt: Option<DateTime<Utc>>,
) -> bool {
    let refused = matches!(
        state.reason,
        QuarantineReason::InvalidCredentials { .. } | QuarantineReason::Incompatible { .. }
    );
    let attempted = last_attempt.map_or(state.since, |last| last.max(state.since));
    refused && connection_changed_at.is_some_and(|changed| changed > attempted)
}

/// The first retry time strictly after `now` for a quarantine that started
/// at `since`, never later than the end of quarantine.
pub fn next_retry(since: DateTime<Utc>, now: DateTime<Utc>, options: &QuarantineOptions) -> DateTime<Utc> {
    let elapsed = now.signed_duration_since(since);
    let offset = options
        .retry_schedule
        .iter()
        .copied()
        .find(|offset| *offset > elapsed)
        .unwrap_or_else(|| {
            let last = options.retry_schedule.iter().copied().max().unwrap_or_default();
            let every = options.retry_every.num_seconds();
            if every <= 0 {
                return options.disable_after;
            }
            let periods = (elapsed - last).num_seconds().div_euclid(every).saturating_add(1);
            periods
                .checked_mul(every)
                .and_then(TimeDelta::try_seconds)
                .and_then(|d| last.checked_add(&d))
                .unwrap_or(options.disable_after)
        })
        .min(options.disable_after);
    since.checked_add_signed(offset).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, 9, 0, 0).unwrap()
    }

    fn h(hours: i64) -> DateTime<Utc> {
        t0() + TimeDelta::hours(hours)
    }

    fn counts(exported: u64, failed: u64, failed_references: u64) -> CycleOutcome {
        CycleOutcome {
            exported,
            failed,
            failed_references,
            ..CycleOutcome::default()
        }
    }

    fn quarantines(outcome: CycleOutcome, options: &QuarantineOptions) -> bool {
        cause(&outcome, options).is_some()
    }

    fn small() -> QuarantineOptions {
        QuarantineOptions {
            min_failures: 5,
            max_failure_percent: 40,
            max_failures: 40,
            max_failures_with_references: 60,
            ..QuarantineOptions::default()
        }
    }

    fn bad_credentials() -> CycleOutcome {
        CycleOutcome {
            credential_failure: Some(401),
            ..CycleOutcome::default()
        }
    }

    fn good() -> CycleOutcome {
        counts(10, 0, 0)
    }

    #[test]
    fn entra_worked_cases() {
        let entra = QuarantineOptions::default();
        // (exported, failed, failed references, quarantine?) from reference §6.
        let cases = [
            (0, 4_000, 0, false),
            (0, 45_000, 0, true),
            (5_000, 30_000, 0, true),
            (100_000, 20_000, 0, false),
            (1_000_000, 40_000, 21_000, true),
        ];
        for (exported, failed, refs, expected) in cases {
            assert_eq!(
                quarantines(counts(exported, failed, refs), &entra),
                expected,
                "{exported} exported, {failed} failed, {refs} references"
            );
        }
    }

    #[test]
    fn failure_rules_at_their_boundaries() {
        let o = small();
        let cases = [
            // Minimum failures before evaluation: 4 below, 5 at.
            (0, 4, 0, false),
            (0, 5, 0, true),
            // Share strictly above 40 %: 5 of 12 (41.7 %) yes, 5 of 13 (38.5 %) no, 8 of 20 (exactly 40 %) no.
            (7, 5, 0, true),
            (8, 5, 0, false),
            (12, 8, 0, false),
            (11, 8, 0, true),
            // Count strictly above 40, whatever the successes.
            (1_000, 40, 0, false),
            (1_000, 41, 0, true),
            // References count only towards the cap of 60, strictly above.
            (1_000, 40, 20, false),
            (1_000, 40, 21, true),
            (0, 4, 56, false),
            (0, 0, 61, true),
            // Nothing failed, nothing done.
            (0, 0, 0, false),
        ];
        for (exported, failed, refs, expected) in cases {
            assert_eq!(
                quarantines(counts(exported, failed, refs), &o),
                expected,
                "{exported} exported, {failed} failed, {refs} references"
            );
        }
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        assert!(quarantines(
            counts(u64::MAX, u64::MAX, u64::MAX),
            &QuarantineOptions::default()
        ));
    }

    #[test]
    fn credentials_and_incompatibility_quarantine_at_once() {
        let o = QuarantineOptions::default();
        let outcome = CycleOutcome {
            credential_failure: Some(403),
            ..counts(1_000, 0, 0)
        };
        assert_eq!(
            cause(&outcome, &o),
            Some(QuarantineReason::InvalidCredentials { status: 403 })
        );
        let outcome = CycleOutcome {
            incompatible: Some("HTTP 501 on PATCH".into()),
            ..counts(1_000, 1, 0)
        };
        assert_eq!(
            cause(&outcome, &o),
            Some(QuarantineReason::Incompatible {
                detail: "HTTP 501 on PATCH".into()
            })
        );
    }

    #[test]
    fn healthy_stays_healthy() {
        let step = after_cycle(None, &good(), t0(), &small());
        assert_eq!(step.verdict, Verdict::Healthy);
        assert_eq!(step.state, None);
        assert!(may_run(None, t0()));
    }

    #[test]
    fn entering_quarantine_waits_six_hours() {
        let step = after_cycle(None, &bad_credentials(), t0(), &small());
        let reason = QuarantineReason::InvalidCredentials { status: 401 };
        assert_eq!(
            step.verdict,
            Verdict::Quarantined {
                reason: reason.clone(),
                next_retry_at: h(6)
            }
        );
        let state = step.state.unwrap();
        assert_eq!((state.since, state.attempts, state.next_retry_at), (t0(), 0, h(6)));
        assert!(!may_run(Some(&state), h(6) - TimeDelta::seconds(1)));
        assert!(may_run(Some(&state), h(6)));
    }

    #[test]
    fn retries_follow_6_12_24_hours_then_daily_until_day_28() {
        let o = QuarantineOptions::default();
        let mut state = after_cycle(None, &bad_credentials(), t0(), &o).state.unwrap();
        let mut retries = vec![state.next_retry_at];
        loop {
            let step = after_cycle(Some(&state), &bad_credentials(), state.next_retry_at, &o);
            match (step.verdict, step.state) {
                (Verdict::StillQuarantined { next_retry_at, .. }, Some(next)) => {
                    assert_eq!(next.next_retry_at, next_retry_at);
                    assert_eq!(next.attempts, state.attempts + 1);
                    retries.push(next_retry_at);
                    state = next;
                }
                (Verdict::Disabled { since, .. }, None) => {
                    assert_eq!(since, t0());
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let mut expected = vec![h(6), h(12), h(24)];
        expected.extend((2..=28).map(|day| h(24 * day)));
        assert_eq!(retries, expected);
        assert_eq!(state.attempts, 29);
    }

    #[test]
    fn a_late_retry_is_followed_by_the_next_time_ahead() {
        let o = QuarantineOptions::default();
        assert_eq!(next_retry(t0(), t0(), &o), h(6));
        assert_eq!(next_retry(t0(), h(6) - TimeDelta::seconds(1), &o), h(6));
        assert_eq!(next_retry(t0(), h(7), &o), h(12));
        assert_eq!(next_retry(t0(), h(30), &o), h(48));
        assert_eq!(next_retry(t0(), h(48), &o), h(72));
        assert_eq!(next_retry(t0(), h(24 * 27 + 1), &o), h(24 * 28));
        // Never beyond the end of quarantine.
        assert_eq!(next_retry(t0(), h(24 * 40), &o), h(24 * 28));
    }

    #[test]
    fn disabled_at_28_days_not_before() {
        let o = QuarantineOptions::default();
        let state = QuarantineState {
            since: t0(),
            reason: QuarantineReason::InvalidCredentials { status: 401 },
            attempts: 28,
            next_retry_at: h(24 * 28),
        };
        let just_before = h(24 * 28) - TimeDelta::seconds(1);
        let step = after_cycle(Some(&state), &bad_credentials(), just_before, &o);
        assert!(matches!(step.verdict, Verdict::StillQuarantined { next_retry_at, .. } if next_retry_at == h(24 * 28)));
        let step = after_cycle(Some(&state), &bad_credentials(), h(24 * 28), &o);
        assert!(matches!(step.verdict, Verdict::Disabled { .. }));
        assert_eq!(step.state, None);
        // A good cycle on the last day still releases the job.
        let step = after_cycle(Some(&state), &good(), h(24 * 28), &o);
        assert_eq!(step.verdict, Verdict::Released);
    }

    #[test]
    fn first_good_cycle_releases() {
        let o = small();
        let state = after_cycle(None, &counts(0, 5, 0), t0(), &o).state.unwrap();
        // Still failing too much: still quarantined.
        let step = after_cycle(Some(&state), &counts(1, 5, 0), h(6), &o);
        assert!(matches!(
            step.verdict,
            Verdict::StillQuarantined {
                reason_changed: false,
                ..
            }
        ));
        // Failures below the threshold count as a good cycle.
        let step = after_cycle(Some(&state), &counts(8, 5, 0), h(6), &o);
        assert_eq!(step.verdict, Verdict::Released);
        assert_eq!(step.state, None);
        assert!(may_run(step.state.as_ref(), h(6)));
    }

    #[test]
    fn a_new_reason_is_flagged_and_kept() {
        let o = small();
        let state = after_cycle(None, &counts(0, 5, 0), t0(), &o).state.unwrap();
        let step = after_cycle(Some(&state), &bad_credentials(), h(6), &o);
        assert!(matches!(
            step.verdict,
            Verdict::StillQuarantined {
                reason: QuarantineReason::InvalidCredentials { status: 401 },
                reason_changed: true,
                ..
            }
        ));
        let next = step.state.unwrap();
        assert_eq!(next.since, t0());
        assert_eq!(next.reason, QuarantineReason::InvalidCredentials { status: 401 });
    }

    #[test]
    fn small_schedules_for_tests() {
        let o = QuarantineOptions {
            retry_schedule: vec![TimeDelta::seconds(1)],
            retry_every: TimeDelta::seconds(2),
            disable_after: TimeDelta::seconds(4),
            ..small()
        };
        let s = |n| t0() + TimeDelta::seconds(n);
        let times: Vec<_> = (0..6).map(|n| next_retry(t0(), s(n), &o)).collect();
        assert_eq!(times, [s(1), s(3), s(3), s(4), s(4), s(4)]);
        // No schedule and no period: one retry at the end.
        let o = QuarantineOptions {
            retry_schedule: vec![],
            retry_every: TimeDelta::zero(),
            ..o
        };
        assert_eq!(next_retry(t0(), t0(), &o), s(4));
    }

    #[test]
    fn explanations_are_plain_words() {
        assert_eq!(
            QuarantineReason::InvalidCredentials { status: 401 }.explanation(),
            "The application rejected the credentials (HTTP 401); correct them on the job's Connection tab, with \
             `provisio job apply` or with PUT /api/v1/jobs/{id}: the job then tries again at once."
        );
        let threshold = QuarantineReason::FailureThreshold {
            failed: 30_000,
            failed_references: 12,
            exported: 5_000,
        };
        assert_eq!(
            threshold.explanation(),
            "Too many changes failed in the last cycle (30000 of 35000 objects and 12 manager or member \
             updates); the provisioning logs say why. The job retries on its own and leaves quarantine after \
             the first good cycle."
        );
        assert_eq!(threshold.code(), "EncounteredEscrowProportionThreshold");
        assert!(
            QuarantineReason::Incompatible {
                detail: "HTTP 501 on PATCH".into()
            }
            .explanation()
            .contains("(HTTP 501 on PATCH)")
        );
    }

    #[test]
    fn state_round_trips_as_json() {
        let state = after_cycle(None, &bad_credentials(), t0(), &small()).state.unwrap();
        let json = serde_json::to_string(&state).unwrap();
        assert!(json.contains(r#""kind":"invalid_credentials""#), "{json}");
        assert_eq!(serde_json::from_str::<QuarantineState>(&json).unwrap(), state);
    }

    #[test]
    fn a_new_connection_retries_a_refusal_at_once_but_not_failures() {
        let refused = after_cycle(None, &bad_credentials(), t0(), &small()).state.unwrap();
        assert!(!retry_at_once(&refused, None, None), "never changed");
        assert!(
            !retry_at_once(&refused, Some(h(-1)), None),
            "changed before the quarantine"
        );
        assert!(retry_at_once(&refused, Some(h(1)), None));
        assert!(
            retry_at_once(&refused, Some(h(2)), Some(h(1))),
            "changed after the last retry"
        );
        assert!(
            !retry_at_once(&refused, Some(h(1)), Some(h(2))),
            "a retry has tried the new connection already"
        );
        let failing = QuarantineState {
            reason: QuarantineReason::FailureThreshold {
                failed: 9,
                failed_references: 0,
                exported: 1,
            },
            ..refused
        };
        assert!(!retry_at_once(&failing, Some(h(1)), None));
    }
}
