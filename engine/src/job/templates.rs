//! Job definitions to start from: an inbound job with the attribute
//! mappings Entra gives a new API-driven inbound app, so a system of record
//! can push SCIM users to a fresh job and see them in the directory, and
//! outbound LDAP, SQL and REST jobs with the mappings of the examples in
//! docs/connectors.md. Secrets are not part of a template: the caller adds them.

use std::collections::BTreeMap;

use super::{
    Apply, AttributeMapping, DEFAULT_DELETION_THRESHOLD, Direction, InboundSettings, JobDefinition, LdapDisable,
    LdapGroupClass, LdapTarget, ObjectAction, ObjectMapping, RestCall, RestFind, RestResource, RestTarget, Schedule,
    ScimAuth, ScopeMode, SourceKind, SqlDisable, SqlTarget, Target,
};

/// Soft-deleted users read back as disabled (`active` false).
const ACTIVE: &str = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;

/// The enterprise User extension, as inbound source attributes are named.
const ENTERPRISE: &str = crate::inbound_record::schema::ENTERPRISE_USER_SCHEMA;

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
        app_roles: Vec::new(),
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

/// Completes an inbound definition sent without object mappings
/// (`"objects": []`), as the admin API and `provisio job check|apply` all
/// do: it gets [`inbound`]'s user mapping, and with it the template's
/// handling of deletions where the definition leaves them at their
/// defaults — the deletion guard off (`deletion_threshold` 500 → `null`)
/// and records out of scope left alone (`skip_out_of_scope_deletions`
/// `false` → `true`): the template's mapping never deletes, so there is
/// nothing to guard. Whether it did anything.
pub fn complete_inbound(definition: &mut JobDefinition) -> bool {
    if definition.direction != Direction::Inbound || !definition.objects.is_empty() {
        return false;
    }
    let template = inbound(&definition.name);
    definition.objects = template.objects;
    if definition.deletion_threshold == Some(DEFAULT_DELETION_THRESHOLD) {
        definition.deletion_threshold = template.deletion_threshold;
    }
    if !definition.skip_out_of_scope_deletions {
        definition.skip_out_of_scope_deletions = template.skip_out_of_scope_deletions;
    }
    true
}

/// A SCIM application with the attribute mappings Entra gives a new
/// non-gallery SCIM app: users matched on userName, groups on displayName.
/// Its token is not part of it: the caller adds it.
pub fn scim(name: &str, base_url: &str) -> JobDefinition {
    let users = vec![
        always("userName", "[userPrincipalName]", Some(1)),
        always("active", ACTIVE, None),
        always("displayName", "[displayName]", None),
        always("name.givenName", "[givenName]", None),
        always("name.familyName", "[surname]", None),
        always(r#"emails[type eq "work"].value"#, "[mail]", None),
        always("title", "[jobTitle]", None),
        always("externalId", "[mailNickname]", None),
    ];
    let groups = vec![
        always("displayName", "[displayName]", Some(1)),
        always("members", "[members]", None),
    ];
    let target = Target::Scim {
        base_url: base_url.to_owned(),
        auth: ScimAuth::default(),
        entra_compatible: false,
        soft_delete: true,
    };
    let objects = vec![
        outbound_object(SourceKind::User, "User", users),
        outbound_object(SourceKind::Group, "Group", groups),
    ];
    outbound(name, target, objects)
}

/// An LDAP job writing users (`inetOrgPerson`, DN `uid=<mailNickname>,<users_base_dn>`)
/// and, when `groups_base_dn` is given, groups (`groupOfNames`, DN
/// `cn=<displayName>,<groups_base_dn>`), the RDN values escaped with
/// EscapeDNComponent. Soft-deleted users are deleted.
pub fn ldap(name: &str, url: &str, bind_dn: &str, users_base_dn: &str, groups_base_dn: Option<&str>) -> JobDefinition {
    let users = vec![
        always("dn", &dn("uid", "mailNickname", users_base_dn), None),
        always("uid", "[mailNickname]", Some(1)),
        always("cn", "[displayName]", None),
        always("sn", "[surname]", None),
        always("givenName", "[givenName]", None),
        always("mail", "[mail]", None),
        always("title", "[jobTitle]", None),
        always("manager", "[manager]", None),
    ];
    let mut objects = vec![outbound_object(SourceKind::User, "inetOrgPerson", users)];
    if let Some(base) = groups_base_dn {
        let groups = vec![
            always("dn", &dn("cn", "displayName", base), None),
            always("cn", "[displayName]", Some(1)),
            always("members", "[members]", None),
        ];
        objects.push(outbound_object(SourceKind::Group, "groupOfNames", groups));
    }
    let target = Target::Ldap(LdapTarget {
        url: url.to_owned(),
        start_tls: false,
        ca_certificate: None,
        bind_dn: bind_dn.to_owned(),
        bind_password: None,
        users_base_dn: users_base_dn.to_owned(),
        user_object_classes: vec!["inetOrgPerson".to_owned()],
        groups_base_dn: groups_base_dn.map(str::to_owned),
        group_object_class: LdapGroupClass::GroupOfNames,
        disable: LdapDisable::Delete,
        via_agent: None,
    });
    outbound(name, target, objects)
}

/// A SQL job writing users as rows of `users_table` (key column `id`), with
/// the columns of the docs' example: `user_name` (matched), `display_name`,
/// `title`, and `active`, set to false to disable.
pub fn sql(name: &str, url: &str, users_table: &str) -> JobDefinition {
    let users = vec![
        always("user_name", "[userPrincipalName]", Some(1)),
        always("display_name", "[displayName]", None),
        always("title", "[jobTitle]", None),
        always("active", ACTIVE, None),
    ];
    let target = Target::Sql(SqlTarget {
        url: url.to_owned(),
        password: None,
        users_table: users_table.to_owned(),
        key_column: "id".to_owned(),
        groups_table: None,
        memberships: None,
        disable: SqlDisable::Column {
            column: "active".to_owned(),
            value: serde_json::Value::Bool(false),
        },
        via_agent: None,
    });
    outbound(name, target, vec![outbound_object(SourceKind::User, "User", users)])
}

/// A REST job writing users through `/users` (POST), `/users/{id}` (GET,
/// PATCH, DELETE) and `/users?userName=…` (find, answered as `{"items": […]}`),
/// with the ids at `/id`. Without a disable call, disabling deletes.
pub fn rest(name: &str, base_url: &str) -> JobDefinition {
    let call = |method: &str, path: &str| RestCall {
        method: method.to_owned(),
        path: path.to_owned(),
        body: None,
    };
    let users = vec![
        always("userName", "[userPrincipalName]", Some(1)),
        always("displayName", "[displayName]", None),
        always("name.givenName", "[givenName]", None),
        always("name.familyName", "[surname]", None),
        always("email", "[mail]", None),
        always("title", "[jobTitle]", None),
        always("active", ACTIVE, None),
    ];
    let target = Target::Rest(RestTarget {
        base_url: base_url.to_owned(),
        bearer_token: None,
        headers: BTreeMap::new(),
        users: RestResource {
            create: call("POST", "/users"),
            read: call("GET", "/users/{id}"),
            update: call("PATCH", "/users/{id}"),
            delete: call("DELETE", "/users/{id}"),
            disable: None,
            find: RestFind {
                path: "/users?{attribute}={value}".to_owned(),
                results: "/items".to_owned(),
            },
            id: "/id".to_owned(),
        },
        groups: None,
        via_agent: None,
    });
    outbound(name, target, vec![outbound_object(SourceKind::User, "User", users)])
}

/// `Join(",", Join("=", "<rdn>", EscapeDNComponent([<source>])), "<base>")`:
/// an entry's DN, whose value stays one RDN value whatever characters it holds.
fn dn(rdn: &str, source: &str, base: &str) -> String {
    let quote = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
    format!(
        "Join(\",\", Join(\"=\", {}, EscapeDNComponent([{source}])), {})",
        quote(rdn),
        quote(base)
    )
}

/// An outbound job to `target`, stopped, with Entra's deletion guard.
fn outbound(name: &str, target: Target, objects: Vec<ObjectMapping>) -> JobDefinition {
    JobDefinition {
        name: name.to_owned(),
        direction: Direction::Outbound,
        target,
        scope: ScopeMode::default(),
        schedule: Schedule::default(),
        deletion_threshold: Some(DEFAULT_DELETION_THRESHOLD),
        skip_out_of_scope_deletions: false,
        inbound: None,
        app_roles: Vec::new(),
        objects,
    }
}

fn outbound_object(source: SourceKind, target: &str, mappings: Vec<AttributeMapping>) -> ObjectMapping {
    ObjectMapping {
        source,
        target: target.to_owned(),
        enabled: true,
        actions: vec![ObjectAction::Create, ObjectAction::Update, ObjectAction::Delete],
        scoping: Vec::new(),
        mappings,
    }
}

fn always(target: &str, expression: &str, match_precedence: Option<u32>) -> AttributeMapping {
    mapping(target, expression, match_precedence, Apply::Always)
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
    fn an_inbound_definition_without_objects_gets_the_template() {
        let short = |extra: serde_json::Value| -> JobDefinition {
            let mut json = serde_json::json!({"name": "HR", "direction": "inbound", "target": {"kind": "directory"}, "objects": []});
            if let (Some(json), Some(extra)) = (json.as_object_mut(), extra.as_object()) {
                json.extend(extra.clone());
            }
            serde_json::from_value(json).unwrap_or_else(|e| unreachable!("{e}"))
        };
        let mut job = short(serde_json::json!({}));
        assert!(complete_inbound(&mut job));
        let template = inbound("HR");
        assert_eq!(job.objects, template.objects);
        assert_eq!(job.deletion_threshold, None, "the guard is off");
        assert!(job.skip_out_of_scope_deletions, "records out of scope are left alone");
        assert_eq!(errors(&job), []);
        // Settings the definition chose are kept.
        let mut job = short(serde_json::json!({"deletion_threshold": 20}));
        complete_inbound(&mut job);
        assert_eq!(job.deletion_threshold, Some(20));
        // Definitions with objects, and outbound ones, are left as they are.
        let mut mapped = template.clone();
        mapped.skip_out_of_scope_deletions = false;
        assert!(!complete_inbound(&mut mapped));
        assert!(!mapped.skip_out_of_scope_deletions);
        let mut outbound = scim("App", "https://app.example/scim");
        outbound.objects.clear();
        assert!(!complete_inbound(&mut outbound));
        assert!(outbound.objects.is_empty());
    }

    #[test]
    fn the_templates_read_only_attributes_their_sources_carry() {
        use crate::attributes::Catalogue;
        let jobs = [
            inbound("HR"),
            scim("App", "https://app.example/scim"),
            ldap("LDAP", "ldap://127.0.0.1:1", "cn=admin", "ou=people", Some("ou=groups")),
            sql("SQL", "sqlite:///tmp/x.db", "users"),
            rest("REST", "https://api.example"),
        ];
        for job in jobs {
            let problems = crate::job::validate_with(&job, &Catalogue::builtin());
            assert!(
                problems.iter().all(|p| !p.message.contains("not an attribute")),
                "{problems:#?}"
            );
        }
    }

    #[test]
    fn the_inbound_template_is_a_valid_job() {
        let job = inbound("Workday");
        let problems = validate(&job);
        assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
        let text = serde_json::to_string(&job).unwrap_or_default();
        assert!(text.contains(r#""direction":"inbound""#));
    }

    /// The template's validation errors (none expected).
    fn errors(job: &JobDefinition) -> Vec<crate::job::JobProblem> {
        validate(job).into_iter().filter(|p| p.is_error()).collect()
    }

    fn expression<'a>(job: &'a JobDefinition, object: usize, target: &str) -> Option<&'a str> {
        let mappings = &job.objects.get(object)?.mappings;
        let found = mappings.iter().find(|m| m.target == target)?;
        Some(found.expression.as_str())
    }

    #[test]
    fn the_scim_template_matches_users_on_user_name_and_groups_on_display_name() {
        let job = scim("App", "https://app.example/scim/v2");
        assert_eq!(errors(&job), []);
        assert_eq!(expression(&job, 0, "userName"), Some("[userPrincipalName]"));
        assert_eq!(job.objects[0].mappings[0].match_precedence, Some(1));
        assert_eq!(expression(&job, 1, "displayName"), Some("[displayName]"));
        assert_eq!(job.objects[1].mappings[0].match_precedence, Some(1));
    }

    #[test]
    fn the_ldap_template_is_a_valid_job_whose_dns_use_the_base_dns() {
        let users = "ou=people,dc=example,dc=org";
        let groups = Some("ou=groups,dc=example,dc=org");
        let job = ldap(
            "LDAP",
            "ldaps://ldap.example.org",
            "cn=provisio,dc=example,dc=org",
            users,
            groups,
        );
        assert_eq!(errors(&job), []);
        assert_eq!(
            expression(&job, 0, "dn"),
            Some(r#"Join(",", Join("=", "uid", EscapeDNComponent([mailNickname])), "ou=people,dc=example,dc=org")"#)
        );
        assert_eq!(
            expression(&job, 1, "dn"),
            Some(r#"Join(",", Join("=", "cn", EscapeDNComponent([displayName])), "ou=groups,dc=example,dc=org")"#)
        );
        assert_eq!(job.objects.get(1).map(|o| o.target.as_str()), Some("groupOfNames"));
    }

    #[test]
    fn the_ldap_template_maps_groups_only_with_a_groups_base_dn() {
        let job = ldap("LDAP", "ldap://127.0.0.1:1", "cn=admin", "ou=people", None);
        assert_eq!(errors(&job), []);
        assert_eq!(job.objects.len(), 1);
    }

    #[test]
    fn a_base_dn_with_quotes_stays_one_string_in_the_dn_expression() {
        let job = ldap("LDAP", "ldap://127.0.0.1:1", "cn=admin", r#"ou="odd",dc=x"#, None);
        assert_eq!(errors(&job), []);
        assert_eq!(
            expression(&job, 0, "dn"),
            Some(r#"Join(",", Join("=", "uid", EscapeDNComponent([mailNickname])), "ou=\"odd\",dc=x")"#)
        );
    }

    #[test]
    fn the_sql_template_is_a_valid_job() {
        let job = sql("HR DB", "sqlite:///tmp/x.db", "users");
        assert_eq!(errors(&job), []);
        assert_eq!(expression(&job, 0, "user_name"), Some("[userPrincipalName]"));
    }

    #[test]
    fn the_rest_template_is_a_valid_job() {
        let job = rest("Acme API", "https://api.acme.example/v1");
        assert_eq!(errors(&job), []);
        assert_eq!(expression(&job, 0, "userName"), Some("[userPrincipalName]"));
    }

    #[test]
    fn templates_report_what_the_form_left_wrong() {
        let bad = [
            ldap("x", "http://nope", "", "ou=people", None),
            sql("x", "mysql://db", "users; drop"),
            rest("x", "ftp://api"),
        ];
        for job in bad {
            assert!(!errors(&job).is_empty(), "{job:?}");
        }
    }
}
