//! Job definitions to start from: an inbound job with the attribute
//! mappings Entra gives a new API-driven inbound app, so a system of record
//! can push SCIM users to a fresh job and see them in the directory.

use super::{
    Apply, AttributeMapping, Direction, InboundSettings, JobDefinition, ObjectAction, ObjectMapping, Schedule,
    ScopeMode, SourceKind, Target,
};

/// The enterprise User extension, as inbound source attributes are named.
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// An inbound job named `name`: records are matched on `externalId` ↔
/// `employeeId`, create and update users (never delete them), and records
/// out of scope are left alone.
pub fn inbound(name: &str) -> JobDefinition {
    let enterprise = |attribute: &str| format!("[{ENTERPRISE}:{attribute}]");
    let mappings = vec![
        mapping("employeeId", "[externalId]", Some(1), Apply::Always),
        mapping("userPrincipalName", "[userName]", None, Apply::Always),
        mapping("displayName", "[displayName]", None, Apply::Always),
        mapping("givenName", "[name.givenName]", None, Apply::Always),
        mapping("surname", "[name.familyName]", None, Apply::Always),
        mapping(
            "mailNickname",
            r#"Replace([userName], , "(?<Suffix>@(.)*)", "Suffix", "", , )"#,
            None,
            Apply::OnCreate,
        ),
        mapping("mail", r#"[emails[type eq "work"].value]"#, None, Apply::Always),
        mapping("jobTitle", "[title]", None, Apply::Always),
        mapping("employeeType", "[userType]", None, Apply::Always),
        mapping("preferredLanguage", "[preferredLanguage]", None, Apply::Always),
        mapping("accountEnabled", "[active]", None, Apply::Always),
        mapping("department", &enterprise("department"), None, Apply::Always),
        mapping("division", &enterprise("division"), None, Apply::Always),
        mapping("companyName", &enterprise("organization"), None, Apply::Always),
        mapping("costCenter", &enterprise("costCenter"), None, Apply::Always),
        mapping("manager", &enterprise("manager"), None, Apply::Always),
        mapping(
            "mobile",
            r#"[phoneNumbers[type eq "mobile"].value]"#,
            None,
            Apply::Always,
        ),
        mapping(
            "telephoneNumber",
            r#"[phoneNumbers[type eq "work"].value]"#,
            None,
            Apply::Always,
        ),
        mapping(
            "streetAddress",
            r#"[addresses[type eq "work"].streetAddress]"#,
            None,
            Apply::Always,
        ),
        mapping("city", r#"[addresses[type eq "work"].locality]"#, None, Apply::Always),
        mapping("state", r#"[addresses[type eq "work"].region]"#, None, Apply::Always),
        mapping(
            "postalCode",
            r#"[addresses[type eq "work"].postalCode]"#,
            None,
            Apply::Always,
        ),
        mapping("country", r#"[addresses[type eq "work"].country]"#, None, Apply::Always),
    ];
    JobDefinition {
        name: name.to_owned(),
        direction: Direction::Inbound,
        target: Target::Directory,
        scope: ScopeMode::All,
        schedule: Schedule::default(),
        // Records never delete users, so there is nothing to guard.
        deletion_threshold: None,
        skip_out_of_scope_deletions: true,
        inbound: Some(InboundSettings::default()),
        objects: vec![ObjectMapping {
            source: SourceKind::User,
            target: "User".to_owned(),
            enabled: true,
            actions: vec![ObjectAction::Create, ObjectAction::Update],
            scoping: Vec::new(),
            mappings,
        }],
    }
}

fn mapping(target: &str, expression: &str, match_precedence: Option<u32>, apply: Apply) -> AttributeMapping {
    AttributeMapping {
        target: target.to_owned(),
        expression: expression.to_owned(),
        match_precedence,
        apply,
        default: None,
        flow_null: false,
        case_exact: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::validate;

    #[test]
    fn the_inbound_template_is_a_valid_job() {
        let job = inbound("Workday");
        let problems = validate(&job);
        assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
        let text = serde_json::to_string(&job).unwrap_or_default();
        assert!(text.contains(r#""direction":"inbound""#));
    }
}
