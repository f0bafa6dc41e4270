//! Job definitions: every example in docs/jobs.md loads (or, when marked
//! `invalid`, fails), loading reports syntax errors by line and column, and
//! one test per validation rule.

use provisio_engine::Severity;
use provisio_engine::job::{self, JobDefinition, JobProblem, Location};
use serde_json::{Value as Json, json};

/// The example from the issue that asked for job definitions.
fn acme() -> Json {
    json!({
      "name": "Acme SCIM",
      "direction": "outbound",
      "target": { "kind": "scim", "base_url": "https://acme.example/scim/v2", "auth": { "bearer_token": "…" } },
      "scope": "all",
      "schedule": { "interval_seconds": 2400, "realtime": true },
      "deletion_threshold": 500,
      "skip_out_of_scope_deletions": false,
      "objects": [
        { "source": "user", "target": "User", "enabled": true,
          "actions": ["create", "update", "delete"],
          "scoping": [ { "name": "Sales", "clauses": [ { "attribute": "department", "operator": "EQUALS", "value": "Sales" } ] } ],
          "mappings": [
            { "target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1 },
            { "target": "active", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")" },
            { "target": "name.givenName", "expression": "[givenName]" },
            { "target": "emails[type eq \"work\"].value", "expression": "[mail]" },
            { "target": "externalId", "expression": "[mailNickname]", "apply": "on_create", "default": "none" }
          ] },
        { "source": "group", "target": "Group", "mappings": [
            { "target": "displayName", "expression": "[displayName]", "match_precedence": 1 },
            { "target": "members", "expression": "[members]" } ] }
      ]
    })
}

/// The problems of the Acme example after `edit`.
fn problems_after(edit: impl FnOnce(&mut Json)) -> Vec<JobProblem> {
    let mut doc = acme();
    edit(&mut doc);
    let job = job::parse_json(&doc.to_string()).unwrap_or_else(|p| panic!("{p}"));
    job::validate(&job)
}

/// Sets (or adds) the value at a JSON pointer (`/objects/0/mappings/2/expression`).
fn set(pointer: &str, value: Json) -> impl FnOnce(&mut Json) {
    let (parent, field) = pointer.rsplit_once('/').unwrap();
    let (parent, field) = (parent.to_owned(), field.to_owned());
    move |doc| match doc.pointer_mut(&parent).unwrap_or_else(|| panic!("no {parent}")) {
        Json::Object(object) => {
            object.insert(field, value);
        }
        Json::Array(items) => items[field.parse::<usize>().unwrap()] = value,
        other => panic!("{parent} is {other}"),
    }
}

/// Removes the field at a JSON pointer.
fn remove(pointer: &str) -> impl FnOnce(&mut Json) {
    let (parent, field) = pointer.rsplit_once('/').unwrap();
    let (parent, field) = (parent.to_owned(), field.to_owned());
    move |doc| {
        doc.pointer_mut(&parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(&field)
            .unwrap();
    }
}

/// Exactly one problem: at `location`, of `severity`, its message containing `message`.
#[track_caller]
fn only(problems: Vec<JobProblem>, severity: Severity, location: &str, message: &str) -> JobProblem {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = problems.into_iter().next().unwrap();
    assert_eq!(
        (problem.severity, problem.location.as_str()),
        (severity, location),
        "{problem}"
    );
    assert!(problem.message.contains(message), "{problem}");
    problem
}

#[track_caller]
fn error(edit: impl FnOnce(&mut Json), location: &str, message: &str) -> JobProblem {
    only(problems_after(edit), Severity::Error, location, message)
}

#[track_caller]
fn warning(edit: impl FnOnce(&mut Json), location: &str, message: &str) -> JobProblem {
    only(problems_after(edit), Severity::Warning, location, message)
}

#[track_caller]
fn fine(edit: impl FnOnce(&mut Json)) {
    let problems = problems_after(edit);
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---- the documentation ----

/// The fenced code blocks of docs/jobs.md: (info string, text, line).
fn doc_blocks() -> Vec<(String, String, usize)> {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/jobs.md")).unwrap();
    let mut blocks = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in docs.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), String::new(), n + 1)),
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some((_, text, _)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "docs/jobs.md has an unclosed code block");
    blocks
}

#[test]
fn every_example_in_the_documentation_loads() {
    let mut checked = 0;
    for (info, text, line) in doc_blocks() {
        let (format, invalid) = match info.split_whitespace().collect::<Vec<_>>()[..] {
            [format] => (format, false),
            [format, "invalid"] => (format, true),
            _ => panic!("docs/jobs.md:{line}: unknown code block kind `{info}`"),
        };
        let loaded = match format {
            "json" => job::load_json(&text),
            "yaml" => job::load_yaml(&text),
            _ => continue,
        };
        // `load` picks the same format by itself.
        assert_eq!(job::load(&text).is_ok(), loaded.is_ok(), "docs/jobs.md:{line}");
        match (loaded, invalid) {
            (Ok(job), false) => {
                // Every source attribute of an example exists, too.
                let problems = job::validate_with(&job, &provisio_engine::attributes::Catalogue::builtin());
                assert!(problems.is_empty(), "docs/jobs.md:{line}: {problems:#?}");
            }
            (Err(problems), true) => assert!(problems.iter().any(JobProblem::is_error), "docs/jobs.md:{line}"),
            (Ok(_), true) => panic!("docs/jobs.md:{line}: the invalid example loads"),
            (Err(problems), false) => {
                let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
                panic!("docs/jobs.md:{line}: {shown:#?}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} examples found in docs/jobs.md");
}

#[test]
fn the_documentation_contains_the_issue_example() {
    let blocks = doc_blocks();
    let issue = blocks
        .iter()
        .find_map(|(info, text, _)| (info == "json").then(|| serde_json::from_str::<Json>(text).unwrap()))
        .expect("a json example");
    assert_eq!(issue, acme());
}

#[test]
fn the_documentation_names_every_field() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/jobs.md")).unwrap();
    let fields = [
        "name",
        "direction",
        "target",
        "kind",
        "base_url",
        "auth",
        "bearer_token",
        "entra_compatible",
        "soft_delete",
        "scope",
        "schedule",
        "interval_seconds",
        "realtime",
        "deletion_threshold",
        "skip_out_of_scope_deletions",
        "inbound",
        "max_operations",
        "requests_per_second",
        "objects",
        "source",
        "enabled",
        "actions",
        "scoping",
        "clauses",
        "attribute",
        "operator",
        "value",
        "mappings",
        "expression",
        "match_precedence",
        "apply",
        "default",
        "flow_null",
        "case_exact",
    ];
    for field in fields {
        assert!(
            docs.contains(&format!("| `{field}` |")),
            "docs/jobs.md has no table row for `{field}`"
        );
    }
}

// ---- loading ----

#[test]
fn the_issue_example_loads() {
    let job = job::load_json(&acme().to_string()).unwrap();
    assert_eq!(job.name, "Acme SCIM");
    assert_eq!(job.objects[0].mappings[4].default.as_deref(), Some("none"));
    // The secret never leaves in a definition.
    let out = serde_json::to_value(&job).unwrap();
    assert_eq!(out["target"]["auth"]["bearer_token"], "********");
}

#[test]
fn syntax_errors_are_located_by_line_and_column() {
    let problems = job::load_json("{\n  \"name\": \"x\",\n  \"objects\": [,]\n}").unwrap_err();
    only(problems, Severity::Error, "line 3, column 15", "expected value");
    let problems = job::load_json("{\"name\": \"x\"").unwrap_err();
    let problem = only(problems, Severity::Error, "line 1, column 12", "EOF");
    assert!(!problem.message.contains(" at line"), "{}", problem.message);
}

#[test]
fn unknown_and_missing_fields_are_errors() {
    let text = acme()
        .to_string()
        .replacen(r#""match_precedence":1"#, "\n  \"matching\": true", 1);
    let problems = job::load_json(&text).unwrap_err();
    let problem = only(
        problems,
        Severity::Error,
        "line 2, column 12",
        "unknown field `matching`",
    );
    assert!(problem.message.contains("match_precedence"), "{}", problem.message);
    let problems = job::load_json(r#"{"name": "x", "target": {"kind": "directory"}}"#).unwrap_err();
    only(
        problems,
        Severity::Error,
        "line 1, column 46",
        "missing field `objects`",
    );
    let problems = job::load_json(r#"{"name": "x", "target": {"kind": "ftps"}, "objects": []}"#).unwrap_err();
    only(problems, Severity::Error, "line 1, column 39", "unknown variant `ftps`");
}

#[test]
fn yaml_loads_and_locates_its_errors() {
    let yaml = "name: Acme\ntarget:\n  kind: scim\n  base_url: https://acme.example/scim\nobjects:\n  - source: user\n    target: User\n    mappings:\n      - target: userName\n        expression: '[userPrincipalName]'\n        match_precedence: 1\n";
    let loaded = job::load_yaml(yaml).unwrap();
    assert_eq!(loaded.objects[0].mappings[0].expression, "[userPrincipalName]");
    assert_eq!(job::load(yaml).unwrap(), loaded);
    assert_eq!(job::load(&format!("\n  {}", acme())).unwrap().name, "Acme SCIM");
    let problems =
        job::load_yaml(&yaml.replace("    target: User\n", "    target: User\n    colour: red\n")).unwrap_err();
    let problem = only(
        problems,
        Severity::Error,
        "line 8, column 5",
        "objects[0]: unknown field `colour`",
    );
    assert!(!problem.message.contains(" at line"), "{}", problem.message);
    let problems = job::load_yaml("name: [unclosed\n").unwrap_err();
    assert!(problems[0].location.starts_with("line "), "{problems:?}");
}

#[test]
fn warnings_alone_load_and_errors_come_all_at_once() {
    let mut doc = acme();
    doc["objects"][0]["mappings"][2]["expression"] = json!("Guid()");
    assert!(job::load_json(&doc.to_string()).is_ok());
    doc["name"] = json!(" ");
    doc["deletion_threshold"] = json!(0);
    let problems = job::load_json(&doc.to_string()).unwrap_err();
    let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        locations,
        ["name", "deletion_threshold", "objects[0].mappings[2].expression"]
    );
}

#[test]
fn problems_serialise_and_display() {
    let problem = error(
        set("/objects/0/mappings/2/expression", json!("Tolower([givenName])")),
        "objects[0].mappings[2].expression",
        "unknown function",
    );
    assert_eq!(
        problem.to_string(),
        "error: objects[0].mappings[2].expression: unknown function `Tolower`"
    );
    let out = serde_json::to_value(&problem).unwrap();
    assert_eq!(out["severity"], "error");
    assert_eq!(out["source"], "Tolower([givenName])");
    assert_eq!(out["diagnostics"][0]["code"], "E0201");
    let rendered = problem.rendered_diagnostics().unwrap();
    assert!(rendered.contains("help: did you mean `ToLower`?"), "{rendered}");
    let plain = serde_json::to_value(JobProblem::warning("name", "x")).unwrap();
    assert_eq!(
        plain,
        json!({"location": "name", "severity": "warning", "message": "x"})
    );
}

#[test]
fn locations_render_as_paths() {
    let at = Location::root()
        .field("objects")
        .index(0)
        .field("mappings")
        .index(2)
        .field("expression");
    assert_eq!(at.to_string(), "objects[0].mappings[2].expression");
    assert_eq!(Location::root().field("name").to_string(), "name");
}

// ---- one test per validation rule ----

#[test]
fn the_example_has_no_problems() {
    fine(|_| {});
    let job: JobDefinition = serde_json::from_value(acme()).unwrap();
    assert_eq!(job::validate(&job), vec![]);
}

#[test]
fn a_job_needs_a_name() {
    error(set("/name", json!("")), "name", "no name");
    error(set("/name", json!("  ")), "name", "no name");
}

#[test]
fn a_scim_base_url_is_http_or_https() {
    error(
        set("/target/base_url", json!("ftp://acme.example/scim")),
        "target.base_url",
        "not an http:// or https:// URL",
    );
    error(
        set("/target/base_url", json!("acme.example/scim")),
        "target.base_url",
        "https://",
    );
    error(
        set("/target/base_url", json!("https://")),
        "target.base_url",
        "https://",
    );
    fine(set("/target/base_url", json!("HTTP://localhost:8080/scim")));
}

#[test]
fn a_job_maps_some_objects() {
    error(set("/objects", json!([])), "objects", "maps no objects");
}

#[test]
fn an_object_mapping_has_mappings() {
    error(
        set("/objects/1/mappings", json!([])),
        "objects[1].mappings",
        "no attribute mappings",
    );
}

#[test]
fn each_source_kind_is_mapped_once() {
    error(
        set("/objects/1/source", json!("user")),
        "objects[1].source",
        "already mapped by objects[0]",
    );
}

#[test]
fn every_expression_compiles() {
    let problem = error(
        set(
            "/objects/0/mappings/1/expression",
            json!("Switch([IsSoftDeleted], , \"False\", \"True\""),
        ),
        "objects[0].mappings[1].expression",
        "",
    );
    assert_eq!(problem.message, problem.diagnostics[0].message);
    assert!(problem.source.as_deref().unwrap().starts_with("Switch("));
    let problem = error(
        set("/objects/1/mappings/1/expression", json!("")),
        "objects[1].mappings[1].expression",
        "",
    );
    assert_eq!(problem.diagnostics[0].code.as_str(), "E0102");
}

#[test]
fn every_target_path_parses() {
    let problem = error(
        set("/objects/0/mappings/3/target", json!("emails[type eq work].value")),
        "objects[0].mappings[3].target",
        "expected a quoted string",
    );
    assert!(problem.message.contains("offset 15"), "{}", problem.message);
}

#[test]
fn target_paths_are_unique_within_an_object_mapping() {
    error(
        set("/objects/0/mappings/2/target", json!("USERNAME")),
        "objects[0].mappings[2].target",
        "already mapped by mappings[0]",
    );
    error(
        set(
            "/objects/0/mappings/2/target",
            json!("emails[ type EQ \"Work\" ].value"),
        ),
        "objects[0].mappings[3].target",
        "already mapped by mappings[2]",
    );
    // The same path in another object mapping is fine.
    fine(set("/objects/1/mappings/1/target", json!("userName")));
}

#[test]
fn an_enabled_object_mapping_matches_on_something() {
    error(
        remove("/objects/0/mappings/0/match_precedence"),
        "objects[0].mappings",
        "match_precedence",
    );
    fine(|doc| {
        remove("/objects/1/mappings/0/match_precedence")(doc);
        set("/objects/1/enabled", json!(false))(doc);
    });
}

#[test]
fn match_precedences_are_unique() {
    error(
        set("/objects/0/mappings/2/match_precedence", json!(1)),
        "objects[0].mappings[2].match_precedence",
        "already used by mappings[0]",
    );
    fine(set("/objects/0/mappings/2/match_precedence", json!(2)));
}

#[test]
fn select_unique_value_fills_created_non_matching_attributes() {
    let unique = json!(
        "SelectUniqueValue(Join(\"@\", [mailNickname], \"acme.example\"), Join(\"@\", [givenName], \"acme.example\"))"
    );
    fine(set("/objects/0/mappings/4/expression", unique.clone()));
    warning(
        set("/objects/0/mappings/2/expression", unique.clone()),
        "objects[0].mappings[2].expression",
        "on_create",
    );
    let problems = problems_after(set("/objects/0/mappings/0/expression", unique));
    let summary: Vec<(Severity, &str)> = problems.iter().map(|p| (p.severity, p.location.as_str())).collect();
    assert_eq!(
        summary,
        [
            (Severity::Error, "objects[0].mappings[0].expression"),
            (Severity::Warning, "objects[0].mappings[0].expression")
        ]
    );
    assert!(
        problems[0].message.contains("matching attribute"),
        "{}",
        problems[0].message
    );
}

#[test]
fn random_values_are_applied_on_create() {
    warning(
        set("/objects/0/mappings/2/expression", json!("Guid()")),
        "objects[0].mappings[2].expression",
        "Guid() gives a new value every cycle",
    );
    warning(
        set(
            "/objects/0/mappings/2/expression",
            json!("Join(\"-\", [givenName], RandomString(6, 1, 0, 1, 1))"),
        ),
        "objects[0].mappings[2].expression",
        "RandomString()",
    );
    fine(set("/objects/0/mappings/4/expression", json!("Guid()")));
}

#[test]
fn a_default_on_a_constant_is_never_used() {
    warning(
        set("/objects/0/mappings/4/expression", json!("\"acme\"")),
        "objects[0].mappings[4].default",
        "never used",
    );
    warning(
        set("/objects/0/mappings/4/expression", json!("42")),
        "objects[0].mappings[4].default",
        "never used",
    );
    fine(set(
        "/objects/0/mappings/4/expression",
        json!("ToLower([mailNickname])"),
    ));
}

#[test]
fn scoping_clauses_are_checked() {
    let problem = error(
        set(
            "/objects/0/scoping/0/clauses/0",
            json!({"attribute": "department", "operator": "REGEX MATCH", "value": "("}),
        ),
        "objects[0].scoping[0].clauses[0].value",
        "",
    );
    assert!(!problem.message.is_empty());
    error(
        set(
            "/objects/0/scoping/0/clauses/0",
            json!({"attribute": " ", "operator": "IS TRUE"}),
        ),
        "objects[0].scoping[0].clauses[0].attribute",
        "empty",
    );
}

#[test]
fn the_interval_is_at_least_a_minute() {
    error(
        set("/schedule/interval_seconds", json!(30)),
        "schedule.interval_seconds",
        "realtime",
    );
    fine(set("/schedule/interval_seconds", json!(60)));
}

#[test]
fn a_deletion_threshold_of_zero_is_an_error() {
    error(set("/deletion_threshold", json!(0)), "deletion_threshold", "use null");
    fine(set("/deletion_threshold", json!(null)));
    fine(set("/deletion_threshold", json!(1)));
}

#[test]
fn the_direction_fits_the_target() {
    error(
        |doc| {
            inbound_users_only(doc);
            set(
                "/target",
                json!({"kind": "scim", "base_url": "https://app.example/scim"}),
            )(doc);
        },
        "target.kind",
        "directory",
    );
    error(set("/target", json!({"kind": "directory"})), "target.kind", "inbound");
    fine(inbound_users_only);
}

/// The example as an inbound job: a directory target, its user mapping only.
fn inbound_users_only(doc: &mut Json) {
    set("/direction", json!("inbound"))(doc);
    set("/target", json!({"kind": "directory"}))(doc);
    if let Some(objects) = doc["objects"].as_array_mut() {
        objects.retain(|o| o["source"] == "user");
    }
}

#[test]
fn inbound_jobs_take_users_and_bounded_uploads() {
    error(
        |doc| {
            set("/direction", json!("inbound"))(doc);
            set("/target", json!({"kind": "directory"}))(doc);
        },
        "objects[1].source",
        "users",
    );
    error(
        set("/inbound", json!({"max_operations": 10})),
        "inbound",
        "only inbound jobs",
    );
    let with = |settings: Json| {
        move |doc: &mut Json| {
            inbound_users_only(doc);
            set("/inbound", settings.clone())(doc);
        }
    };
    fine(with(json!({"max_operations": 100, "requests_per_second": 5})));
    fine(with(json!({})));
    error(
        with(json!({"max_operations": 0})),
        "inbound.max_operations",
        "1 to 1000",
    );
    error(
        with(json!({"max_operations": 1001})),
        "inbound.max_operations",
        "1 to 1000",
    );
    error(
        with(json!({"requests_per_second": 0})),
        "inbound.requests_per_second",
        "at least 1",
    );
}

/// The example as an outbound job to another kind of target, with a `dn`
/// mapping for LDAP.
fn other_target(target: Json) -> impl FnOnce(&mut Json) {
    move |doc| {
        set("/target", target)(doc);
        if let Some(objects) = doc["objects"].as_array_mut() {
            objects.retain(|o| o["source"] == "user");
            if let Some(mappings) = objects[0]["mappings"].as_array_mut() {
                mappings.push(json!({"target": "dn", "expression": "Join(\",\", Join(\"=\", \"uid\", [mailNickname]), \"ou=people,dc=example,dc=org\")"}));
            }
        }
    }
}

fn ldap() -> Json {
    json!({"kind": "ldap", "url": "ldap://127.0.0.1:389", "bind_dn": "cn=admin,dc=example,dc=org",
           "bind_password": "secret", "users_base_dn": "ou=people,dc=example,dc=org",
           "user_object_classes": ["inetOrgPerson"]})
}

#[test]
fn ldap_sql_and_rest_targets_are_checked() {
    fine(other_target(ldap()));
    let mut bad = ldap();
    bad["url"] = json!("http://x");
    error(other_target(bad), "target.url", "ldap://");
    let mut both = ldap();
    both["url"] = json!("ldaps://x");
    both["start_tls"] = json!(true);
    error(other_target(both), "target.start_tls", "already encrypted");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let mut trusted = ldap();
    trusted["url"] = json!("ldaps://ldap.example.org");
    trusted["ca_certificate"] = json!(pem);
    fine(other_target(trusted.clone()));
    trusted["ca_certificate"] = json!("not pem");
    error(other_target(trusted), "target.ca_certificate", "PEM");
    let mut unused = ldap();
    unused["ca_certificate"] = json!(pem);
    error(other_target(unused), "target.ca_certificate", "only used by ldaps://");
    error(
        |doc| {
            set("/target", ldap())(doc);
            if let Some(objects) = doc["objects"].as_array_mut() {
                objects.retain(|o| o["source"] == "user");
            }
        },
        "objects[0].mappings",
        "`dn` mapping",
    );

    let sql = json!({"kind": "sql", "url": "sqlite:///tmp/hr.db", "users_table": "users"});
    fine(other_target(sql.clone()));
    let mut injected = sql;
    injected["users_table"] = json!("users; DROP TABLE users");
    error(other_target(injected), "target.users_table", "plain SQL name");

    let call = |method: &str, path: &str| json!({"method": method, "path": path});
    let rest = json!({"kind": "rest", "base_url": "https://api.example", "users": {
        "create": call("POST", "/users"), "read": call("GET", "/users/{id}"),
        "update": call("PATCH", "/users/{id}"), "delete": call("DELETE", "/users/{id}"),
        "find": {"path": "/users?{attribute}={value}", "results": "/items"}}});
    fine(other_target(rest.clone()));
    let mut wrong = rest;
    wrong["users"]["update"] = call("FETCH", "users/{id}");
    let problems = problems_after(other_target(wrong));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems.iter().any(|p| p.location == "target.users.update.method"));
    assert!(problems.iter().any(|p| p.location == "target.users.update.path"));
}
