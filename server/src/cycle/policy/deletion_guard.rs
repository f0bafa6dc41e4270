//! Accidental-deletion prevention for a cycle that streams its objects.
//! Entra (reference §6) counts every user or group a cycle would disable or
//! delete, disables and deletes together, per cycle, and holds them all back
//! when the count *exceeds* the threshold (so a threshold of 500 lets 500
//! through and stages 501). The engine's `plan_cycle`
//! (`provisio_engine::plan::cycle`) applies exactly this rule to a planned
//! cycle; this module applies the same rule to a cycle that decides object
//! by object, where the total is known only at the end: the cycle holds its
//! disables and deletes as staged deletes (durably, so a crash loses none),
//! and once the count is final carries them out or leaves them waiting for
//! approval (`crate::cycle::run`).
//!
//! ```
//! use provisio_server::cycle::policy::deletion_guard::{guard, Guard};
//!
//! assert_eq!(guard(2, 0, Some(2), false), Guard::Proceed);
//! assert_eq!(guard(2, 1, Some(2), false), Guard::Stage { count: 3, threshold: 2 });
//! ```

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
}
