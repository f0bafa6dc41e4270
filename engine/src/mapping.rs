//! Applying a job's attribute mappings to one source object: every mapping
//! is evaluated against the whole current object (never a delta), with
//! apply modes, defaults on create, flow_null and IgnoreFlowIfNullOrEmpty.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::expr::{self, EvalContext, Program};
use crate::job::{Apply, AttributeMapping};
use crate::object::Attributes;
use crate::scim_path::diff::same;
use crate::scim_path::{AttributeChange, TargetAttributes, TargetPath};
use crate::value::Value;

/// One attribute mapping, checked and ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    pub spec: AttributeMapping,
    pub path: TargetPath,
    /// The canonical path text, the key of target attributes.
    pub key: Arc<str>,
    pub program: Program,
    /// Updates add the value's elements and never remove any: the mapping
    /// is `AppRoleAssignmentsComplex(…)` (Entra sends such roles with PATCH
    /// `Add`; its assertive form replaces them).
    pub add_only: bool,
}

impl CompiledMapping {
    /// Compiles a mapping; job validation reports the same problems with
    /// their locations, so callers normally validate first.
    pub fn compile(spec: &AttributeMapping) -> Result<CompiledMapping, String> {
        let path = TargetPath::parse(&spec.target).map_err(|e| e.message)?;
        let program =
            expr::compile(&spec.expression).map_err(|d| d.first().map_or_else(String::new, |d| d.message.clone()))?;
        Ok(CompiledMapping {
            add_only: program
                .root_call()
                .is_some_and(|name| name.eq_ignore_ascii_case("AppRoleAssignmentsComplex")),
            key: Arc::from(path.canonical()),
            path,
            program,
            spec: spec.clone(),
        })
    }

    /// Whether the mapping's expression reads the attribute.
    pub fn reads(&self, attribute: &str) -> bool {
        self.program.attributes().contains(attribute)
    }
}

/// Why the mappings are being applied: defaults and on-create mappings only
/// take part in creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Update,
}

/// A reference attribute (manager, members) whose source object ids must be
/// turned into target ids once those objects exist in the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingReference {
    pub path: String,
    pub source_ids: Vec<String>,
}

/// A mapping whose expression failed for this object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingFailure {
    pub target: String,
    pub expression: String,
    pub diagnostic: Diagnostic,
}

/// What the mappings produce for one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    /// Target path → value. A `Null` value means "clear" (flow_null).
    pub attributes: TargetAttributes,
    /// Paths whose value came through Redact: logs must not show them.
    pub redacted: BTreeSet<String>,
    pub references: Vec<PendingReference>,
    pub failures: Vec<MappingFailure>,
}

/// Evaluates every mapping that applies for `purpose`.
pub fn apply(
    mappings: &[CompiledMapping],
    source: &dyn Attributes,
    purpose: Purpose,
    ctx: &mut EvalContext<'_>,
) -> Mapped {
    let mut out = Mapped::default();
    for mapping in mappings {
        match evaluate_one(mapping, source, purpose, ctx) {
            Err(failure) => out.failures.push(*failure),
            Ok(None) => {}
            Ok(Some(value)) => out.take(mapping, value, |out, value| {
                out.attributes.insert(mapping.key.to_string(), value.into_owned());
            }),
        }
    }
    out
}

/// What an update must change: the mappings that apply to updates,
/// evaluated and compared with the target's `current` attributes, copying
/// only the values that differ (in the order of the mappings).
/// `Mapped::attributes` stays empty; the differences are returned beside it.
pub fn changes(
    mappings: &[CompiledMapping],
    source: &dyn Attributes,
    current: &TargetAttributes,
    case_exact: &dyn Fn(&str) -> bool,
    ctx: &mut EvalContext<'_>,
) -> (Vec<AttributeChange>, Mapped) {
    let mut out = Mapped::default();
    let mut changes = Vec::new();
    for mapping in mappings {
        match evaluate_one(mapping, source, Purpose::Update, ctx) {
            Err(failure) => out.failures.push(*failure),
            Ok(None) => {}
            Ok(Some(value)) => out.take(mapping, value, |_, value| {
                let old = current.get(&*mapping.key).unwrap_or(&Value::Null);
                if mapping.add_only {
                    changes.extend(AttributeChange::adding(mapping.key.clone(), old, &value));
                } else if !same(&value, old, case_exact(&mapping.key)) {
                    changes.push(AttributeChange {
                        path: mapping.key.clone(),
                        old: old.clone(),
                        new: value.into_owned(),
                        add_only: false,
                    });
                }
            }),
        }
    }
    (changes, out)
}

/// What a creation writes: every mapping that applies on create, as changes
/// from nothing, in the order of the mappings. `Mapped::attributes` stays empty.
pub fn creation(
    mappings: &[CompiledMapping],
    source: &dyn Attributes,
    ctx: &mut EvalContext<'_>,
) -> (Vec<AttributeChange>, Mapped) {
    let mut out = Mapped::default();
    let mut changes = Vec::with_capacity(mappings.len());
    for mapping in mappings {
        match evaluate_one(mapping, source, Purpose::Create, ctx) {
            Err(failure) => out.failures.push(*failure),
            Ok(None) => {}
            Ok(Some(value)) => out.take(mapping, value, |_, value| {
                changes.push(AttributeChange {
                    path: mapping.key.clone(),
                    old: Value::Null,
                    new: value.into_owned(),
                    add_only: false,
                });
            }),
        }
    }
    (changes, out)
}

/// One mapping's value for this purpose, or `None` when the mapping does
/// not flow: it applies only on create, IgnoreFlowIfNullOrEmpty saw
/// nothing, or the value is null with no default and no flow_null. A
/// `Null` value means "clear the attribute".
fn evaluate_one<'a>(
    mapping: &'a CompiledMapping,
    source: &'a dyn Attributes,
    purpose: Purpose,
    ctx: &mut EvalContext<'_>,
) -> Result<Option<(Cow<'a, Value>, bool)>, Box<MappingFailure>> {
    if mapping.spec.apply == Apply::OnCreate && purpose == Purpose::Update {
        return Ok(None);
    }
    ctx.target_attribute = Some(mapping.key.clone());
    let evaluation = mapping.program.evaluate_borrowed(source, ctx);
    ctx.target_attribute = None;
    let evaluation = evaluation.map_err(|diagnostic| {
        Box::new(MappingFailure {
            target: mapping.key.to_string(),
            expression: mapping.spec.expression.clone(),
            diagnostic,
        })
    })?;
    if evaluation.ignore_flow {
        return Ok(None);
    }
    let value = match (evaluation.value, &mapping.spec.default) {
        (value, _) if !value.is_null() => value,
        (_, Some(default)) if purpose == Purpose::Create => Cow::Owned(Value::Str(default.clone())),
        (null, _) if mapping.spec.flow_null && purpose == Purpose::Update => null,
        _ => return Ok(None),
    };
    Ok(Some((value, evaluation.redacted)))
}

impl Mapped {
    /// Records what every flowing value has in common (redaction, pending
    /// references), then hands plain values to `keep`.
    fn take<'a>(
        &mut self,
        mapping: &CompiledMapping,
        (value, redacted): (Cow<'a, Value>, bool),
        keep: impl FnOnce(&mut Mapped, Cow<'a, Value>),
    ) {
        if redacted {
            self.redacted.insert(mapping.key.to_string());
        }
        match reference_ids(&value) {
            Some(source_ids) => self.references.push(PendingReference {
                path: mapping.key.to_string(),
                source_ids,
            }),
            None => keep(self, value),
        }
    }
}

/// The source ids of a reference value, or `None` if it is not one.
fn reference_ids(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Reference(id) => Some(vec![id.clone()]),
        Value::Multi(items) if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Reference(_))) => Some(
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Reference(id) => Some(id.clone()),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::SourceObject;

    fn mapping(target: &str, expression: &str) -> AttributeMapping {
        AttributeMapping {
            target: target.into(),
            expression: expression.into(),
            match_precedence: None,
            apply: Apply::Always,
            default: None,
            flow_null: false,
            case_exact: false,
        }
    }

    fn run(specs: &[AttributeMapping], source: &SourceObject, purpose: Purpose) -> Mapped {
        let compiled: Vec<CompiledMapping> = specs.iter().map(|s| CompiledMapping::compile(s).unwrap()).collect();
        apply(&compiled, source, purpose, &mut EvalContext::default())
    }

    fn user() -> SourceObject {
        SourceObject::new()
            .with("givenName", "Zoë")
            .with("mail", "zoe@contoso.com")
    }

    #[test]
    fn every_mapping_is_evaluated_against_the_whole_object() {
        let out = run(
            &[
                mapping("name.givenName", "[givenName]"),
                mapping("emails[type eq \"work\"].value", "[mail]"),
            ],
            &user(),
            Purpose::Update,
        );
        assert_eq!(out.attributes.get("name.givenName"), Some(&Value::str("Zoë")));
        assert_eq!(
            out.attributes.get("emails[type eq \"work\"].value"),
            Some(&Value::str("zoe@contoso.com"))
        );
    }

    #[test]
    fn on_create_mappings_apply_only_on_create() {
        let mut m = mapping("externalId", "[givenName]");
        m.apply = Apply::OnCreate;
        assert!(run(&[m.clone()], &user(), Purpose::Update).attributes.is_empty());
        assert_eq!(run(&[m], &user(), Purpose::Create).attributes.len(), 1);
    }

    #[test]
    fn defaults_apply_to_null_values_on_create_only() {
        let mut m = mapping("title", "[jobTitle]");
        m.default = Some("Employee".into());
        assert_eq!(
            run(&[m.clone()], &user(), Purpose::Create).attributes.get("title"),
            Some(&Value::str("Employee"))
        );
        assert!(run(&[m], &user(), Purpose::Update).attributes.is_empty());
    }

    #[test]
    fn null_values_are_not_provisioned_unless_flow_null() {
        assert!(
            run(&[mapping("title", "[jobTitle]")], &user(), Purpose::Update)
                .attributes
                .is_empty()
        );
        let mut m = mapping("title", "[jobTitle]");
        m.flow_null = true;
        assert_eq!(
            run(&[m.clone()], &user(), Purpose::Update).attributes.get("title"),
            Some(&Value::Null)
        );
        assert!(
            run(&[m], &user(), Purpose::Create).attributes.is_empty(),
            "nothing to clear on create"
        );
    }

    #[test]
    fn ignore_flow_leaves_the_attribute_out() {
        let mut m = mapping("department", "IgnoreFlowIfNullOrEmpty([department])");
        m.flow_null = true;
        assert!(run(&[m], &user(), Purpose::Update).attributes.is_empty());
    }

    #[test]
    fn redacted_values_are_marked() {
        let out = run(&[mapping("password", "Redact(\"secret\")")], &user(), Purpose::Create);
        assert!(out.redacted.contains("password"));
        assert_eq!(out.attributes.get("password"), Some(&Value::str("secret")));
    }

    #[test]
    fn references_wait_for_resolution() {
        let source = SourceObject::new()
            .with("manager", Value::Reference("u-2".into()))
            .with(
                "members",
                Value::Multi(vec![Value::Reference("u-1".into()), Value::Reference("g-7".into())]),
            );
        let out = run(
            &[mapping("manager", "[manager]"), mapping("members", "[members]")],
            &source,
            Purpose::Create,
        );
        assert!(out.attributes.is_empty());
        assert_eq!(
            out.references[0],
            PendingReference {
                path: "manager".into(),
                source_ids: vec!["u-2".into()]
            }
        );
        assert_eq!(out.references[1].source_ids, vec!["u-1".to_owned(), "g-7".to_owned()]);
    }

    #[test]
    fn failures_are_collected_per_mapping() {
        let out = run(
            &[mapping("a", "Mid([givenName], 0, 1)"), mapping("b", "[givenName]")],
            &user(),
            Purpose::Create,
        );
        assert_eq!(out.failures.len(), 1);
        assert_eq!(out.failures[0].target, "a");
        assert_eq!(out.attributes.len(), 1);
    }

    /// Takes the values `ExistingValues::exists_in` is asked, per attribute.
    struct Recorder(Vec<(Option<String>, String)>);

    impl crate::expr::ExistingValues for &mut Recorder {
        fn exists(&mut self, value: &str) -> Result<bool, String> {
            self.exists_in(None, value)
        }

        fn exists_in(&mut self, attribute: Option<&str>, value: &str) -> Result<bool, String> {
            self.0.push((attribute.map(str::to_owned), value.to_owned()));
            Ok(value == "ada")
        }
    }

    #[test]
    fn select_unique_value_is_asked_about_the_mapped_target_attribute() {
        let mappings = [CompiledMapping::compile(&mapping(
            "externalId",
            "SelectUniqueValue([mailNickname], Join(\"\", [mailNickname], \"2\"))",
        ))
        .unwrap()];
        let source = SourceObject::new().with("mailNickname", "ada");
        let mut recorder = Recorder(Vec::new());
        let out = {
            let mut ctx = EvalContext::default().with_existing(&mut recorder);
            apply(&mappings, &source, Purpose::Create, &mut ctx)
        };
        assert_eq!(out.attributes.get("externalId"), Some(&Value::str("ada2")));
        assert_eq!(
            recorder.0,
            [
                (Some("externalId".to_owned()), "ada".to_owned()),
                (Some("externalId".to_owned()), "ada2".to_owned())
            ]
        );
    }
}
