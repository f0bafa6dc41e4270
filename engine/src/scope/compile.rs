//! Compiling scoping clauses once: checking each clause's value against its
//! operator, parsing numbers and dates, compiling regexes, and collecting every
//! problem rather than the first.

use std::fmt;

use crate::pattern::Pattern;
use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;

use super::{Clause, ClauseValue, Operator, ScalarValue};
use crate::value::bool_text;

/// The largest day count BEFORE, AFTER and WITHIN_DAYS accept: about 10,000
/// years, so that `now ± days` stays a representable date.
pub const MAX_DAYS: i64 = 3_650_000;

/// Why a clause cannot be compiled. `filter` and `clause` are 0-based indexes
/// into the filters and the filter's clauses; `field` is the clause field at
/// fault: `"attribute"`, `"operator"` or `"value"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseProblem {
    pub filter: usize,
    pub clause: usize,
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ClauseProblem {
    /// `filters[0].clauses[2].value: Greater_Than compares integers; "abc" is not an integer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "filters[{}].clauses[{}].{}: {}",
            self.filter, self.clause, self.field, self.message
        )
    }
}

impl std::error::Error for ClauseProblem {}

/// A clause value prepared for the EQUALS rule: its text and, parsed once,
/// the integer, boolean and date it may stand for.
#[derive(Debug, Clone)]
pub(super) struct Operand {
    pub kind: Kind,
    pub text: String,
    /// The integer the value is or spells (`42`, `"42"`, `"+42"`).
    pub int: Option<i64>,
    /// The boolean the value is or spells (`true`, `"True"`, `"false"`, any case).
    pub boolean: Option<bool>,
    /// The instant the value spells, compared with date-time attributes.
    pub date: Option<DateTime<Utc>>,
}

/// How a clause value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Integer,
    Boolean,
}

/// A BEFORE / AFTER threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    At(DateTime<Utc>),
    /// That many days (of 24 hours) from the evaluation's `now`.
    DaysFromNow(i64),
}

impl When {
    /// The threshold instant, or `None` when it falls outside the representable dates.
    pub fn resolve(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            When::At(at) => Some(at),
            When::DaysFromNow(days) => TimeDelta::try_days(days).and_then(|d| now.checked_add_signed(d)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IntCmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl IntCmp {
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            IntCmp::Gt => left > right,
            IntCmp::Ge => left >= right,
            IntCmp::Lt => left < right,
            IntCmp::Le => left <= right,
        }
    }
}

/// What one value of the attribute is tested with. Negative operators
/// (NOT EQUALS, NOT REGEX MATCH, IS NOT IN, `!&`) compile to the positive
/// test with [`CompiledClause::negated`] set.
#[derive(Debug, Clone)]
pub(super) enum Test {
    IsNull,
    IsNotNull,
    IsTrue,
    IsFalse,
    Equals(Operand),
    Includes(String),
    StartsWith(String),
    EndsWith(String),
    Regex(Box<Pattern>),
    Compare(IntCmp, i64),
    BitAnd(i64),
    IsIn(Vec<Operand>),
    /// The group id or display name, and its lowercase form.
    MemberOf {
        name: String,
        lower: String,
    },
    Before(When),
    After(When),
    /// The number of days as a duration.
    WithinDays(TimeDelta),
}

/// A clause ready to evaluate, with the clause itself kept for the outcome.
#[derive(Debug, Clone)]
pub(super) struct CompiledClause {
    pub clause: Clause,
    pub test: Test,
    pub negated: bool,
    /// The clause value as explanations show it (`"Sales"`, `100`, `["a", "b"]`).
    pub shown: String,
}

/// Compiles one clause, pushing its problems (with the given indexes) onto `problems`.
pub(super) fn compile_clause(
    clause: &Clause,
    filter: usize,
    index: usize,
    problems: &mut Vec<ClauseProblem>,
) -> Option<CompiledClause> {
    let before = problems.len();
    let mut problem = |field: &'static str, message: String| {
        problems.push(ClauseProblem {
            filter,
            clause: index,
            field,
            message,
        });
    };
    if clause.attribute.trim().is_empty() {
        problem("attribute", "the attribute name is empty".to_owned());
    }
    let op = clause.operator;
    let test = match (&clause.value, op.is_unary(), op.takes_list()) {
        (Some(_), true, _) => Err(format!("{op} takes no value; remove the value")),
        (None, false, true) => Err(format!("{op} needs a list of values, e.g. [\"Sales\", \"Marketing\"]")),
        (None, false, false) => Err(format!("{op} needs a value")),
        (Some(ClauseValue::One(_)), false, true) => Err(format!(
            "{op} needs a list of values, e.g. [\"Sales\", \"Marketing\"], not a single value"
        )),
        (Some(ClauseValue::List(_)), false, false) => Err(if op == Operator::Equals {
            format!("{op} compares with one value, not a list; use IS IN to compare with a list")
        } else {
            format!("{op} compares with one value, not a list")
        }),
        (Some(ClauseValue::List(items)), false, true) => list_test(items),
        (Some(ClauseValue::One(value)), false, false) => one_test(op, value),
        (None, true, _) => Ok(match op {
            Operator::IsFalse => Test::IsFalse,
            Operator::IsNull => Test::IsNull,
            Operator::IsNotNull => Test::IsNotNull,
            _ => Test::IsTrue,
        }),
    };
    let test = test.map_err(|message| problem("value", message)).ok()?;
    if problems.len() > before {
        return None;
    }
    let negated = matches!(
        op,
        Operator::NotEquals | Operator::NotRegexMatch | Operator::IsNotIn | Operator::NotBitAnd
    );
    let shown = show_clause_value(&test, clause.value.as_ref());
    Some(CompiledClause {
        clause: clause.clone(),
        test,
        negated,
        shown,
    })
}

fn list_test(items: &[ScalarValue]) -> Result<Test, String> {
    if items.is_empty() {
        return Err("the list is empty; give at least one value".to_owned());
    }
    Ok(Test::IsIn(items.iter().map(operand).collect()))
}

fn one_test(op: Operator, value: &ScalarValue) -> Result<Test, String> {
    let text = || scalar_text(value);
    Ok(match op {
        Operator::Equals | Operator::NotEquals => Test::Equals(operand(value)),
        Operator::Includes => Test::Includes(text()),
        Operator::StartsWith => Test::StartsWith(text()),
        Operator::EndsWith => Test::EndsWith(text()),
        Operator::RegexMatch | Operator::NotRegexMatch => {
            let pattern = text();
            let regex = Pattern::new(&pattern).map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))?;
            Test::Regex(Box::new(regex))
        }
        Operator::GreaterThan => Test::Compare(IntCmp::Gt, integer(op, value)?),
        Operator::GreaterThanOrEquals => Test::Compare(IntCmp::Ge, integer(op, value)?),
        Operator::LessThan => Test::Compare(IntCmp::Lt, integer(op, value)?),
        Operator::LessThanOrEquals => Test::Compare(IntCmp::Le, integer(op, value)?),
        Operator::BitAnd | Operator::NotBitAnd => Test::BitAnd(integer(op, value)?),
        Operator::IsMemberOf => {
            let name = text();
            if name.trim().is_empty() {
                return Err(format!("{op} needs a group id or display name"));
            }
            let lower = name.to_lowercase();
            Test::MemberOf { name, lower }
        }
        Operator::Before => Test::Before(when(op, value)?),
        Operator::After => Test::After(when(op, value)?),
        Operator::WithinDays => {
            let days = integer(op, value)?;
            match TimeDelta::try_days(days) {
                Some(span) if (0..=MAX_DAYS).contains(&days) => Test::WithinDays(span),
                _ => return Err(format!("{op} needs a number of days from 0 to {MAX_DAYS}, not {days}")),
            }
        }
        // The caller handles unary and list operators; reaching here would be a bug, reported, not hidden.
        Operator::IsTrue | Operator::IsFalse | Operator::IsNull | Operator::IsNotNull => {
            return Err(format!("{op} takes no value; remove the value"));
        }
        Operator::IsIn | Operator::IsNotIn => return Err(format!("{op} needs a list of values")),
    })
}

/// The text a clause value stands for: booleans as Entra renders them.
fn scalar_text(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Text(s) => s.clone(),
        ScalarValue::Integer(i) => i.to_string(),
        ScalarValue::Boolean(b) => bool_text(*b).to_owned(),
    }
}

fn operand(value: &ScalarValue) -> Operand {
    match value {
        ScalarValue::Text(s) => Operand {
            kind: Kind::Text,
            text: s.clone(),
            int: parse_integer(s),
            boolean: parse_bool(s),
            date: parse_date(s),
        },
        ScalarValue::Integer(i) => Operand {
            kind: Kind::Integer,
            text: i.to_string(),
            int: Some(*i),
            boolean: None,
            date: None,
        },
        ScalarValue::Boolean(b) => Operand {
            kind: Kind::Boolean,
            text: bool_text(*b).to_owned(),
            int: None,
            boolean: Some(*b),
            date: None,
        },
    }
}

fn integer(op: Operator, value: &ScalarValue) -> Result<i64, String> {
    let needs = if op == Operator::WithinDays {
        "needs a number of days"
    } else {
        "compares integers"
    };
    match value {
        ScalarValue::Integer(i) => Ok(*i),
        ScalarValue::Text(s) => parse_integer(s).ok_or_else(|| format!("{op} {needs}; {s:?} is not an integer")),
        ScalarValue::Boolean(b) => Err(format!("{op} {needs}; {b} is not an integer")),
    }
}

fn when(op: Operator, value: &ScalarValue) -> Result<When, String> {
    let days = |days: i64| {
        if days.abs() <= MAX_DAYS {
            Ok(When::DaysFromNow(days))
        } else {
            Err(format!(
                "{op}: {days} days from now is too far; at most {MAX_DAYS} days are allowed"
            ))
        }
    };
    match value {
        ScalarValue::Integer(i) => days(*i),
        ScalarValue::Text(s) => match parse_integer(s) {
            Some(i) => days(i),
            None => parse_date(s).map(When::At).ok_or_else(|| {
                format!(
                    "{op} needs a date (2024-01-31, 2024-01-31T09:00:00Z) or a number of days from now \
                     (-30, +7); {s:?} is neither"
                )
            }),
        },
        ScalarValue::Boolean(b) => Err(format!("{op} needs a date or a number of days from now, not {b}")),
    }
}

/// An integer written as text: optional sign and decimal digits, spaces around allowed.
pub(super) fn parse_integer(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// `True` / `False` in any case.
pub(super) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date or date-time as CDate reads it (ISO 8601, US forms, RFC 2822; UTC
/// when no offset is given), with RFC 3339 tried first because it is the
/// common case and parses without allocating.
pub(super) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let text = s.trim();
    if text.is_empty() {
        return None;
    }
    let fast = DateTime::parse_from_rfc3339(text)
        .ok()
        .filter(|dt| dt.offset().local_minus_utc().abs() <= 14 * 3600)
        .map(|dt| dt.with_timezone(&Utc))
        .filter(|dt| (1..=9999).contains(&dt.year()));
    fast.or_else(|| crate::expr::functions::parse_datetime(text).ok())
}

/// A date-time as explanations and the docs write it: `2024-01-31T09:00:00Z`.
pub(super) fn show_date(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn show_scalar(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Text(s) => format!("\"{s}\""),
        ScalarValue::Integer(i) => i.to_string(),
        ScalarValue::Boolean(b) => b.to_string(),
    }
}

fn show_clause_value(test: &Test, value: Option<&ClauseValue>) -> String {
    match (test, value) {
        (Test::WithinDays(span), _) if span.num_days() == 1 => "1 day of now".to_owned(),
        (Test::WithinDays(span), _) => format!("{} days of now", span.num_days()),
        (Test::MemberOf { name, .. }, _) => format!("the group \"{name}\""),
        (Test::Before(When::At(at)) | Test::After(When::At(at)), _) => show_date(at),
        (_, Some(ClauseValue::One(one))) => show_scalar(one),
        (_, Some(ClauseValue::List(items))) => {
            let items: Vec<String> = items.iter().map(show_scalar).collect();
            format!("[{}]", items.join(", "))
        }
        (_, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(operator: &str, value: serde_json::Value) -> Vec<ClauseProblem> {
        let clause: Clause =
            serde_json::from_value(serde_json::json!({"attribute": "a", "operator": operator, "value": value}))
                .unwrap();
        let mut problems = Vec::new();
        compile_clause(&clause, 1, 2, &mut problems);
        problems
    }

    #[test]
    fn integers_and_booleans_in_text() {
        assert_eq!(parse_integer(" +42 "), Some(42));
        assert_eq!(parse_integer("-7"), Some(-7));
        assert_eq!(parse_integer("4.2"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("no"), None);
    }

    #[test]
    fn dates() {
        let at = |s| parse_date(s).map(|d| show_date(&d));
        assert_eq!(at("2024-01-31"), Some("2024-01-31T00:00:00Z".to_owned()));
        assert_eq!(at("2024-01-31T09:00:00+02:00"), Some("2024-01-31T07:00:00Z".to_owned()));
        assert_eq!(at("1/31/2024 9:00:00 AM"), Some("2024-01-31T09:00:00Z".to_owned()));
        assert_eq!(at("Sales"), None);
        assert_eq!(at(""), None);
    }

    #[test]
    fn relative_days() {
        let now = DateTime::UNIX_EPOCH;
        assert_eq!(When::DaysFromNow(1).resolve(now), DateTime::from_timestamp(86_400, 0));
        assert_eq!(When::DaysFromNow(i64::MAX).resolve(now), None);
    }

    #[test]
    fn problem_messages() {
        let p = problems("Greater_Than", serde_json::json!("abc"));
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].filter, p[0].clause, p[0].field), (1, 2, "value"));
        assert_eq!(
            p[0].to_string(),
            "filters[1].clauses[2].value: Greater_Than compares integers; \"abc\" is not an integer"
        );
        assert!(
            problems("REGEX MATCH", serde_json::json!("("))
                .first()
                .unwrap()
                .message
                .contains("invalid regular")
        );
        assert!(
            problems("WITHIN_DAYS", serde_json::json!(-1))
                .first()
                .unwrap()
                .message
                .contains("from 0")
        );
        assert!(
            problems("AFTER", serde_json::json!(MAX_DAYS + 1))
                .first()
                .unwrap()
                .message
                .contains("too far")
        );
        assert!(
            problems("IS IN", serde_json::json!([]))
                .first()
                .unwrap()
                .message
                .contains("empty")
        );
        assert!(
            problems("EQUALS", serde_json::json!(["a"]))
                .first()
                .unwrap()
                .message
                .contains("IS IN")
        );
        assert!(
            problems("IS MEMBER OF", serde_json::json!(" "))
                .first()
                .unwrap()
                .message
                .contains("group")
        );
        assert!(problems("EQUALS", serde_json::json!("x")).is_empty());
    }
}
