//! The scoping filters being edited: one signal per field, so that typing
//! redraws nothing but the field, and the conversion to and from the
//! engine's [`ScopingFilter`]s (clause values typed as text).

use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;
use provisio_engine::scope::{Clause, ClauseValue, Operator, ScalarValue, ScopingFilter};

/// Keys for the rows of keyed lists, unique for the page's lifetime.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterRow {
    pub key: u64,
    pub name: RwSignal<String>,
    pub clauses: RwSignal<Vec<ClauseRow>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClauseRow {
    pub key: u64,
    pub attribute: RwSignal<String>,
    pub operator: RwSignal<Operator>,
    /// The value as typed; a comma-separated list for IS IN and IS NOT IN.
    pub value: RwSignal<String>,
}

impl FilterRow {
    pub fn new(filter: &ScopingFilter) -> FilterRow {
        FilterRow {
            key: next_key(),
            name: RwSignal::new(filter.name.clone()),
            clauses: RwSignal::new(filter.clauses.iter().map(ClauseRow::new).collect()),
        }
    }

    /// A new filter with one empty clause.
    pub fn empty(number: usize) -> FilterRow {
        let row = FilterRow::new(&ScopingFilter {
            name: format!("Filter {number}"),
            clauses: Vec::new(),
        });
        row.clauses.update(|c| c.push(ClauseRow::empty()));
        row
    }

    /// The filter as the engine reads it (tracks every field).
    pub fn filter(&self) -> ScopingFilter {
        ScopingFilter {
            name: self.name.get(),
            clauses: self.clauses.with(|c| c.iter().map(ClauseRow::clause).collect()),
        }
    }
}

impl ClauseRow {
    pub fn new(clause: &Clause) -> ClauseRow {
        ClauseRow {
            key: next_key(),
            attribute: RwSignal::new(clause.attribute.clone()),
            operator: RwSignal::new(clause.operator),
            value: RwSignal::new(clause.value.as_ref().map(value_text).unwrap_or_default()),
        }
    }

    pub fn empty() -> ClauseRow {
        ClauseRow::new(&Clause {
            attribute: String::new(),
            operator: Operator::Equals,
            value: None,
        })
    }

    pub fn clause(&self) -> Clause {
        let operator = self.operator.get();
        Clause {
            attribute: self.attribute.get().trim().to_owned(),
            operator,
            value: self.value.with(|text| clause_value(operator, text)),
        }
    }
}

/// A saved filter as the builder would write it back, so that an unchanged
/// draft compares equal to it.
pub fn normalized(filter: &ScopingFilter) -> ScopingFilter {
    let clause = |c: &Clause| Clause {
        attribute: c.attribute.trim().to_owned(),
        operator: c.operator,
        value: clause_value(c.operator, &c.value.as_ref().map(value_text).unwrap_or_default()),
    };
    ScopingFilter {
        name: filter.name.clone(),
        clauses: filter.clauses.iter().map(clause).collect(),
    }
}

/// Operators that compare integers: a value that spells one is written as one.
fn numeric(operator: Operator) -> bool {
    matches!(
        operator,
        Operator::GreaterThan
            | Operator::GreaterThanOrEquals
            | Operator::LessThan
            | Operator::LessThanOrEquals
            | Operator::BitAnd
            | Operator::NotBitAnd
            | Operator::WithinDays
    )
}

/// The typed text as a clause value: none for unary operators, a list for IS IN.
pub fn clause_value(operator: Operator, text: &str) -> Option<ClauseValue> {
    let scalar = |text: &str| match text.trim().parse::<i64>() {
        Ok(i) if numeric(operator) => ScalarValue::Integer(i),
        _ => ScalarValue::Text(text.to_owned()),
    };
    if operator.is_unary() {
        None
    } else if operator.takes_list() {
        let items = text.split(',').map(str::trim).filter(|s| !s.is_empty());
        Some(ClauseValue::List(items.map(scalar).collect()))
    } else if text.is_empty() {
        None
    } else {
        Some(ClauseValue::One(scalar(text)))
    }
}

fn scalar_text(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Text(text) => text.clone(),
        ScalarValue::Integer(i) => i.to_string(),
        ScalarValue::Boolean(b) => b.to_string(),
    }
}

/// A clause value as the admin types it.
pub fn value_text(value: &ClauseValue) -> String {
    match value {
        ClauseValue::One(one) => scalar_text(one),
        ClauseValue::List(list) => list.iter().map(scalar_text).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_for_their_operator() {
        let one = |op, text| clause_value(op, text);
        assert_eq!(one(Operator::IsNull, "x"), None);
        assert_eq!(one(Operator::Equals, ""), None);
        assert_eq!(
            one(Operator::Equals, "7"),
            Some(ClauseValue::One(ScalarValue::Text("7".into())))
        );
        assert_eq!(
            one(Operator::GreaterThan, " 7"),
            Some(ClauseValue::One(ScalarValue::Integer(7)))
        );
        let list = one(Operator::IsIn, "a, b,,");
        assert_eq!(list.as_ref().map(value_text).as_deref(), Some("a, b"));
    }
}
