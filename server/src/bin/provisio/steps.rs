//! A decision's steps in words (import, scoping, matching, action), each
//! with what it found: how `provisio job provision` and `provisio plan
//! --format text` show what the engine decided and why.

use std::fmt::Write as _;

use provisio_engine::plan::{Decision, Step, StepDetails};
use provisio_engine::value::Value;
use serde::Serialize;

/// Every step, numbered, each after a blank line.
pub fn write_steps(out: &mut String, decision: &Decision) {
    for (i, step) in decision.steps.iter().enumerate() {
        let _ = writeln!(out);
        write_step(out, i + 1, step, decision);
    }
}

pub fn write_step(out: &mut String, n: usize, step: &Step, decision: &Decision) {
    let _ = writeln!(
        out,
        "{n}. {} — {}: {}",
        title(&json_name(&step.kind)),
        json_name(&step.status),
        step.description
    );
    match &step.details {
        StepDetails::Import { id, lifecycle, .. } => {
            let _ = writeln!(
                out,
                "   source {} ({})",
                id.as_deref().unwrap_or("(no id)"),
                json_name(lifecycle).replace('_', " ")
            );
        }
        StepDetails::Scoping { filters, .. } => {
            let _ = writeln!(out, "   {}", step.details.scoping_summary().unwrap_or_default());
            for filter in filters {
                let verdict = if filter.matched { "matched" } else { "did not match" };
                let _ = writeln!(out, "   filter \"{}\": {verdict}", filter.name);
                for clause in &filter.clauses {
                    let value = clause
                        .value
                        .as_ref()
                        .and_then(|v| serde_json::to_value(v).ok())
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "     {} {}{value}: {} (the value is {})",
                        clause.attribute,
                        clause.operator,
                        if clause.matched { "holds" } else { "does not hold" },
                        shown(&clause.actual)
                    );
                    if !clause.explanation.is_empty() {
                        let _ = writeln!(out, "       {}", clause.explanation);
                    }
                }
            }
        }
        StepDetails::Matching {
            linked,
            queries,
            matched,
            candidates,
        } => {
            if let Some(linked) = linked {
                let _ = writeln!(out, "   linked to {linked}");
            }
            for query in queries {
                let _ = writeln!(
                    out,
                    "   attempt {}: {} eq {}",
                    query.precedence,
                    query.target,
                    shown(&query.value)
                );
            }
            if let Some(found) = matched {
                let _ = writeln!(out, "   matched {}", found.id);
            }
            if !candidates.is_empty() {
                let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
                let _ = writeln!(out, "   candidates: {}", ids.join(", "));
            }
        }
        StepDetails::Action { reason, failures } => {
            if let Some(reason) = reason {
                let _ = writeln!(out, "   reason: {}", json_name(reason));
            }
            let _ = writeln!(out, "   action: {}", json_name(&decision.action));
            if let Some(reason) = &decision.reason {
                let _ = writeln!(out, "   {}", reason.message);
            }
            for change in &decision.changes {
                let _ = writeln!(
                    out,
                    "   {}: {} → {}",
                    change.path,
                    shown(&change.old),
                    shown(&change.new)
                );
            }
            for failure in failures {
                let _ = writeln!(
                    out,
                    "   {} = {}: {}",
                    failure.target, failure.expression, failure.diagnostic.message
                );
            }
        }
    }
}

/// An enum's name as the JSON output spells it.
pub fn json_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

fn title(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A value as JSON (text in quotes), or `(none)`.
pub fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_json().to_string(),
    }
}
