//! How long provisioning log entries are kept (30 days by default, as
//! Entra keeps them); the server prunes older ones hourly
//! (the server's `maintenance` module).

use chrono::TimeDelta;

/// How long entries are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRetention(pub TimeDelta);

impl LogRetention {
    /// 30 days.
    pub const DEFAULT: LogRetention = LogRetention(TimeDelta::days(30));

    /// Kept for `days` days (at least one).
    pub fn days(days: u32) -> LogRetention {
        LogRetention(TimeDelta::days(i64::from(days.max(1))))
    }
}

impl Default for LogRetention {
    fn default() -> Self {
        LogRetention::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_defaults_to_thirty_days() {
        assert_eq!(LogRetention::default().0.num_days(), 30);
        assert_eq!(LogRetention::days(7).0.num_days(), 7);
        assert_eq!(LogRetention::days(0).0.num_days(), 1);
    }
}
