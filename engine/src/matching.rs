//! Matching a source object with a target object: the matching mappings in
//! ascending precedence, one at a time; the first that finds exactly one
//! target object wins. The engine says what to look for; the caller asks the
//! target and hands the answers back.

use serde::{Deserialize, Serialize};

use crate::expr::EvalContext;
use crate::mapping::{CompiledMapping, MappingFailure};
use crate::object::Attributes;
use crate::scim_path::TargetAttributes;
use crate::value::Value;

/// A target object as the target holds it: its id and its attributes by path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetObject {
    pub id: String,
    pub attributes: TargetAttributes,
}

/// "Find target objects whose `target` equals `value`."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchQuery {
    pub target: String,
    pub value: Value,
    pub precedence: u32,
}

/// A query and what the target returned for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchAttempt {
    pub query: MatchQuery,
    pub found: Vec<TargetObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MatchOutcome {
    /// Exactly one target object for the first query that found any.
    Matched { query: MatchQuery, target: TargetObject },
    /// No query found anything.
    NoMatch,
    /// The first query that found anything found several: DuplicateTargetEntries.
    Duplicate {
        query: MatchQuery,
        candidates: Vec<TargetObject>,
    },
}

/// What matching needs from a source object.
#[derive(Debug, Clone, PartialEq)]
pub enum Queries {
    /// Run these in order, stopping at the first that finds anything.
    Run(Vec<MatchQuery>),
    /// The object has no value for any matching attribute: ImportSkipped.
    NoValues,
    /// A matching expression failed.
    Failed(Vec<MappingFailure>),
}

/// The queries for one source object, in ascending matching precedence.
/// `mappings` must be the matching mappings, already in that order.
pub fn queries(mappings: &[&CompiledMapping], source: &dyn Attributes, ctx: &mut EvalContext<'_>) -> Queries {
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for mapping in mappings {
        let Some(precedence) = mapping.spec.match_precedence else {
            continue;
        };
        match mapping.program.evaluate(source, ctx) {
            Ok(evaluation) if !evaluation.value.is_null_or_empty() => out.push(MatchQuery {
                target: mapping.key.to_string(),
                value: evaluation.value,
                precedence,
            }),
            Ok(_) => {}
            Err(diagnostic) => failures.push(MappingFailure {
                target: mapping.key.to_string(),
                expression: mapping.spec.expression.clone(),
                diagnostic,
            }),
        }
    }
    if !failures.is_empty() {
        Queries::Failed(failures)
    } else if out.is_empty() {
        Queries::NoValues
    } else {
        Queries::Run(out)
    }
}

/// Reads the outcome from the attempts, in the order they were made.
pub fn resolve(attempts: &[MatchAttempt]) -> MatchOutcome {
    for attempt in attempts {
        match attempt.found.as_slice() {
            [] => continue,
            [one] => {
                return MatchOutcome::Matched {
                    query: attempt.query.clone(),
                    target: one.clone(),
                };
            }
            many => {
                return MatchOutcome::Duplicate {
                    query: attempt.query.clone(),
                    candidates: many.to_vec(),
                };
            }
        }
    }
    MatchOutcome::NoMatch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Apply, AttributeMapping};
    use crate::object::SourceObject;

    fn matching(target: &str, expression: &str, precedence: u32) -> CompiledMapping {
        CompiledMapping::compile(&AttributeMapping {
            target: target.into(),
            expression: expression.into(),
            match_precedence: Some(precedence),
            apply: Apply::Always,
            default: None,
            flow_null: false,
            case_exact: false,
        })
        .unwrap()
    }

    fn target(id: &str) -> TargetObject {
        TargetObject {
            id: id.into(),
            attributes: TargetAttributes::new(),
        }
    }

    fn query(value: &str) -> MatchQuery {
        MatchQuery {
            target: "userName".into(),
            value: Value::str(value),
            precedence: 1,
        }
    }

    #[test]
    fn queries_follow_precedence_and_skip_missing_values() {
        let by_upn = matching("userName", "[userPrincipalName]", 1);
        let by_mail = matching("emails[type eq \"work\"].value", "[mail]", 2);
        let source = SourceObject::new().with("mail", "a@b.c");
        let Queries::Run(q) = queries(&[&by_upn, &by_mail], &source, &mut EvalContext::default()) else {
            panic!("expected queries")
        };
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].target, "emails[type eq \"work\"].value");
    }

    #[test]
    fn no_matching_value_is_import_skipped() {
        let by_upn = matching("userName", "[userPrincipalName]", 1);
        assert_eq!(
            queries(&[&by_upn], &SourceObject::new(), &mut EvalContext::default()),
            Queries::NoValues
        );
        let empty = SourceObject::new().with("userPrincipalName", "");
        assert_eq!(
            queries(&[&by_upn], &empty, &mut EvalContext::default()),
            Queries::NoValues
        );
    }

    #[test]
    fn failing_matching_expressions_are_reported() {
        let broken = matching("userName", "Mid([a], 0, 1)", 1);
        let source = SourceObject::new().with("a", "x");
        assert!(
            matches!(queries(&[&broken], &source, &mut EvalContext::default()), Queries::Failed(f) if f.len() == 1)
        );
    }

    #[test]
    fn outcomes() {
        assert_eq!(resolve(&[]), MatchOutcome::NoMatch);
        let none = MatchAttempt {
            query: query("a"),
            found: vec![],
        };
        let one = MatchAttempt {
            query: query("b"),
            found: vec![target("t1")],
        };
        let two = MatchAttempt {
            query: query("c"),
            found: vec![target("t1"), target("t2")],
        };
        assert_eq!(resolve(std::slice::from_ref(&none)), MatchOutcome::NoMatch);
        assert!(
            matches!(resolve(&[none.clone(), one.clone(), two.clone()]), MatchOutcome::Matched { target, .. } if target.id == "t1")
        );
        assert!(
            matches!(resolve(&[none, two, one]), MatchOutcome::Duplicate { candidates, .. } if candidates.len() == 2)
        );
    }
}
