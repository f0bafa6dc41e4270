//! Accidental-deletion prevention for a cycle that streams its objects.
//! Entra (reference §6) counts every user or group a cycle would disable or
//! delete, disables and deletes together, per cycle, and holds them all back
//! when the count *exceeds* the threshold (so a threshold of 500 lets 500
//! through and stages 501). The engine's `plan_cycle`
//! (`provisio_engine::plan::cycle`) applies exactly this rule to a planned
//! cycle; this module applies the same rule to a cycle that decides object
//! by object, where the total is known only at the end: the cycle defers its
//! disables and deletes, counts them with a [`DeletionCounter`], and applies
//! or stages them once the count is final.
//!
//! ```
//! use provisio_server::cycle::policy::deletion_guard::{DeletionCounter, Guard};
//!
//! let mut counter = DeletionCounter::new(Some(2), false);
//! assert!(!counter.record());
//! assert!(!counter.record());
//! assert!(counter.record()); // the third crosses the threshold of 2
//! assert_eq!(counter.guard(), Guard::Stage { count: 3, threshold: 2 });
//! ```

use provisio_engine::job::JobDefinition;
use provisio_engine::plan::{Action, CycleOptions};

/// What happens to a cycle's disables and deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Carry them out.
    Proceed,
    /// Hold them all as staged deletes and mark the job as waiting for
    /// approval: `count` exceeds `threshold`.
    Stage { count: u64, threshold: u32 },
}

/// The rule for a whole cycle: `disables + deletes` strictly above
/// `threshold` stages them, unless deletes are allowed ("Allow deletes") or
/// the guard is off (`None`).
pub fn guard(disables: u64, deletes: u64, threshold: Option<u32>, allow_deletes: bool) -> Guard {
    let count = disables.saturating_add(deletes);
    match threshold {
        Some(threshold) if !allow_deletes && count > u64::from(threshold) => Guard::Stage { count, threshold },
        _ => Guard::Proceed,
    }
}

/// Counts a streaming cycle's disables and deletes against the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletionCounter {
    threshold: Option<u32>,
    allow_deletes: bool,
    count: u64,
}

impl DeletionCounter {
    pub fn new(threshold: Option<u32>, allow_deletes: bool) -> Self {
        DeletionCounter {
            threshold,
            allow_deletes,
            count: 0,
        }
    }

    /// The counter for a job's cycle, with the engine's cycle options.
    pub fn for_job(job: &JobDefinition, options: CycleOptions) -> Self {
        DeletionCounter::new(job.deletion_threshold, options.allow_deletes)
    }

    /// Counts one disable or delete; true exactly when this one takes the
    /// count over the threshold (from here on, hold them all).
    pub fn record(&mut self) -> bool {
        let was = self.is_exceeded();
        self.count = self.count.saturating_add(1);
        !was && self.is_exceeded()
    }

    /// Counts an engine decision if it disables or deletes; returns what
    /// [`record`](Self::record) returns, false for other actions.
    pub fn record_action(&mut self, action: Action) -> bool {
        matches!(action, Action::Disable | Action::Delete) && self.record()
    }

    /// Disables and deletes counted so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the count so far already exceeds the threshold.
    pub fn is_exceeded(&self) -> bool {
        matches!(self.guard(), Guard::Stage { .. })
    }

    /// The decision for the count so far (final once the cycle has counted
    /// all its objects).
    pub fn guard(&self) -> Guard {
        guard(self.count, 0, self.threshold, self.allow_deletes)
    }
}

#[cfg(test)]
mod tests {
    use provisio_engine::job::DEFAULT_DELETION_THRESHOLD;

    use super::*;

    fn stage(count: u64, threshold: u32) -> Guard {
        Guard::Stage { count, threshold }
    }

    #[test]
    fn threshold_boundaries() {
        let t = Some(DEFAULT_DELETION_THRESHOLD);
        assert_eq!(guard(499, 0, t, false), Guard::Proceed);
        assert_eq!(guard(500, 0, t, false), Guard::Proceed);
        assert_eq!(guard(501, 0, t, false), stage(501, 500));
        assert_eq!(guard(0, 501, t, false), stage(501, 500));
        // Disables and deletes count together.
        assert_eq!(guard(250, 250, t, false), Guard::Proceed);
        assert_eq!(guard(250, 251, t, false), stage(501, 500));
        assert_eq!(guard(0, 0, t, false), Guard::Proceed);
        assert_eq!(guard(u64::MAX, u64::MAX, t, false), stage(u64::MAX, 500));
    }

    #[test]
    fn allow_deletes_and_off_proceed() {
        assert_eq!(guard(10_000, 10_000, Some(500), true), Guard::Proceed);
        assert_eq!(guard(10_000, 10_000, None, false), Guard::Proceed);
        // Entra's testing tip: a threshold of 3.
        assert_eq!(guard(2, 1, Some(3), false), Guard::Proceed);
        assert_eq!(guard(2, 2, Some(3), false), stage(4, 3));
    }

    #[test]
    fn counter_says_when_the_threshold_is_crossed() {
        let mut counter = DeletionCounter::new(Some(3), false);
        let crossed: Vec<bool> = (0..6).map(|_| counter.record()).collect();
        assert_eq!(crossed, [false, false, false, true, false, false]);
        assert_eq!(counter.count(), 6);
        assert!(counter.is_exceeded());
        assert_eq!(counter.guard(), stage(6, 3));
    }

    #[test]
    fn counter_counts_only_disables_and_deletes() {
        let mut counter = DeletionCounter::new(Some(1), false);
        for action in [Action::Create, Action::Update, Action::Skip, Action::StagedDelete] {
            assert!(!counter.record_action(action));
        }
        assert!(!counter.record_action(Action::Disable));
        assert_eq!(counter.guard(), Guard::Proceed);
        assert!(counter.record_action(Action::Delete));
        assert_eq!(counter.guard(), stage(2, 1));
    }

    #[test]
    fn counter_never_crosses_when_allowed_or_off() {
        for mut counter in [DeletionCounter::new(Some(1), true), DeletionCounter::new(None, false)] {
            assert!((0..10).all(|_| !counter.record()));
            assert_eq!(counter.guard(), Guard::Proceed);
        }
    }

    #[test]
    fn counter_takes_the_job_settings() {
        let job: JobDefinition = serde_json::from_value(serde_json::json!({
            "name": "app",
            "target": { "kind": "scim", "base_url": "https://app.example/scim/v2" },
            "objects": []
        }))
        .unwrap();
        let counter = DeletionCounter::for_job(&job, CycleOptions::default());
        assert_eq!(counter, DeletionCounter::new(Some(500), false));
        let counter = DeletionCounter::for_job(&job, CycleOptions { allow_deletes: true });
        assert_eq!(counter, DeletionCounter::new(Some(500), true));
    }
}
