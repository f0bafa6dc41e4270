//! `decide`: the action for one source object — create, update, disable,
//! delete or skip — with the changes, references, reason and steps.

use crate::attributes::APP_ROLE_ASSIGNMENTS;
use crate::expr::EvalContext;
use crate::job::{ObjectAction, ScopeMode, holds_a_role};
use crate::mapping::{self, Mapped, MappingFailure};
use crate::matching::{self, MatchOutcome, Queries, TargetObject};
use crate::object::Attributes;
use crate::plan::source::WithSoftDeleted;
use crate::plan::{
    Action, CompiledJob, CompiledObject, Decision, Lifecycle, Reason, ReasonCode, SourceRecord, Status, Step,
    StepDetails, StepKind, StepStatus, TargetState,
};
use crate::scim_path::{AttributeChange, TargetAttributes};
use crate::scope::ScopeContext;
use crate::value::Value;

/// Decides what to do for one source object given what the target holds.
/// Time, randomness and uniqueness look-ups come from `ctx`.
pub fn decide(job: &CompiledJob, source: &SourceRecord, target: &TargetState, ctx: &mut EvalContext<'_>) -> Decision {
    let mut d = Draft::new(source);
    let Some(object) = job.object(source.kind) else {
        return d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            format!("the job has no object mapping for {:?} objects", source.kind).to_lowercase(),
        );
    };
    d.step(
        StepKind::Import,
        StepStatus::Success,
        "Imported the source object",
        StepDetails::Import {
            id: source.id.clone(),
            lifecycle: source.lifecycle,
            attributes: source.attributes.clone(),
        },
    );
    if !object.spec.enabled {
        return d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "the object mapping is disabled",
        );
    }
    if source.lifecycle == Lifecycle::HardDeleted {
        return hard_deleted(d, object, target);
    }

    // Scoping, then the computed IsSoftDeleted that mappings read.
    // As in Entra, an app that defines roles is not provisioned for someone
    // assigned only with Default Access.
    let default_access_only = job.definition.scope == ScopeMode::Assigned
        && source.assigned
        && !job.definition.app_roles.is_empty()
        && !holds_a_role(source.attributes.attribute(APP_ROLE_ASSIGNMENTS));
    let assigned = job.definition.scope == ScopeMode::All || (source.assigned && !default_access_only);
    let scope = object
        .scope
        .evaluate(source.attributes.as_ref(), &ScopeContext { now: ctx.now });
    let in_scope = assigned && scope.in_scope;
    let active = source.lifecycle == Lifecycle::Active && source.account_enabled();
    let soft_deleted = !in_scope || !active;
    d.step(
        StepKind::Scoping,
        if in_scope {
            StepStatus::Success
        } else {
            StepStatus::Skipped
        },
        if in_scope {
            "The object is in scope"
        } else {
            "The object is out of scope"
        },
        StepDetails::Scoping {
            scope: job.definition.scope,
            assigned,
            default_access_only,
            active_in_source: active,
            passed_scoping_filters: scope.in_scope,
            filters: scope.filters,
        },
    );
    let attributes = WithSoftDeleted {
        source: source.attributes.as_ref(),
        is_soft_deleted: Value::Bool(soft_deleted),
    };

    // Linking: an existing link wins; otherwise match.
    let matched: TargetObject;
    let current: Option<&TargetObject> = match target {
        TargetState::Linked(current) => {
            d.target_id = Some(current.id.clone());
            d.step(
                StepKind::Matching,
                StepStatus::Success,
                format!("Linked to target object {}; matching is not repeated", current.id),
                matching_details(Some(current.id.clone()), Vec::new(), None, Vec::new()),
            );
            Some(current)
        }
        TargetState::LinkedMissing { id } => {
            d.target_id = Some(id.clone());
            if soft_deleted {
                return d.skip(
                    ReasonCode::EntrySynchronizationSkipped,
                    "the linked target object is already gone",
                );
            }
            return d.fail(
                ReasonCode::InvalidAnchor,
                format!("the linked target object {id} no longer exists in the target"),
            );
        }
        TargetState::Unlinked(attempts) => {
            if !in_scope {
                return d.skip(
                    ReasonCode::EntrySynchronizationSkipped,
                    "the object is out of scope and was never provisioned",
                );
            }
            let matching_mappings = object.matching_mappings();
            match matching::queries(&matching_mappings, &attributes, ctx) {
                Queries::NoValues => {
                    return d.skip(ReasonCode::ImportSkipped, no_matching_value(&object.matched_on()));
                }
                Queries::Failed(failures) => return d.expression_failed(&failures),
                Queries::Run(queries) => match matching::resolve(attempts) {
                    MatchOutcome::Matched { query, target } => {
                        d.target_id = Some(target.id.clone());
                        d.link = Some(target.id.clone());
                        d.step(
                            StepKind::Matching,
                            StepStatus::Success,
                            format!("Matched target object {} on {}", target.id, query.target),
                            matching_details(None, queries, Some(target.clone()), Vec::new()),
                        );
                        matched = target;
                        Some(&matched)
                    }
                    MatchOutcome::Duplicate { query, candidates } => {
                        d.step(
                            StepKind::Matching,
                            StepStatus::Failure,
                            format!(
                                "{} target objects have {} = {}",
                                candidates.len(),
                                query.target,
                                query.value
                            ),
                            matching_details(None, queries, None, candidates.clone()),
                        );
                        return d.fail(
                            ReasonCode::DuplicateTargetEntries,
                            format!(
                                "{} target objects match on {}; make the matching attribute unique in the target",
                                candidates.len(),
                                query.target
                            ),
                        );
                    }
                    MatchOutcome::NoMatch => {
                        d.step(
                            StepKind::Matching,
                            StepStatus::Success,
                            "No target object matches",
                            matching_details(None, queries, None, Vec::new()),
                        );
                        None
                    }
                },
            }
        }
    };

    match current {
        None => create(d, object, &attributes, soft_deleted, ctx),
        Some(current) if soft_deleted => deprovision(d, job, object, &attributes, current, in_scope, active, ctx),
        Some(current) => update(d, object, &attributes, current, ctx),
    }
}

fn hard_deleted(mut d: Draft, object: &CompiledObject, target: &TargetState) -> Decision {
    match target {
        TargetState::Linked(current) => {
            d.target_id = Some(current.id.clone());
            if !object.allows(ObjectAction::Delete) {
                return d.skip(
                    ReasonCode::ActionNotAllowed,
                    "deleted in the source, but the job does not delete",
                );
            }
            d.finish(
                Action::Delete,
                "Deleted in the source: delete the target object",
                Vec::new(),
                Mapped::default(),
            )
        }
        _ => d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "deleted in the source and not provisioned",
        ),
    }
}

fn create(
    d: Draft,
    object: &CompiledObject,
    attributes: &dyn Attributes,
    soft_deleted: bool,
    ctx: &mut EvalContext<'_>,
) -> Decision {
    if soft_deleted {
        return d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "disabled or deleted in the source: nothing to create",
        );
    }
    if !object.allows(ObjectAction::Create) {
        return d.skip(
            ReasonCode::ActionNotAllowed,
            "the object mapping does not create objects",
        );
    }
    let (changes, mapped) = mapping::creation(&object.mappings, attributes, ctx);
    if !mapped.failures.is_empty() {
        return d.expression_failed(&mapped.failures);
    }
    d.finish(Action::Create, "Create the target object", changes, mapped)
}

fn update(
    d: Draft,
    object: &CompiledObject,
    attributes: &dyn Attributes,
    current: &TargetObject,
    ctx: &mut EvalContext<'_>,
) -> Decision {
    let (changes, mapped) = changes(object, attributes, current, ctx);
    if !mapped.failures.is_empty() {
        return d.expression_failed(&mapped.failures);
    }
    if changes.is_empty() {
        // References are compared once resolved to target ids, by the cycle.
        let mut decision = d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "the target object is already in sync",
        );
        decision.references = mapped.references;
        return decision;
    }
    if !object.allows(ObjectAction::Update) {
        return d.skip(
            ReasonCode::ActionNotAllowed,
            "the object mapping does not update objects",
        );
    }
    d.finish(Action::Update, "Update the target object", changes, mapped)
}

#[allow(clippy::too_many_arguments)] // each input is one fact the choice depends on
fn deprovision(
    d: Draft,
    job: &CompiledJob,
    object: &CompiledObject,
    attributes: &dyn Attributes,
    current: &TargetObject,
    in_scope: bool,
    active: bool,
    ctx: &mut EvalContext<'_>,
) -> Decision {
    if !in_scope && active && job.definition.skip_out_of_scope_deletions {
        return d.skip(
            ReasonCode::SkipOutOfScopeDeletions,
            "out of scope, but the job skips out-of-scope deletions",
        );
    }
    if !job.target_soft_deletes() {
        if !object.allows(ObjectAction::Delete) {
            return d.skip(
                ReasonCode::ActionNotAllowed,
                "the target cannot disable and the job does not delete",
            );
        }
        return d.finish(
            Action::Delete,
            "The target has no soft delete: delete the target object",
            Vec::new(),
            Mapped::default(),
        );
    }
    if !object.maps_soft_deletion() {
        return d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "no mapping reads IsSoftDeleted, so the target object is left as it is",
        );
    }
    let (changes, mapped) = changes(object, attributes, current, ctx);
    if !mapped.failures.is_empty() {
        return d.expression_failed(&mapped.failures);
    }
    if changes.is_empty() {
        return d.skip(
            ReasonCode::EntrySynchronizationSkipped,
            "the target object is already disabled",
        );
    }
    if !object.allows(ObjectAction::Update) {
        return d.skip(
            ReasonCode::ActionNotAllowed,
            "the object mapping does not update objects",
        );
    }
    d.finish(Action::Disable, "Disable the target object", changes, mapped)
}

fn matching_details(
    linked: Option<String>,
    queries: Vec<crate::matching::MatchQuery>,
    matched: Option<TargetObject>,
    candidates: Vec<TargetObject>,
) -> StepDetails {
    StepDetails::Matching {
        linked,
        queries,
        matched,
        candidates,
    }
}

/// Differences between what the mappings want and what the target holds.
fn changes(
    object: &CompiledObject,
    attributes: &dyn Attributes,
    current: &TargetObject,
    ctx: &mut EvalContext<'_>,
) -> (Vec<AttributeChange>, Mapped) {
    mapping::changes(
        &object.mappings,
        attributes,
        &current.attributes,
        &|path: &str| object.is_case_exact(path),
        ctx,
    )
}

fn action_details(reason: Option<ReasonCode>) -> StepDetails {
    StepDetails::Action {
        reason,
        failures: Vec::new(),
    }
}

/// A decision being built, step by step.
struct Draft {
    source_id: Option<String>,
    target_id: Option<String>,
    link: Option<String>,
    steps: Vec<Step>,
}

impl Draft {
    fn new(source: &SourceRecord) -> Draft {
        Draft {
            source_id: source.id.clone(),
            target_id: None,
            link: None,
            steps: Vec::new(),
        }
    }

    fn step(
        &mut self,
        kind: StepKind,
        status: StepStatus,
        description: impl Into<std::borrow::Cow<'static, str>>,
        details: StepDetails,
    ) {
        self.steps.push(Step::new(kind, status, description, details));
    }

    fn done(self, action: Action, status: Status, reason: Option<Reason>) -> Decision {
        Decision {
            action,
            status,
            reason,
            source_id: self.source_id,
            target_id: self.target_id,
            link: self.link,
            changes: Vec::new(),
            references: Vec::new(),
            steps: self.steps,
            secrets: TargetAttributes::new(),
        }
    }

    fn skip(mut self, code: ReasonCode, message: impl Into<String>) -> Decision {
        let message = message.into();
        self.step(
            StepKind::Action,
            StepStatus::Skipped,
            format!("Skipped: {message}"),
            action_details(Some(code)),
        );
        self.done(Action::Skip, Status::Skipped, Some(Reason { code, message }))
    }

    fn fail(mut self, code: ReasonCode, message: impl Into<String>) -> Decision {
        let message = message.into();
        self.step(
            StepKind::Action,
            StepStatus::Failure,
            format!("Failed: {message}"),
            action_details(Some(code)),
        );
        self.done(Action::Skip, Status::Failure, Some(Reason { code, message }))
    }

    fn expression_failed(self, failures: &[MappingFailure]) -> Decision {
        let message = failures
            .iter()
            .map(|f| format!("{}: {}", f.target, f.diagnostic.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut decision = self.fail(ReasonCode::ExpressionFailed, message);
        if let Some(step) = decision.steps.last_mut() {
            step.details = StepDetails::Action {
                reason: Some(ReasonCode::ExpressionFailed),
                failures: failures.to_vec(),
            };
        }
        decision
    }

    fn finish(
        mut self,
        action: Action,
        description: &'static str,
        changes: Vec<AttributeChange>,
        mapped: Mapped,
    ) -> Decision {
        // The changes themselves are the decision's `changes`; not repeated here.
        self.step(StepKind::Action, StepStatus::Success, description, action_details(None));
        let mut secrets = TargetAttributes::new();
        let shown = if mapped.redacted.is_empty() {
            changes
        } else {
            let hide = |v: &Value| {
                if v.is_null() {
                    Value::Null
                } else {
                    Value::str("[Redact]")
                }
            };
            changes
                .into_iter()
                .map(|c| {
                    if !mapped.redacted.contains(&*c.path) {
                        return c;
                    }
                    let shown = AttributeChange {
                        path: c.path.clone(),
                        old: hide(&c.old),
                        new: hide(&c.new),
                        add_only: c.add_only,
                    };
                    secrets.insert(c.path.to_string(), c.new);
                    shown
                })
                .collect()
        };
        let mut decision = self.done(action, Status::Success, None);
        decision.changes = shown;
        decision.references = mapped.references;
        decision.secrets = secrets;
        decision
    }
}

/// Why an object without a value to match on is skipped, naming the source
/// attributes the matching mappings read, so that an administrator sees
/// which attribute to fill in (`no value for mailNickname`).
fn no_matching_value(matched_on: &[&str]) -> String {
    match matched_on {
        [] => "the object has no value for any matching attribute".to_owned(),
        [one] => format!("the object has no value for {one}, the attribute it is matched on"),
        [first @ .., last] => format!(
            "the object has no value for {} or {last}, the attributes it is matched on",
            first.join(", ")
        ),
    }
}
