//! Statements that bind many values: their placeholders, and how many
//! values one statement binds when it writes many rows.
//!
//! sqlx binds SQLite parameters by name, and SQLite finds the name of the
//! `n`th parameter by walking the statement's list of names from the
//! start: binding a statement costs the square of its parameter count.
//! Creating 500 users in one statement of 5,000 parameters spent far
//! longer binding than writing them (seeding 10,000 users: a second of
//! it). Each statement is also a turn on the database's thread, so
//! statements stay large: about 1,000 parameters keeps binding under a
//! millisecond without multiplying the turns.

/// Bound parameters per multi-row statement.
pub(crate) const PARAMETERS_PER_STATEMENT: usize = 1_000;

/// `$first, $first+1, …` for `count` parameters: an `IN (…)` list or one
/// row of a multi-row statement.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per statement for rows of `columns` bound parameters each.
pub(crate) const fn rows_per_statement(columns: usize) -> usize {
    let rows = PARAMETERS_PER_STATEMENT / columns;
    if rows == 0 { 1 } else { rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fill_the_bound_and_never_vanish() {
        assert_eq!(rows_per_statement(20), 50);
        assert_eq!(rows_per_statement(5), 200);
        assert_eq!(
            rows_per_statement(5_000),
            1,
            "a row wider than the bound still goes, alone"
        );
    }
}
