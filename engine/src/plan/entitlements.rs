//! Who a job is for, from its assignments: whether an object is assigned
//! (directly, or a user through a group it belongs to directly, as in
//! Entra) and the app roles it holds, which decisions read as the source
//! attribute `appRoleAssignments`. Shared by the server's runs, the
//! portal's preview and `provisio plan`, so all three decide alike.

use std::collections::HashMap;

use serde_json::Value;

use crate::attributes::APP_ROLE_ASSIGNMENTS;
use crate::job::{AppRole, JobDefinition, ScopeMode, SourceKind};

/// One assignment: a user or group, with an app role's value (`None`:
/// Default Access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub kind: SourceKind,
    pub id: String,
    pub role: Option<String>,
}

/// A job's assignments, indexed for deciding objects.
#[derive(Debug, Clone, Default)]
pub struct Entitlements {
    /// Objects must be assigned to be in scope (scope `assigned`).
    checks_assignment: bool,
    /// Objects carry `appRoleAssignments`: the job defines roles or reads it.
    fills_roles: bool,
    roles: HashMap<(SourceKind, String), Vec<Option<String>>>,
    any_group: bool,
    app_roles: Vec<AppRole>,
}

/// What the assignments say about one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entitled {
    pub assigned: bool,
    /// `appRoleAssignments` (`{value, displayName}` per role), when the job
    /// reads roles.
    pub app_roles: Option<Value>,
}

impl Entitlements {
    /// Whether a job needs its assignments read at all.
    pub fn needed_by(definition: &JobDefinition) -> bool {
        definition.scope == ScopeMode::Assigned || fills_roles(definition)
    }

    pub fn new(definition: &JobDefinition, assignments: impl IntoIterator<Item = RoleAssignment>) -> Entitlements {
        let mut roles: HashMap<_, Vec<Option<String>>> = HashMap::new();
        for assignment in assignments {
            roles
                .entry((assignment.kind, assignment.id))
                .or_default()
                .push(assignment.role);
        }
        Entitlements {
            checks_assignment: definition.scope == ScopeMode::Assigned,
            fills_roles: fills_roles(definition),
            any_group: roles.keys().any(|(kind, _)| *kind == SourceKind::Group),
            roles,
            app_roles: definition.app_roles.clone(),
        }
    }

    /// Whether the job reads anything of the assignments.
    pub fn matters(&self) -> bool {
        self.checks_assignment || self.fills_roles
    }

    /// Whether deciding a user needs the groups it belongs to directly.
    pub fn needs_groups(&self, kind: SourceKind, id: &str) -> bool {
        self.matters()
            && kind == SourceKind::User
            && self.any_group
            && (self.fills_roles || !self.roles.contains_key(&(kind, id.to_owned())))
    }

    /// What the assignments say about the object `id` of `kind`, a user
    /// belonging directly to `groups`.
    pub fn of<'a>(&self, kind: SourceKind, id: &str, groups: impl IntoIterator<Item = &'a str>) -> Entitled {
        let own = self.roles.get(&(kind, id.to_owned()));
        let mut assigned = own.is_some();
        let mut held: Vec<&Option<String>> = own.into_iter().flatten().collect();
        if kind == SourceKind::User {
            for group in groups {
                if let Some(roles) = self.roles.get(&(SourceKind::Group, group.to_owned())) {
                    assigned = true;
                    held.extend(roles);
                }
            }
        }
        let app_roles = self.fills_roles.then(|| {
            let mut values: Vec<Value> = Vec::new();
            for role in held.into_iter().flatten() {
                // A role removed from the job since it was assigned is no role.
                let Some(defined) = self.app_roles.iter().find(|r| r.value.eq_ignore_ascii_case(role)) else {
                    continue;
                };
                let value = defined.assignment_value();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            Value::Array(values)
        });
        Entitled { assigned, app_roles }
    }

    /// Adds what the assignments say to a source object's JSON attributes
    /// (`appRoleAssignments`); the answer is whether the object is assigned.
    pub fn fill<'a>(
        &self,
        kind: SourceKind,
        id: &str,
        groups: impl IntoIterator<Item = &'a str>,
        attributes: &mut serde_json::Map<String, Value>,
    ) -> bool {
        let entitled = self.of(kind, id, groups);
        if let Some(roles) = entitled.app_roles {
            attributes.insert(APP_ROLE_ASSIGNMENTS.to_owned(), roles);
        }
        entitled.assigned || !self.checks_assignment
    }
}

/// Whether the job defines app roles or a mapping or scoping clause reads
/// `appRoleAssignments`.
fn fills_roles(definition: &JobDefinition) -> bool {
    !definition.app_roles.is_empty()
        || serde_json::to_string(&definition.objects).is_ok_and(|json| {
            json.to_ascii_lowercase()
                .contains(&APP_ROLE_ASSIGNMENTS.to_ascii_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn job(scope: &str, roles: Value) -> JobDefinition {
        serde_json::from_value(json!({
            "name": "app", "scope": scope, "app_roles": roles,
            "target": {"kind": "scim", "base_url": "https://app.example/scim"},
            "objects": [{"source": "user", "target": "User", "mappings": [{"target": "userName", "expression": "[userPrincipalName]"}]}]
        }))
        .unwrap()
    }

    fn assignment(kind: SourceKind, id: &str, role: Option<&str>) -> RoleAssignment {
        RoleAssignment {
            kind,
            id: id.into(),
            role: role.map(str::to_owned),
        }
    }

    #[test]
    fn users_hold_their_own_roles_and_their_groups_once_each() {
        let definition = job(
            "assigned",
            json!([{"value": "Admin"}, {"value": "User", "display_name": "Standard user"}]),
        );
        let entitlements = Entitlements::new(
            &definition,
            [
                assignment(SourceKind::User, "u1", Some("admin")),
                assignment(SourceKind::Group, "g1", Some("User")),
                assignment(SourceKind::Group, "g2", Some("Admin")),
                assignment(SourceKind::Group, "g3", None),
                assignment(SourceKind::User, "u9", Some("Retired")),
            ],
        );
        let of = entitlements.of(SourceKind::User, "u1", ["g1", "g2"]);
        assert!(of.assigned);
        assert_eq!(
            of.app_roles,
            Some(json!([
                {"value": "Admin", "displayName": "Admin"},
                {"value": "User", "displayName": "Standard user"}
            ]))
        );
        let through_group = entitlements.of(SourceKind::User, "u2", ["g3"]);
        assert_eq!(
            (through_group.assigned, through_group.app_roles),
            (true, Some(json!([])))
        );
        assert_eq!(entitlements.of(SourceKind::User, "u9", []).app_roles, Some(json!([])));
        assert!(!entitlements.of(SourceKind::User, "u3", ["g4"]).assigned);
        assert!(entitlements.needs_groups(SourceKind::User, "u1"));
    }

    #[test]
    fn a_job_for_all_users_without_roles_reads_no_assignments() {
        let definition = job("all", json!([]));
        assert!(!Entitlements::needed_by(&definition));
        let entitlements = Entitlements::new(&definition, []);
        let mut attributes = serde_json::Map::new();
        assert!(entitlements.fill(SourceKind::User, "u1", [], &mut attributes));
        assert!(attributes.is_empty());
    }
}
