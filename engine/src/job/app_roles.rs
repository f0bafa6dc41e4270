//! A job's app roles (Entra's `appRoles`: the roles an application offers
//! its users) and what an object's `appRoleAssignments` says about them.

use serde::{Deserialize, Serialize};

use crate::value::Value;

/// The role every assignment has unless it names another, as in Entra. It
/// carries no role into the target: for an app that defines roles, someone
/// assigned only with it is not provisioned.
pub const DEFAULT_ACCESS: &str = "Default Access";

/// One role the application offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRole {
    /// What is sent to the target (`roles[].value`), unique within the job.
    pub value: String,
    /// The name administrators see; the value when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl AppRole {
    /// The name to show: the display name, else the value.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.value)
    }

    /// The role as it appears in `appRoleAssignments`: the shape
    /// `AppRoleAssignmentsComplex` and its siblings read.
    pub fn assignment_value(&self) -> serde_json::Value {
        serde_json::json!({ "value": self.value, "displayName": self.name() })
    }
}

/// Whether an `appRoleAssignments` value holds at least one role (a role
/// name, or an assignment object with a value or display name).
pub fn holds_a_role(assignments: Option<&Value>) -> bool {
    let is_role = |value: &Value| match value {
        Value::Complex(fields) => ["value", "displayName", "id"]
            .iter()
            .any(|key| fields.get(*key).is_some_and(|v| !v.is_null_or_empty())),
        other => !other.is_null_or_empty(),
    };
    match assignments {
        None => false,
        Some(Value::Multi(items)) => items.iter().any(is_role),
        Some(single) => is_role(single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_a_name_or_an_object_with_one() {
        let json = |text: &str| Value::from_json(serde_json::from_str(text).unwrap());
        assert!(!holds_a_role(None));
        assert!(!holds_a_role(Some(&json("[]"))));
        assert!(!holds_a_role(Some(&json(r#"[{"displayName": ""}]"#))));
        assert!(holds_a_role(Some(&json(r#"["Admin"]"#))));
        assert!(holds_a_role(Some(&json(
            r#"[{"value": "Admin", "displayName": "Admin"}]"#
        ))));
    }

    #[test]
    fn the_name_falls_back_to_the_value() {
        let role = AppRole {
            value: "admin".into(),
            display_name: None,
            description: None,
        };
        assert_eq!(role.name(), "admin");
        assert_eq!(
            role.assignment_value(),
            serde_json::json!({"value": "admin", "displayName": "admin"})
        );
    }
}
