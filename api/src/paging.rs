//! The page size every listing of the admin API takes (`limit`): 1 to
//! [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.

/// Items per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;
/// The largest page.
pub const MAX_LIMIT: usize = 500;

/// The page size asked for, or why it is out of range.
pub fn checked_limit(limit: Option<usize>) -> Result<usize, String> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        Some(limit) => Err(format!("`limit` must be between 1 and {MAX_LIMIT}, not {limit}")),
    }
}
