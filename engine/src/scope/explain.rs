//! The one-sentence explanation of a clause's outcome, e.g. `department "Sales"
//! equals "Sales"` or `employeeId "abc" is not an integer, so Greater_Than is false`.

use std::fmt::{self, Write as _};

use chrono::{DateTime, Utc};

use super::Operator;
use super::compile::{CompiledClause, Test, When, show_date};
use super::evaluate::{Judgement, Why};
use crate::value::{Value, bool_text};

/// Values longer than this many characters are cut short in explanations.
const SHOWN_CHARS: usize = 60;

pub(super) fn explain(
    clause: &CompiledClause,
    actual: &Value,
    judgement: &Judgement<'_>,
    matched: bool,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::with_capacity(clause.clause.attribute.len() + clause.shown.len() + 64);
    // Writing to a String cannot fail.
    let _ = write_explanation(&mut out, clause, actual, judgement, matched, now);
    out
}

/// Built with `push_str` rather than `format!`: explanations are made for
/// every clause of every evaluation, and formatting machinery would dominate.
fn write_explanation(
    out: &mut String,
    clause: &CompiledClause,
    actual: &Value,
    judgement: &Judgement<'_>,
    matched: bool,
    now: DateTime<Utc>,
) -> fmt::Result {
    let attr = clause.clause.attribute.as_str();
    let op = clause.clause.operator;
    let scan = match judgement {
        Judgement::Empty => {
            let (what, a) = if actual.is_null() {
                ("null", "a")
            } else {
                ("empty", "an")
            };
            push(out, &[attr, " is ", what]);
            if op != Operator::IsNull {
                push(
                    out,
                    &[": every clause but IS NULL is false for ", a, " ", what, " value"],
                );
            }
            return Ok(());
        }
        Judgement::Present => {
            push(out, &[attr, " has a value"]);
            return Ok(());
        }
        Judgement::Scanned(scan) => scan,
    };
    let (holds, fails) = phrases(op);
    let sep = if clause.shown.is_empty() { "" } else { " " };
    if op == Operator::IsMemberOf {
        let verb = if scan.hit.is_some() { holds } else { fails };
        push(out, &[attr, " ", verb, " "]);
        return push_operand(out, clause, now);
    }
    let unary = op.is_unary();
    match (scan.hit, &scan.bad, scan.multi) {
        (Some(item), _, true) => {
            push(out, &[attr, " has "]);
            push_value(out, item)?;
            push(out, &[", which ", holds, sep]);
            push_operand(out, clause, now)
        }
        (Some(item), _, false) if unary => {
            push(out, &[attr, " is "]);
            push_value(out, item)
        }
        (Some(item), _, false) => {
            push(out, &[attr, " "]);
            push_value(out, item)?;
            push(out, &[" ", holds, sep]);
            push_operand(out, clause, now)
        }
        (None, Some((item, why)), multi) => {
            push(out, &[attr, if multi { " has " } else { " " }]);
            push_value(out, item)?;
            out.push_str(if multi { ", which " } else { " " });
            match why {
                Why::NotText => write!(out, "is a complex value, which {op} cannot read as text"),
                Why::NotInteger => write!(out, "is not an integer ({op} reads integers)"),
                Why::NotBoolean => write!(out, "is not a boolean ({op} reads true, false, \"True\" or \"False\")"),
                Why::NotDate => write!(out, "is not a date ({op} reads dates)"),
                Why::NotComparable => write!(out, "is a complex value, which {op} cannot compare"),
                Why::DateOutOfRange => write!(out, "cannot be compared: the {op} date is out of range"),
                Why::RegexFailed(error) => write!(out, "could not be matched: {error}"),
            }?;
            if !matched {
                out.push_str(", so the clause is false");
            }
            Ok(())
        }
        (None, None, true) => {
            push(out, &["no value of ", attr, " ", holds, sep]);
            push_operand(out, clause, now)
        }
        (None, None, false) if unary => {
            push(out, &[attr, " is "]);
            push_value(out, actual)
        }
        (None, None, false) => {
            push(out, &[attr, " "]);
            push_value(out, actual)?;
            push(out, &[" ", fails, sep]);
            push_operand(out, clause, now)
        }
    }
}

fn push(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

fn push_operand(out: &mut String, clause: &CompiledClause, now: DateTime<Utc>) -> fmt::Result {
    match clause.test {
        Test::Before(When::DaysFromNow(_)) | Test::After(When::DaysFromNow(_)) => {
            write!(out, "{}", Operand(clause, now))
        }
        _ => {
            out.push_str(&clause.shown);
            Ok(())
        }
    }
}

fn push_value(out: &mut String, value: &Value) -> fmt::Result {
    match value {
        Value::Str(s) | Value::Reference(s) if s.len() <= SHOWN_CHARS => {
            push(out, &["\"", s, "\""]);
            Ok(())
        }
        Value::Bool(b) => {
            out.push_str(bool_text(*b));
            Ok(())
        }
        other => write!(out, "{}", Shown(other)),
    }
}

/// What the positive test says when a value passes it, and when it does not.
fn phrases(op: Operator) -> (&'static str, &'static str) {
    match op {
        Operator::Equals | Operator::NotEquals => ("equals", "does not equal"),
        Operator::IsTrue => ("is true", "is not true"),
        Operator::IsFalse => ("is false", "is not false"),
        Operator::IsNull | Operator::IsNotNull => ("is null", "has a value"),
        Operator::Includes => ("includes", "does not include"),
        Operator::StartsWith => ("starts with", "does not start with"),
        Operator::EndsWith => ("ends with", "does not end with"),
        Operator::RegexMatch | Operator::NotRegexMatch => ("matches", "does not match"),
        Operator::GreaterThan => ("is greater than", "is not greater than"),
        Operator::GreaterThanOrEquals => ("is greater than or equal to", "is less than"),
        Operator::LessThan => ("is less than", "is not less than"),
        Operator::LessThanOrEquals => ("is less than or equal to", "is greater than"),
        Operator::BitAnd | Operator::NotBitAnd => ("shares bits with", "shares no bits with"),
        Operator::IsIn | Operator::IsNotIn => ("is in", "is not in"),
        Operator::IsMemberOf => ("lists", "does not list"),
        Operator::Before => ("is before", "is not before"),
        Operator::After => ("is after", "is not after"),
        Operator::WithinDays => ("is within", "is not within"),
    }
}

/// The clause value; a relative date with the instant it stands for now.
struct Operand<'c>(&'c CompiledClause, DateTime<Utc>);

impl fmt::Display for Operand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Operand(clause, now) = *self;
        let days = match clause.test {
            Test::Before(When::DaysFromNow(days)) | Test::After(When::DaysFromNow(days)) => days,
            _ => return f.write_str(&clause.shown),
        };
        if let Some(at) = When::DaysFromNow(days).resolve(now) {
            write!(f, "{} (", show_date(&at))?;
        }
        match days {
            0 => f.write_str("now")?,
            1 => f.write_str("in 1 day")?,
            -1 => f.write_str("1 day ago")?,
            d if d < 0 => write!(f, "{} days ago", d.unsigned_abs())?,
            d => write!(f, "in {d} days")?,
        }
        if When::DaysFromNow(days).resolve(now).is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A value as explanations show it: text quoted and cut short.
struct Shown<'v>(&'v Value);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Null => f.write_str("null"),
            Value::Str(s) | Value::Reference(s) => write!(f, "\"{}\"", Cut(s)),
            Value::DateTime(dt) => f.write_str(&show_date(dt)),
            Value::Complex(_) | Value::Multi(_) => write!(f, "{}", Cut(&self.0.to_json().to_string())),
            Value::Bool(b) => f.write_str(bool_text(*b)),
            Value::Int(i) => write!(f, "{i}"),
        }
    }
}

/// The first [`SHOWN_CHARS`] characters, with `…` when there were more.
struct Cut<'s>(&'s str);

impl fmt::Display for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(SHOWN_CHARS) {
            Some((end, _)) => write!(f, "{}…", self.0.get(..end).unwrap_or(self.0)),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: &Value) -> String {
        Shown(value).to_string()
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(100);
        assert_eq!(show(&Value::str(long.clone())).chars().count(), SHOWN_CHARS + 3);
        assert_eq!(show(&Value::str("é")), "\"é\"");
        assert!(show(&Value::Multi(vec![Value::str(long)])).ends_with('…'));
        assert_eq!(show(&Value::Bool(true)), "True");
    }
}
