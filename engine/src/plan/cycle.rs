//! A cycle's plan over many objects: every decision, counts per action,
//! several sources claiming one target object (DuplicateSourceEntries), and
//! the accidental-deletion guard turning excess deletions into staged ones.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::expr::EvalContext;
use crate::plan::{
    Action, CompiledJob, Decision, Reason, ReasonCode, SourceRecord, Status, StepDetails, TargetState, decide,
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleOptions {
    /// Apply deletions even beyond the threshold ("Allow deletes").
    pub allow_deletes: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub disable: usize,
    pub delete: usize,
    pub staged_delete: usize,
    pub skip: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CyclePlan {
    pub counts: Counts,
    /// Disables and deletes the cycle wanted, before the guard.
    pub deletions: usize,
    /// The deletion threshold was exceeded and deletions were staged.
    pub threshold_exceeded: bool,
    pub decisions: Vec<Decision>,
}

pub fn plan_cycle(
    job: &CompiledJob,
    objects: &[(SourceRecord, TargetState)],
    options: CycleOptions,
    ctx: &mut EvalContext<'_>,
) -> CyclePlan {
    let mut decisions: Vec<Decision> = objects
        .iter()
        .map(|(source, target)| decide(job, source, target, ctx))
        .collect();
    mark_duplicate_sources(&mut decisions);

    let deletions = decisions
        .iter()
        .filter(|d| matches!(d.action, Action::Disable | Action::Delete))
        .count();
    let threshold_exceeded = !options.allow_deletes
        && job
            .definition
            .deletion_threshold
            .is_some_and(|threshold| deletions > threshold as usize);
    if threshold_exceeded {
        let threshold = job.definition.deletion_threshold.unwrap_or_default();
        for d in decisions
            .iter_mut()
            .filter(|d| matches!(d.action, Action::Disable | Action::Delete))
        {
            d.action = Action::StagedDelete;
            d.status = Status::Skipped;
            d.reason = Some(Reason {
                code: ReasonCode::DeletionThresholdExceeded,
                message: format!(
                    "{deletions} disables and deletes in one cycle exceed the deletion threshold of {threshold}; \
                     held for approval"
                ),
            });
        }
    }

    let mut counts = Counts::default();
    for d in &decisions {
        match (d.action, d.status) {
            (_, Status::Failure) => counts.failed += 1,
            (Action::Create, _) => counts.create += 1,
            (Action::Update, _) => counts.update += 1,
            (Action::Disable, _) => counts.disable += 1,
            (Action::Delete, _) => counts.delete += 1,
            (Action::StagedDelete, _) => counts.staged_delete += 1,
            (Action::Skip, _) => counts.skip += 1,
        }
    }
    CyclePlan {
        counts,
        deletions,
        threshold_exceeded,
        decisions,
    }
}

/// Two or more sources linked or matched to one target object, or creating
/// objects with the same first matching value, all fail: acting on any of
/// them would merge different people into one account.
fn mark_duplicate_sources(decisions: &mut [Decision]) {
    let mut claims: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in decisions.iter().enumerate() {
        if d.status == Status::Failure {
            continue;
        }
        let claim = match (&d.target_id, d.action) {
            (Some(id), _) => Some(format!("id:{id}")),
            (None, Action::Create) => d.steps.iter().find_map(|s| match &s.details {
                StepDetails::Matching { queries, .. } => {
                    queries.first().map(|q| format!("value:{}={}", q.target, q.value))
                }
                _ => None,
            }),
            _ => None,
        };
        if let Some(claim) = claim {
            claims.entry(claim).or_default().push(i);
        }
    }
    for indexes in claims.values().filter(|ix| ix.len() > 1) {
        let sources: Vec<String> = indexes
            .iter()
            .filter_map(|&i| decisions.get(i).and_then(|d| d.source_id.clone()))
            .collect();
        for &i in indexes {
            if let Some(d) = decisions.get_mut(i) {
                d.action = Action::Skip;
                d.status = Status::Failure;
                d.changes.clear();
                d.secrets.clear();
                d.reason = Some(Reason {
                    code: ReasonCode::DuplicateSourceEntries,
                    message: format!(
                        "{} source objects ({}) claim the same target object",
                        indexes.len(),
                        sources.join(", ")
                    ),
                });
            }
        }
    }
}
