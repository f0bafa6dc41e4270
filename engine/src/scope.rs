//! Scoping filters: clauses AND-ed within a filter, filters OR-ed, no filters
//! meaning everything is in scope. Entra's operators with Entra's semantics,
//! plus the ones its users keep asking for. Evaluating keeps every clause's
//! outcome so on-demand runs and previews can show why.

mod compile;
mod evaluate;
mod explain;
mod operator;

use serde::{Deserialize, Serialize};

use crate::value::Value;

pub use compile::{ClauseProblem, MAX_DAYS};
pub use evaluate::{ClauseOutcome, CompiledScope, FilterOutcome, ScopeContext, ScopeOutcome, evaluate};
pub use operator::Operator;

/// A named set of clauses that must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopingFilter {
    #[serde(default)]
    pub name: String,
    pub clauses: Vec<Clause>,
}

/// `attribute operator value`, e.g. `department EQUALS "Sales"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    pub attribute: String,
    pub operator: Operator,
    /// Absent for unary operators (IS TRUE, IS NULL, …); a list for IS IN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<ClauseValue>,
}

/// What a clause compares with: one value or, for IS IN / IS NOT IN, a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClauseValue {
    One(ScalarValue),
    List(Vec<ScalarValue>),
}

/// A clause operand as written in the job definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ScalarValue {
    Text(String),
    Integer(i64),
    Boolean(bool),
}

impl ScalarValue {
    pub fn to_value(&self) -> Value {
        match self {
            ScalarValue::Text(s) => Value::Str(s.clone()),
            ScalarValue::Integer(i) => Value::Int(*i),
            ScalarValue::Boolean(b) => Value::Bool(*b),
        }
    }
}
