//! A job definition compiled for deciding: expressions checked, paths
//! parsed, scoping filters compiled and matching mappings in precedence
//! order — once per job, not once per object.

use std::collections::BTreeSet;

use crate::diagnostic::Severity;
use crate::job::{self, JobDefinition, JobProblem, ObjectAction, ObjectMapping, SourceKind, Target};
use crate::mapping::CompiledMapping;
use crate::scope::CompiledScope;

/// The computed source attribute that is true for disabled, deleted and out-of-scope objects.
pub use crate::attributes::IS_SOFT_DELETED;

#[derive(Debug, Clone)]
pub struct CompiledJob {
    pub definition: JobDefinition,
    pub objects: Vec<CompiledObject>,
}

/// One object mapping, compiled.
#[derive(Debug, Clone)]
pub struct CompiledObject {
    pub spec: ObjectMapping,
    pub scope: CompiledScope,
    pub mappings: Vec<CompiledMapping>,
    /// Indexes into `mappings` of the matching mappings, by ascending precedence.
    matching: Vec<usize>,
    /// Whether any mapping reads the computed IsSoftDeleted attribute.
    maps_soft_deletion: bool,
    /// Target paths compared case-sensitively.
    case_exact: BTreeSet<String>,
}

impl CompiledJob {
    /// Validates and compiles; any error-level problem refuses the job.
    pub fn compile(definition: JobDefinition) -> Result<CompiledJob, Vec<JobProblem>> {
        let problems = job::validate(&definition);
        if problems.iter().any(|p| p.severity == Severity::Error) {
            return Err(problems);
        }
        let mut objects = Vec::with_capacity(definition.objects.len());
        for (i, spec) in definition.objects.iter().enumerate() {
            objects.push(CompiledObject::compile(spec).map_err(|message| {
                vec![JobProblem {
                    location: format!("objects[{i}]"),
                    severity: Severity::Error,
                    message,
                    diagnostics: Vec::new(),
                    source: None,
                }]
            })?);
        }
        Ok(CompiledJob { definition, objects })
    }

    /// The enabled object mapping for a kind of source object.
    pub fn object(&self, kind: SourceKind) -> Option<&CompiledObject> {
        self.objects.iter().find(|o| o.spec.source == kind)
    }

    /// Whether disabling in the target is possible; otherwise it becomes deleting.
    pub fn target_soft_deletes(&self) -> bool {
        match &self.definition.target {
            Target::Scim { soft_delete, .. } => *soft_delete,
            Target::Directory => true,
            Target::Ldap(ldap) => ldap.disable != crate::job::LdapDisable::Delete,
            Target::Sql(sql) => sql.disable != crate::job::SqlDisable::Delete,
            Target::Rest(rest) => rest.users.disable.is_some(),
        }
    }
}

impl CompiledObject {
    fn compile(spec: &ObjectMapping) -> Result<CompiledObject, String> {
        let scope = CompiledScope::compile(&spec.scoping).map_err(|problems| {
            problems
                .first()
                .map_or_else(|| "invalid scoping filter".to_owned(), |p| p.message.clone())
        })?;
        let mappings = spec
            .mappings
            .iter()
            .map(CompiledMapping::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let mut matching: Vec<usize> = (0..mappings.len())
            .filter(|&i| mappings.get(i).is_some_and(|m| m.spec.match_precedence.is_some()))
            .collect();
        matching.sort_by_key(|&i| mappings.get(i).and_then(|m| m.spec.match_precedence));
        Ok(CompiledObject {
            spec: spec.clone(),
            scope,
            maps_soft_deletion: mappings.iter().any(|m| m.reads(IS_SOFT_DELETED)),
            case_exact: mappings
                .iter()
                .filter(|m| m.spec.case_exact)
                .map(|m| m.key.to_string())
                .collect(),
            mappings,
            matching,
        })
    }

    /// The matching mappings, by ascending precedence.
    pub fn matching_mappings(&self) -> Vec<&CompiledMapping> {
        self.matching.iter().filter_map(|&i| self.mappings.get(i)).collect()
    }

    /// The source attributes the matching mappings read, in name order:
    /// what an object needs a value for to be matched at all.
    pub fn matched_on(&self) -> Vec<&str> {
        let read: std::collections::BTreeSet<&str> = self
            .matching_mappings()
            .into_iter()
            .flat_map(|m| m.program.attributes())
            .collect();
        read.into_iter().collect()
    }

    pub fn allows(&self, action: ObjectAction) -> bool {
        self.spec.actions.contains(&action)
    }

    /// Whether any mapping reacts to the computed IsSoftDeleted attribute;
    /// without one, falling out of scope changes nothing in the target.
    /// Whether the target attribute at `path` compares case-sensitively.
    pub fn is_case_exact(&self, path: &str) -> bool {
        !self.case_exact.is_empty() && self.case_exact.contains(path)
    }

    pub fn maps_soft_deletion(&self) -> bool {
        self.maps_soft_deletion
    }
}
