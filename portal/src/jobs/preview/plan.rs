//! Planning one kind of object's cycle with the engine: every object
//! unlinked and unmatched, as in an initial cycle against an empty application.

use std::collections::BTreeMap;

use provisio_engine::expr::EvalContext;
use provisio_engine::job::SourceKind;
use provisio_engine::plan::{
    CompiledJob, CycleOptions, CyclePlan, Entitlements, SourceRecord, TargetState, plan_cycle,
};
use provisio_engine::random::SeededRandom;

use crate::jobs::directory_source::SourceEntry;

/// A cycle's plan for one kind of object, with the objects' names by id.
#[derive(Debug, Clone, PartialEq)]
pub struct KindPlan {
    pub kind: SourceKind,
    pub plan: CyclePlan,
    pub names: BTreeMap<String, String>,
}

pub fn plan_kind(
    job: &CompiledJob,
    kind: SourceKind,
    entries: &[SourceEntry],
    entitlements: &Entitlements,
    default_domain: Option<&str>,
) -> KindPlan {
    let objects: Vec<(SourceRecord, TargetState)> = entries
        .iter()
        .map(|e| (e.entitled_record(kind, entitlements), TargetState::Unlinked(Vec::new())))
        .collect();
    let now = crate::playground::browser_now();
    #[allow(clippy::cast_sign_loss)] // any 64 bits make a seed
    let mut ctx = EvalContext::new(now).with_random(SeededRandom::new(now.timestamp_millis() as u64));
    ctx.default_domain = default_domain.map(str::to_owned);
    let plan = plan_cycle(job, &objects, CycleOptions::default(), &mut ctx);
    let names = entries.iter().map(|e| (e.id.clone(), e.name.clone())).collect();
    KindPlan { kind, plan, names }
}
