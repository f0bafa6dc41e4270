//! Evaluating compiled scoping filters against an object: every clause of
//! every filter, each with the attribute's value, whether it held and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::compile::{CompiledClause, Kind, Operand, Test, compile_clause, parse_bool, parse_date, parse_integer};
use super::explain::explain;
use super::{ClauseProblem, ClauseValue, Operator, ScopingFilter};
use crate::object::Attributes;
use crate::value::Value;

/// What scoping needs besides the object: the time relative dates count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeContext {
    pub now: DateTime<Utc>,
}

impl ScopeContext {
    pub fn new(now: DateTime<Utc>) -> Self {
        ScopeContext { now }
    }
}

impl Default for ScopeContext {
    /// The Unix epoch, so that nothing depends on the clock by accident.
    fn default() -> Self {
        ScopeContext {
            now: DateTime::UNIX_EPOCH,
        }
    }
}

/// Whether an object is in scope, with every filter's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeOutcome {
    pub in_scope: bool,
    pub filters: Vec<FilterOutcome>,
}

/// One filter: it matched when all its clauses held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterOutcome {
    pub name: String,
    pub matched: bool,
    pub clauses: Vec<ClauseOutcome>,
}

/// One clause: the attribute's value (`null` when absent), whether the clause
/// held, and a short sentence saying why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseOutcome {
    pub attribute: String,
    pub operator: Operator,
    pub value: Option<ClauseValue>,
    pub actual: Value,
    pub matched: bool,
    pub explanation: String,
}

/// Filters compiled once (regexes compiled, numbers and dates parsed) and
/// evaluated many times.
///
/// ```
/// use provisio_engine::object::SourceObject;
/// use provisio_engine::scope::{CompiledScope, ScopeContext, ScopingFilter};
///
/// let filters: Vec<ScopingFilter> = serde_json::from_str(
///     r#"[{"name": "Sales", "clauses": [{"attribute": "department", "operator": "EQUALS", "value": "Sales"}]}]"#,
/// )
/// .unwrap();
/// let scope = CompiledScope::compile(&filters).unwrap();
/// let user = SourceObject::new().with("department", "Sales");
/// assert!(scope.evaluate(&user, &ScopeContext::default()).in_scope);
/// assert!(!scope.is_in_scope(&SourceObject::new(), &ScopeContext::default()));
/// ```
#[derive(Debug, Clone)]
pub struct CompiledScope {
    filters: Vec<CompiledFilter>,
}

#[derive(Debug, Clone)]
struct CompiledFilter {
    name: String,
    clauses: Vec<CompiledClause>,
}

impl CompiledScope {
    /// Compiles the filters, or returns every problem found in them.
    pub fn compile(filters: &[ScopingFilter]) -> Result<CompiledScope, Vec<ClauseProblem>> {
        let mut problems = Vec::new();
        let compiled = filters
            .iter()
            .enumerate()
            .map(|(f, filter)| CompiledFilter {
                name: filter.name.clone(),
                clauses: (filter.clauses.iter().enumerate())
                    .filter_map(|(c, clause)| compile_clause(clause, f, c, &mut problems))
                    .collect(),
            })
            .collect();
        if problems.is_empty() {
            Ok(CompiledScope { filters: compiled })
        } else {
            Err(problems)
        }
    }

    /// No filters: every object is in scope.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// Evaluates every clause of every filter (nothing is skipped, so the
    /// outcome shows them all).
    pub fn evaluate(&self, object: &dyn Attributes, ctx: &ScopeContext) -> ScopeOutcome {
        let filters: Vec<FilterOutcome> = self
            .filters
            .iter()
            .map(|filter| {
                let clauses: Vec<ClauseOutcome> = filter.clauses.iter().map(|c| outcome(c, object, ctx)).collect();
                FilterOutcome {
                    name: filter.name.clone(),
                    matched: clauses.iter().all(|c| c.matched),
                    clauses,
                }
            })
            .collect();
        ScopeOutcome {
            in_scope: filters.is_empty() || filters.iter().any(|f| f.matched),
            filters,
        }
    }

    /// Whether the object is in scope, without the outcome: stops at the
    /// first failing clause of each filter and allocates nothing (except to
    /// render a date-time or integer for a text operator, or to parse a date
    /// written in a form other than ISO 8601).
    pub fn is_in_scope(&self, object: &dyn Attributes, ctx: &ScopeContext) -> bool {
        self.filters.is_empty()
            || self.filters.iter().any(|filter| {
                filter
                    .clauses
                    .iter()
                    .all(|clause| judge(clause, lookup(object, clause), ctx.now).matched(clause))
            })
    }
}

/// Compiles and evaluates in one go.
pub fn evaluate(
    filters: &[ScopingFilter],
    object: &dyn Attributes,
    ctx: &ScopeContext,
) -> Result<ScopeOutcome, Vec<ClauseProblem>> {
    Ok(CompiledScope::compile(filters)?.evaluate(object, ctx))
}

static NULL: Value = Value::Null;

fn lookup<'o>(object: &'o dyn Attributes, clause: &CompiledClause) -> &'o Value {
    object.attribute(&clause.clause.attribute).unwrap_or(&NULL)
}

fn outcome(clause: &CompiledClause, object: &dyn Attributes, ctx: &ScopeContext) -> ClauseOutcome {
    let actual = lookup(object, clause);
    let judgement = judge(clause, actual, ctx.now);
    let matched = judgement.matched(clause);
    ClauseOutcome {
        attribute: clause.clause.attribute.clone(),
        operator: clause.clause.operator,
        value: clause.clause.value.clone(),
        actual: actual.clone(),
        matched,
        explanation: explain(clause, actual, &judgement, matched, ctx.now),
    }
}

/// What looking at the attribute's values found.
pub(super) enum Judgement<'v> {
    /// Null, empty, or only null and empty values: only IS NULL holds.
    Empty,
    /// Not empty, for IS NULL / IS NOT NULL.
    Present,
    Scanned(Scan<'v>),
}

/// The first value that passed the positive test, and the first that could
/// not be tested (wrong type); `multi` when the attribute is multi-valued.
#[derive(Default)]
pub(super) struct Scan<'v> {
    pub hit: Option<&'v Value>,
    pub bad: Option<(&'v Value, Why)>,
    pub multi: bool,
}

/// Why a value could not be tested; the clause is then false whichever its polarity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Why {
    NotText,
    NotInteger,
    NotBoolean,
    NotDate,
    NotComparable,
    DateOutOfRange,
    RegexFailed(String),
}

impl Judgement<'_> {
    pub fn matched(&self, clause: &CompiledClause) -> bool {
        match self {
            Judgement::Empty => matches!(clause.test, Test::IsNull),
            Judgement::Present => matches!(clause.test, Test::IsNotNull),
            Judgement::Scanned(scan) if clause.negated => scan.hit.is_none() && scan.bad.is_none(),
            Judgement::Scanned(scan) => scan.hit.is_some(),
        }
    }
}

/// Null, the empty string, or a multi-valued attribute with only such values.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Multi(items) => items.iter().all(is_empty),
        other => other.is_null_or_empty(),
    }
}

fn judge<'v>(clause: &CompiledClause, value: &'v Value, now: DateTime<Utc>) -> Judgement<'v> {
    if is_empty(value) {
        return Judgement::Empty;
    }
    if matches!(clause.test, Test::IsNull | Test::IsNotNull) {
        return Judgement::Present;
    }
    let mut scan = Scan::default();
    visit(&clause.test, value, now, &mut scan);
    Judgement::Scanned(scan)
}

/// Tests each non-empty value (flattening nested lists) until one passes.
fn visit<'v>(test: &Test, value: &'v Value, now: DateTime<Utc>, scan: &mut Scan<'v>) {
    match value {
        Value::Multi(items) => {
            scan.multi = true;
            for item in items {
                visit(test, item, now, scan);
                if scan.hit.is_some() {
                    return;
                }
            }
        }
        item if item.is_null_or_empty() => {}
        item => match test_item(test, item, now) {
            Ok(true) => scan.hit = Some(item),
            Ok(false) => {}
            Err(why) => {
                if scan.bad.is_none() {
                    scan.bad = Some((item, why));
                }
            }
        },
    }
}

/// The positive test on one value (never null, empty or multi-valued).
fn test_item(test: &Test, item: &Value, now: DateTime<Utc>) -> Result<bool, Why> {
    let text = || item.as_text().ok_or(Why::NotText);
    let int = || integer_of(item).ok_or(Why::NotInteger);
    let date = || date_of(item).ok_or(Why::NotDate);
    match test {
        Test::IsNull | Test::IsNotNull => Ok(false),
        Test::IsTrue => truth(item).ok_or(Why::NotBoolean),
        Test::IsFalse => truth(item).map(|b| !b).ok_or(Why::NotBoolean),
        Test::Equals(operand) => equals(item, operand),
        Test::IsIn(operands) => {
            for operand in operands {
                if equals(item, operand)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Test::Includes(part) => Ok(text()?.contains(part.as_str())),
        Test::StartsWith(start) => Ok(text()?.starts_with(start.as_str())),
        Test::EndsWith(end) => Ok(text()?.ends_with(end.as_str())),
        Test::Regex(regex) => regex
            .is_match(text()?.as_ref())
            .map_err(|e| Why::RegexFailed(e.to_string())),
        Test::Compare(cmp, right) => Ok(cmp.holds(int()?, *right)),
        Test::BitAnd(mask) => Ok(int()? & mask != 0),
        Test::MemberOf { lower, .. } => Ok(is_group(item, lower)),
        Test::Before(when) => {
            let at = date()?;
            Ok(at < when.resolve(now).ok_or(Why::DateOutOfRange)?)
        }
        Test::After(when) => {
            let at = date()?;
            Ok(at > when.resolve(now).ok_or(Why::DateOutOfRange)?)
        }
        Test::WithinDays(days) => Ok(date()?.signed_duration_since(now).abs() <= *days),
    }
}

/// The EQUALS rule: text exactly (case-sensitive); a boolean against
/// `True`/`False` in any case; an integer against integer text numerically; a
/// date-time against a date that names the same instant.
fn equals(item: &Value, operand: &Operand) -> Result<bool, Why> {
    Ok(match item {
        Value::Str(s) | Value::Reference(s) => match operand.kind {
            Kind::Text => *s == operand.text,
            // `int` and `boolean` are always set for these kinds.
            Kind::Integer => parse_integer(s) == operand.int,
            Kind::Boolean => parse_bool(s) == operand.boolean,
        },
        Value::Int(i) => operand.int == Some(*i),
        Value::Bool(b) => operand.boolean == Some(*b),
        Value::DateTime(dt) => operand.date == Some(*dt),
        Value::Complex(_) => return Err(Why::NotComparable),
        Value::Null | Value::Multi(_) => false,
    })
}

fn truth(item: &Value) -> Option<bool> {
    match item {
        Value::Bool(b) => Some(*b),
        Value::Str(s) => parse_bool(s),
        _ => None,
    }
}

fn integer_of(item: &Value) -> Option<i64> {
    match item {
        Value::Int(i) => Some(*i),
        Value::Str(s) => parse_integer(s),
        _ => None,
    }
}

fn date_of(item: &Value) -> Option<DateTime<Utc>> {
    match item {
        Value::DateTime(dt) => Some(*dt),
        Value::Str(s) => parse_date(s),
        _ => None,
    }
}

/// A group (an id string, or a complex value with `id`/`value` and
/// `displayName`) whose id or display name is the wanted one, ignoring case.
fn is_group(item: &Value, lower: &str) -> bool {
    let same = |s: &str| s.chars().flat_map(char::to_lowercase).eq(lower.chars());
    match item {
        Value::Str(s) | Value::Reference(s) => same(s),
        Value::Complex(map) => ["id", "value", "displayName"]
            .iter()
            .any(|key| matches!(map.get(*key), Some(Value::Str(s) | Value::Reference(s)) if same(s))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::SourceObject;

    fn filters(json: serde_json::Value) -> Vec<ScopingFilter> {
        serde_json::from_value(json).unwrap()
    }

    fn sales_and_senior() -> Vec<ScopingFilter> {
        filters(serde_json::json!([{"name": "Sales seniors", "clauses": [
            {"attribute": "department", "operator": "EQUALS", "value": "Sales"},
            {"attribute": "level", "operator": "Greater_Than_OR_EQUALS", "value": 5},
            {"attribute": "userPrincipalName", "operator": "REGEX MATCH", "value": "@contoso\\.com$"}
        ]}]))
    }

    fn user() -> SourceObject {
        SourceObject::from_json(r#"{"department": "Sales", "level": 7, "userPrincipalName": "ann@contoso.com"}"#)
            .unwrap()
    }

    #[test]
    fn no_filters_means_in_scope() {
        let outcome = evaluate(&[], &SourceObject::new(), &ScopeContext::default()).unwrap();
        assert_eq!(
            outcome,
            ScopeOutcome {
                in_scope: true,
                filters: vec![]
            }
        );
    }

    #[test]
    fn every_clause_is_reported() {
        let scope = CompiledScope::compile(&sales_and_senior()).unwrap();
        let outcome = scope.evaluate(&SourceObject::new(), &ScopeContext::default());
        assert!(!outcome.in_scope);
        let clauses = &outcome.filters[0].clauses;
        assert_eq!(clauses.len(), 3);
        assert!(clauses.iter().all(|c| !c.matched && c.actual == Value::Null));
        assert_eq!(
            clauses[0].explanation,
            "department is null: every clause but IS NULL is false for a null value"
        );
        let outcome = scope.evaluate(&user(), &ScopeContext::default());
        assert!(outcome.in_scope && outcome.filters[0].matched);
        assert_eq!(
            outcome.filters[0].clauses[1].explanation,
            "level 7 is greater than or equal to 5"
        );
    }

    #[test]
    fn fast_path_agrees() {
        let scope = CompiledScope::compile(&sales_and_senior()).unwrap();
        let ctx = ScopeContext::default();
        assert!(scope.is_in_scope(&user(), &ctx));
        assert!(!scope.is_in_scope(&user().with("level", 4), &ctx));
        assert!(
            CompiledScope::compile(&[])
                .unwrap()
                .is_in_scope(&SourceObject::new(), &ctx)
        );
    }

    #[test]
    fn all_problems_are_collected() {
        let problems = CompiledScope::compile(&filters(serde_json::json!([
            {"clauses": [{"attribute": "", "operator": "EQUALS", "value": "x"}]},
            {"clauses": [{"attribute": "a", "operator": "IS NULL", "value": "x"},
                         {"attribute": "a", "operator": "Greater_Than", "value": "ten"}]}
        ])))
        .unwrap_err();
        let places: Vec<_> = problems.iter().map(|p| (p.filter, p.clause, p.field)).collect();
        assert_eq!(places, [(0, 0, "attribute"), (1, 0, "value"), (1, 1, "value")]);
    }

    #[test]
    fn within_days_is_inclusive() {
        let now = DateTime::from_timestamp(10 * 86_400, 0).unwrap();
        let test = Test::WithinDays(chrono::TimeDelta::try_days(2).unwrap());
        let at = |secs: i64| test_item(&test, &Value::DateTime(DateTime::from_timestamp(secs, 0).unwrap()), now);
        assert_eq!(at(8 * 86_400), Ok(true));
        assert_eq!(at(12 * 86_400), Ok(true));
        assert_eq!(at(12 * 86_400 + 1), Ok(false));
        assert_eq!(at(8 * 86_400 - 1), Ok(false));
    }

    /// `cargo test -p provisio-engine --release --lib scope::evaluate::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run in release mode"]
    fn timing() {
        let scope = CompiledScope::compile(&sales_and_senior()).unwrap();
        let (user, ctx) = (user(), ScopeContext::default());
        let rounds = 1_000_000u32;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            assert!(std::hint::black_box(&scope).is_in_scope(std::hint::black_box(&user), &ctx));
        }
        let fast = start.elapsed() / rounds;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            assert!(
                std::hint::black_box(&scope)
                    .evaluate(std::hint::black_box(&user), &ctx)
                    .in_scope
            );
        }
        let full = start.elapsed() / rounds;
        println!("3-clause filter: is_in_scope {fast:?}, evaluate with outcome {full:?}");
    }
}
