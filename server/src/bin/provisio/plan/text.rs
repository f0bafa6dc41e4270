//! `provisio plan --format text`: a dry run in words, as `provisio job
//! provision` shows a real run — each step with what it found, then what
//! would be done (and, for a cycle, the counts first and each object after).

use std::fmt::Write as _;

use provisio_engine::plan::{CyclePlan, Decision, Status};

use crate::steps::{json_name, write_steps};

/// One object's decision: its steps, then the result.
pub fn decision(job: &str, decision: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Planning {} with job {job} (a dry run: nothing is written)",
        source(decision)
    );
    write_steps(&mut out, decision);
    let _ = writeln!(out);
    write_result(&mut out, decision);
    out
}

/// A cycle's plan: the counts, the deletion guard, then each object.
pub fn cycle(job: &str, plan: &CyclePlan) -> String {
    let mut out = String::new();
    let counts = &plan.counts;
    let _ = writeln!(
        out,
        "Planning a cycle of {} objects with job {job} (a dry run: nothing is written)",
        plan.decisions.len()
    );
    let _ = writeln!(
        out,
        "create {}, update {}, disable {}, delete {}, staged delete {}, skip {}, failed {}",
        counts.create, counts.update, counts.disable, counts.delete, counts.staged_delete, counts.skip, counts.failed
    );
    if plan.threshold_exceeded {
        let _ = writeln!(
            out,
            "the deletion threshold is exceeded: {} disables and deletes are staged for approval \
             (--allow-deletes plans them)",
            plan.deletions
        );
    }
    for (i, decision) in plan.decisions.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "— Object {} of {}: {}",
            i + 1,
            plan.decisions.len(),
            source(decision)
        );
        write_steps(&mut out, decision);
        let _ = writeln!(out);
        write_result(&mut out, decision);
    }
    out
}

fn source(decision: &Decision) -> String {
    decision
        .source_id
        .as_deref()
        .map_or_else(|| "the source object".to_owned(), |id| format!("source {id}"))
}

fn write_result(out: &mut String, decision: &Decision) {
    let verdict = match decision.status {
        Status::Failure => "would fail",
        _ if decision.is_noop() => "nothing to do",
        _ => "would be done",
    };
    let _ = write!(out, "Result: {} — {verdict}", json_name(&decision.action));
    if let Some(target) = &decision.target_id {
        let _ = write!(out, " (target object {target})");
    }
    let _ = writeln!(out);
    if let Some(reason) = &decision.reason {
        let _ = writeln!(out, "   {}", reason.message);
    }
    for reference in &decision.references {
        let _ = writeln!(
            out,
            "   then {} → {} (once the referenced objects exist in the target)",
            reference.path,
            reference.source_ids.join(", ")
        );
    }
}
