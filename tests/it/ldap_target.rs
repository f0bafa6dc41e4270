//! LDAP targets end to end: a real Provisio server provisions its
//! directory into a throwaway slapd ([`provisio_tests::slapd`]), and every
//! step is checked with the real `ldapsearch`: entries created, one changed
//! attribute written, a rename after a changed mailNickname, disable by
//! attribute, delete after a purge, group members added and removed, a user
//! provisioned on demand, names that RFC 4514 must escape in a DN, and the
//! connector's errors (refused bind, conflicting entry).

use provisio_api::jobs::JOBS_PATH;
use provisio_connectors::ConnectorError;
use provisio_engine::Value as EngineValue;
use provisio_engine::expr::functions::escape_dn_component;
use provisio_engine::job::{LdapDisable, LdapGroupClass, LdapTarget, SourceKind};
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use provisio_server::cycle::run::{CycleReport, Mode, run_cycle};
use provisio_server::jobs::Jobs;
use provisio_tests::slapd::{ADMIN_DN, ADMIN_PASSWORD, GROUPS as LDAP_GROUPS, PEOPLE, Slapd};
use serde_json::{Value, json};

use crate::admin_api::Api;
use crate::backends::Backend;

const USERS: &str = "/api/v1/directory/users";
const GROUPS: &str = "/api/v1/directory/groups";

fn target(ldap: &Slapd, disable: Value) -> Value {
    json!({
        "kind": "ldap", "url": ldap.url(), "bind_dn": ADMIN_DN, "bind_password": ADMIN_PASSWORD,
        "users_base_dn": PEOPLE, "user_object_classes": ["inetOrgPerson"],
        "groups_base_dn": LDAP_GROUPS, "disable": disable
    })
}

pub(crate) fn job(ldap: &Slapd) -> Value {
    json!({
        "name": "LDAP",
        "target": target(ldap, json!({"mode": "attribute", "attribute": "description", "value": "disabled"})),
        "objects": [
            {"source": "user", "target": "inetOrgPerson", "mappings": [
                {"target": "dn", "expression": format!("Join(\",\", Join(\"=\", \"uid\", EscapeDNComponent([mailNickname])), \"{PEOPLE}\")")},
                {"target": "uid", "expression": "[mailNickname]", "match_precedence": 1},
                {"target": "cn", "expression": "[displayName]"},
                {"target": "sn", "expression": "[surname]"},
                {"target": "givenName", "expression": "[givenName]"},
                {"target": "mail", "expression": "[mail]"},
                {"target": "title", "expression": "[jobTitle]"},
                {"target": "manager", "expression": "[manager]"},
                {"target": "description", "expression": "Switch([IsSoftDeleted], , \"True\", \"disabled\")"}
            ]},
            {"source": "group", "target": "groupOfNames", "mappings": [
                {"target": "dn", "expression": format!("Join(\",\", Join(\"=\", \"cn\", EscapeDNComponent([displayName])), \"{LDAP_GROUPS}\")")},
                {"target": "cn", "expression": "[displayName]", "match_precedence": 1},
                {"target": "members", "expression": "[members]"}
            ]}
        ]
    })
}

struct Fixture {
    api: Api,
    ldap: Slapd,
    jobs: Jobs,
    job_id: String,
    _backend: Backend,
}

impl Fixture {
    async fn start() -> Option<Fixture> {
        let ldap = Slapd::start()?;
        let backend = Backend::sqlite();
        let api = Api::start(&backend).await;
        let created = api.post(JOBS_PATH, job(&ldap)).await;
        let job_id = created.expect(201)["id"].as_str().unwrap().to_owned();
        let jobs = api.server.jobs().clone();
        Some(Fixture {
            api,
            ldap,
            jobs,
            job_id,
            _backend: backend,
        })
    }

    async fn cycle(&self, mode: Mode) -> CycleReport {
        let report = run_cycle(self.api.server.store(), &self.jobs, &self.job_id, mode)
            .await
            .unwrap();
        eprintln!("{mode:?}: {report:?}");
        assert_eq!(report.failures + report.failed_references, 0, "{report:?}");
        report
    }

    async fn user(&self, nickname: &str, title: &str) -> String {
        self.user_with(nickname, title, None).await
    }

    async fn user_with(&self, nickname: &str, title: &str, manager: Option<&str>) -> String {
        let mut attributes = json!({
            "userPrincipalName": format!("{nickname}@contoso.com"), "mailNickname": nickname,
            "displayName": format!("{nickname} Example"), "givenName": nickname, "surname": "Example",
            "mail": format!("{nickname}@contoso.com"), "jobTitle": title
        });
        if let Some(manager) = manager {
            attributes["manager"] = json!(manager);
        }
        let answer = self.api.post(USERS, json!({ "attributes": attributes })).await;
        answer.expect(201)["id"].as_str().unwrap().to_owned()
    }

    async fn patch_user(&self, id: &str, attributes: Value) {
        self.api
            .patch(&format!("{USERS}/{id}"), json!({ "attributes": attributes }))
            .await
            .expect(200);
    }

    /// The values of an attribute of the entry at `dn` (panics if absent).
    fn values(&self, dn: &str, attribute: &str) -> Vec<String> {
        let entry = self.ldap.entry(dn).unwrap_or_else(|| panic!("no entry {dn}"));
        let mut values = entry.get(attribute).cloned().unwrap_or_default();
        values.sort();
        values
    }
}

pub(crate) fn person(uid: &str) -> String {
    format!("uid={uid},{PEOPLE}")
}

pub(crate) fn group(cn: &str) -> String {
    format!("cn={cn},{LDAP_GROUPS}")
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn users_are_created_updated_renamed_disabled_and_deleted() {
    let Some(fx) = Fixture::start().await else {
        return;
    };
    let ada = fx.user("ada", "Engineer").await;
    let alan = fx.user_with("alan", "Analyst", Some(&ada)).await;
    fx.api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "Staff"}, "members": [ada]}),
        )
        .await
        .expect(201);

    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(report.actions.get("create"), Some(&3), "{report:?}");
    assert_eq!(report.references, 2, "a manager and a group's members: {report:?}");
    let entry = fx.ldap.entry(&person("ada")).expect("ada was created");
    assert_eq!(entry["objectClass"], ["inetOrgPerson"]);
    assert_eq!(entry["uid"], ["ada"]);
    assert_eq!(entry["cn"], ["ada Example"]);
    assert_eq!(entry["sn"], ["Example"]);
    assert_eq!(entry["givenName"], ["ada"]);
    assert_eq!(entry["mail"], ["ada@contoso.com"]);
    assert_eq!(entry["title"], ["Engineer"]);
    assert!(!entry.contains_key("description"), "{entry:?}");
    assert_eq!(fx.values(&person("alan"), "manager"), [person("ada")]);
    assert_eq!(fx.values(&group("Staff"), "member"), [person("ada")]);

    // Read back by entryUUID, everything already as mapped: nothing to do.
    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.actions.get("skip"), Some(&3), "{again:?}");

    // One changed attribute: only it is written.
    fx.patch_user(&ada, json!({"jobTitle": "Architect"})).await;
    fx.cycle(Mode::Incremental).await;
    let mut expected = entry.clone();
    expected.insert("title".into(), vec!["Architect".into()]);
    assert_eq!(fx.ldap.entry(&person("ada")).unwrap(), expected);

    // A new mailNickname renames the entry; the link (entryUUID) holds.
    fx.patch_user(&ada, json!({"mailNickname": "ada.l"})).await;
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.actions.get("update"), Some(&1), "{report:?}");
    assert!(fx.ldap.entry(&person("ada")).is_none(), "the old DN is gone");
    assert_eq!(fx.values(&person("ada.l"), "uid"), ["ada.l"]);
    assert_eq!(fx.values(&person("ada.l"), "title"), ["Architect"]);
    // Entries that named the old DN name the new one.
    assert_eq!(fx.values(&person("alan"), "manager"), [person("ada.l")]);
    assert_eq!(fx.values(&group("Staff"), "member"), [person("ada.l")]);
    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.actions.get("skip"), Some(&3), "{again:?}");
    assert_eq!(again.references, 0, "{again:?}");
    assert_eq!(fx.ldap.entries(PEOPLE, "(objectClass=inetOrgPerson)").len(), 2);

    // Soft-deleted in the directory: disabled by attribute, kept.
    fx.api.delete(&format!("{USERS}/{alan}")).await.expect(204);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.actions.get("disable"), Some(&1), "{report:?}");
    assert_eq!(fx.values(&person("alan"), "description"), ["disabled"]);

    // Purged: deleted from the target.
    fx.api.delete(&format!("{USERS}/{alan}?purge=true")).await.expect(204);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.actions.get("delete"), Some(&1), "{report:?}");
    assert!(fx.ldap.entry(&person("alan")).is_none());
    assert!(fx.ldap.entry(&person("ada.l")).is_some());
    fx.api.stop().await;
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn group_members_are_added_and_removed() {
    let Some(fx) = Fixture::start().await else {
        return;
    };
    let ada = fx.user("ada", "Engineer").await;
    let grace = fx.user("grace", "Admiral").await;
    let alan = fx.user("alan", "Analyst").await;
    let created = fx
        .api
        .post(
            GROUPS,
            json!({"attributes": {"displayName": "Engineers"}, "members": [ada, grace]}),
        )
        .await;
    let group_id = created.expect(201)["id"].as_str().unwrap().to_owned();

    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(report.actions.get("create"), Some(&4), "{report:?}");
    let engineers = group("Engineers");
    assert_eq!(fx.values(&engineers, "objectClass"), ["groupOfNames"]);
    assert_eq!(
        fx.values(&engineers, "member"),
        [person("ada"), person("grace")],
        "the placeholder member is gone once real members are in"
    );
    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.references, 0, "{again:?}");

    // grace leaves, alan joins.
    fx.api
        .patch(&format!("{GROUPS}/{group_id}"), json!({"members": [ada, alan]}))
        .await
        .expect(200);
    let report = fx.cycle(Mode::Incremental).await;
    assert_eq!(report.references, 1, "{report:?}");
    assert_eq!(fx.values(&engineers, "member"), [person("ada"), person("alan")]);

    // A deleted member leaves its groups.
    fx.api.delete(&format!("{USERS}/{alan}")).await.expect(204);
    fx.api.delete(&format!("{USERS}/{alan}?purge=true")).await.expect(204);
    fx.cycle(Mode::Incremental).await;
    assert!(fx.ldap.entry(&person("alan")).is_none());
    assert_eq!(fx.values(&engineers, "member"), [person("ada")]);

    // Everyone leaves: groupOfNames needs a member, the bind DN stands in.
    fx.api
        .patch(&format!("{GROUPS}/{group_id}"), json!({"members": []}))
        .await
        .expect(200);
    fx.cycle(Mode::Incremental).await;
    assert_eq!(fx.values(&engineers, "member"), [ADMIN_DN]);
    fx.api.stop().await;
}

/// Names with the characters RFC 4514 reserves: the DNs the job builds with
/// EscapeDNComponent keep each name as one RDN value, the entries land
/// directly under their base, memberships hold, and a second cycle (which
/// reads every DN back and compares members as DNs) has nothing to do.
#[tokio::test]
async fn names_with_dn_special_characters_are_escaped() {
    let Some(fx) = Fixture::start().await else {
        return;
    };
    let nicknames = ["smith, john", "r+d", r"back\slash", " leading", "#hash", "a=b;<c>\"q\""];
    let mut users = Vec::new();
    for (i, nickname) in nicknames.iter().enumerate() {
        let attributes = json!({
            "userPrincipalName": format!("user{i}@contoso.com"), "mailNickname": nickname,
            "displayName": format!("User {i}"), "surname": "Example"
        });
        let answer = fx.api.post(USERS, json!({ "attributes": attributes })).await;
        users.push(answer.expect(201)["id"].as_str().unwrap().to_owned());
    }
    let groups = [
        ("Sales, EMEA", vec![0, 1]),
        (r"R+D\Lab", vec![2]),
        (" Leading", vec![3, 4]),
        ("#Ops", vec![0, 5]),
    ];
    let mut group_ids = Vec::new();
    for (name, members) in &groups {
        let members: Vec<&String> = members.iter().map(|i| &users[*i]).collect();
        let body = json!({"attributes": {"displayName": name}, "members": members});
        let answer = fx.api.post(GROUPS, body).await;
        group_ids.push(answer.expect(201)["id"].as_str().unwrap().to_owned());
    }

    let report = fx.cycle(Mode::Initial).await;
    assert_eq!(report.actions.get("create"), Some(&10), "{report:?}");
    let people = fx.ldap.entries(PEOPLE, "(objectClass=inetOrgPerson)");
    assert_eq!(
        people.len(),
        nicknames.len(),
        "one entry per user, no stray RDNs: {people:?}"
    );
    let mut user_dns = Vec::new();
    for nickname in nicknames {
        let dn = person(&escape_dn_component(nickname));
        let entry = fx
            .ldap
            .entry(&dn)
            .unwrap_or_else(|| panic!("no entry {dn}: {people:?}"));
        assert_eq!(entry["uid"], [nickname], "{dn}");
        // The DN slapd reports names the same entry, directly under PEOPLE.
        let (reported, _) = people
            .iter()
            .find(|(_, e)| e["uid"] == [nickname])
            .unwrap_or_else(|| panic!("{nickname} not listed: {people:?}"));
        assert!(reported.ends_with(&format!(",{PEOPLE}")), "{reported}");
        user_dns.push(reported.clone());
    }
    for (name, members) in &groups {
        let dn = group(&escape_dn_component(name));
        let entry = fx.ldap.entry(&dn).unwrap_or_else(|| panic!("no group {dn}"));
        assert_eq!(entry["cn"], [*name], "{dn}");
        let mut expected: Vec<&String> = members.iter().map(|i| &user_dns[*i]).collect();
        expected.sort();
        assert_eq!(fx.values(&dn, "member").iter().collect::<Vec<_>>(), expected, "{dn}");
    }
    assert_eq!(
        fx.ldap.entries(LDAP_GROUPS, "(objectClass=groupOfNames)").len(),
        groups.len()
    );
    // Matched by DN on the server too: slapd finds each user's groups.
    for (i, dn) in user_dns.iter().enumerate() {
        let listed = fx.ldap.entries(LDAP_GROUPS, &format!("(member={})", filter_value(dn)));
        let wanted = groups.iter().filter(|(_, members)| members.contains(&i)).count();
        assert_eq!(listed.len(), wanted, "{dn}: {listed:?}");
    }

    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.actions.get("skip"), Some(&10), "{again:?}");
    assert_eq!(again.references, 0, "{again:?}");

    // A member leaves a group whose name holds a comma; a renamed user
    // keeps its memberships under its new, escaped DN.
    fx.api
        .patch(&format!("{GROUPS}/{}", group_ids[0]), json!({"members": [users[0]]}))
        .await
        .expect(200);
    fx.patch_user(&users[0], json!({"mailNickname": "smith, john jr."}))
        .await;
    fx.cycle(Mode::Incremental).await;
    let renamed = person(&escape_dn_component("smith, john jr."));
    assert!(fx.ldap.entry(&person(&escape_dn_component("smith, john"))).is_none());
    assert_eq!(fx.values(&renamed, "uid"), ["smith, john jr."]);
    let sales_dn = group(&escape_dn_component("Sales, EMEA"));
    let members = fx
        .ldap
        .entries(LDAP_GROUPS, &format!("(member={})", filter_value(&renamed)));
    assert_eq!(members.len(), 2, "Sales, EMEA and #Ops: {members:?}");
    assert_eq!(fx.values(&sales_dn, "member").len(), 1);
    let again = fx.cycle(Mode::Initial).await;
    assert_eq!(again.actions.get("skip"), Some(&10), "{again:?}");
    fx.api.stop().await;
}

/// A value escaped for an LDAP filter (RFC 4515).
fn filter_value(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\\' => r"\5c".to_owned(),
            '*' => r"\2a".to_owned(),
            '(' => r"\28".to_owned(),
            ')' => r"\29".to_owned(),
            '\0' => r"\00".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn a_user_is_provisioned_on_demand() {
    let Some(fx) = Fixture::start().await else {
        return;
    };
    fx.user("ada", "Engineer").await;
    fx.user("alan", "Analyst").await;
    let path = format!("{JOBS_PATH}/{}/provision-on-demand", fx.job_id);
    let answer = fx.api.post(&path, json!({"user": "ada@contoso.com"})).await;
    let body = answer.expect(200);
    assert_eq!(body["decision"]["action"], "create", "{body}");
    assert_eq!(body["applied"]["done"], true, "{body}");
    assert_eq!(fx.values(&person("ada"), "title"), ["Engineer"]);
    assert!(fx.ldap.entry(&person("alan")).is_none(), "only the chosen user");
    let answer = fx.api.post(&path, json!({"user": "ada@contoso.com"})).await;
    assert_eq!(answer.expect(200)["decision"]["action"], "skip");
    fx.api.stop().await;
}

fn ldap_target(ldap: &Slapd, password: &str) -> LdapTarget {
    let mut target = target(ldap, json!({"mode": "delete"}));
    target["bind_password"] = json!(password);
    target.as_object_mut().unwrap().remove("kind");
    serde_json::from_value(target).unwrap()
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn the_connector_reports_ldap_errors_as_the_cycle_needs_them() {
    let Some(ldap) = Slapd::start() else {
        return;
    };
    use provisio_connectors::ldap::connect;
    let refused = connect(&ldap_target(&ldap, "wrong")).await.err();
    assert_eq!(refused, Some(ConnectorError::InvalidCredentials { status: 49 }));
    let mut unreachable = ldap_target(&ldap, ADMIN_PASSWORD);
    unreachable.url = "ldap://127.0.0.1:1".into();
    assert!(connect(&unreachable).await.err().is_some_and(|e| e.is_retryable()));

    let connector = connect(&ldap_target(&ldap, ADMIN_PASSWORD)).await.unwrap();
    connector.test_connection().await.unwrap();
    let attributes = TargetAttributes::from([
        ("dn".into(), EngineValue::str(person("zoe"))),
        ("uid".into(), EngineValue::str("zoe")),
        ("cn".into(), EngineValue::str("Zoe")),
        ("sn".into(), EngineValue::str("Zed")),
        ("userPassword".into(), EngineValue::str("initial-Secret-1")),
    ]);
    let created = connector.create(SourceKind::User, &attributes).await.unwrap();
    assert_eq!(created.attributes["dn"], EngineValue::str(person("zoe")));
    assert!(!created.attributes.contains_key("userPassword"), "{created:?}");
    let conflict = connector.create(SourceKind::User, &attributes).await.unwrap_err();
    assert!(matches!(conflict, ConnectorError::Conflict { .. }), "{conflict}");

    let found = connector
        .find(SourceKind::User, "uid", &EngineValue::str("zoe"))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|o| &o.id).collect::<Vec<_>>(), [&created.id]);
    let nobody = connector
        .find(SourceKind::User, "uid", &EngineValue::str("z*)(uid=*"))
        .await
        .unwrap();
    assert!(nobody.is_empty(), "the filter value is escaped");
    assert!(
        connector
            .value_exists(SourceKind::User, "cn", &EngineValue::str("Zoe"))
            .await
            .unwrap()
    );

    let missing_class = TargetAttributes::from([
        ("dn".into(), EngineValue::str(person("nosn"))),
        ("uid".into(), EngineValue::str("nosn")),
        ("cn".into(), EngineValue::str("No Surname")),
    ]);
    let rejected = connector.create(SourceKind::User, &missing_class).await.unwrap_err();
    assert!(
        matches!(rejected, ConnectorError::Rejected { status: 400, .. }),
        "{rejected}"
    );
    assert!(!rejected.to_string().contains(ADMIN_PASSWORD));

    connector.delete(SourceKind::User, &created.id).await.unwrap();
    assert_eq!(connector.read(SourceKind::User, &created.id).await.unwrap(), None);
    let gone = connector.delete(SourceKind::User, &created.id).await.unwrap_err();
    assert!(matches!(gone, ConnectorError::NotFound { .. }), "{gone}");
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn the_connector_moves_clears_disables_and_uses_unique_members() {
    let Some(ldap) = Slapd::start() else {
        return;
    };
    use provisio_connectors::ldap::connect;
    ldap.add(&format!(
        "dn: ou=staff,{PEOPLE}\nobjectClass: organizationalUnit\nou: staff\n"
    ));
    let mut target = ldap_target(&ldap, ADMIN_PASSWORD);
    target.group_object_class = LdapGroupClass::GroupOfUniqueNames;
    target.disable = LdapDisable::Attribute {
        attribute: "employeeType".into(),
        value: "disabled".into(),
    };
    let connector = connect(&target).await.unwrap();
    let zoe = connector
        .create(
            SourceKind::User,
            &TargetAttributes::from([
                ("dn".into(), EngineValue::str(person("zoe"))),
                ("uid".into(), EngineValue::str("zoe")),
                ("cn".into(), EngineValue::str("Zoe")),
                ("sn".into(), EngineValue::str("Zed")),
                ("title".into(), EngineValue::str("Pilot")),
                (
                    "mail".into(),
                    EngineValue::Multi(vec![EngineValue::str("z@x.example"), EngineValue::str("zoe@x.example")]),
                ),
                ("userPassword".into(), EngineValue::str("initial-Secret-1")),
            ]),
        )
        .await
        .unwrap();
    let entry = ldap.entry(&person("zoe")).unwrap();
    let mut mails = entry["mail"].clone();
    mails.sort();
    assert_eq!(
        mails,
        ["z@x.example", "zoe@x.example"],
        "ldap3 sends values as a set: any order"
    );
    assert!(
        entry.contains_key("userPassword"),
        "the initial password is written: {entry:?}"
    );

    // A new parent: the entry moves, keeping its id; a Null clears title.
    let staff = format!("uid=zoe,ou=staff,{PEOPLE}");
    let changes = [
        change("dn", EngineValue::str(person("zoe")), EngineValue::str(&staff)),
        change("title", EngineValue::str("Pilot"), EngineValue::Null),
    ];
    connector.update(SourceKind::User, &zoe.id, &changes).await.unwrap();
    assert!(ldap.entry(&person("zoe")).is_none());
    let moved = ldap.entry(&staff).expect("moved under ou=staff");
    assert!(!moved.contains_key("title"), "{moved:?}");
    let read = connector.read(SourceKind::User, &zoe.id).await.unwrap().unwrap();
    assert_eq!(read.attributes["dn"], EngineValue::str(&staff));

    // groupOfUniqueNames: uniqueMember, the placeholder while empty.
    let crew = connector
        .create(
            SourceKind::Group,
            &TargetAttributes::from([
                ("dn".into(), EngineValue::str(group("Crew"))),
                ("cn".into(), EngineValue::str("Crew")),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(ldap.entry(&group("Crew")).unwrap()["uniqueMember"], [ADMIN_DN]);
    connector
        .add_members(&crew.id, std::slice::from_ref(&zoe.id))
        .await
        .unwrap();
    connector
        .add_members(&crew.id, std::slice::from_ref(&zoe.id))
        .await
        .unwrap();
    assert_eq!(
        ldap.entry(&group("Crew")).unwrap()["uniqueMember"],
        std::slice::from_ref(&staff)
    );
    connector
        .remove_members(&crew.id, std::slice::from_ref(&zoe.id))
        .await
        .unwrap();
    connector
        .remove_members(&crew.id, std::slice::from_ref(&zoe.id))
        .await
        .unwrap();
    assert_eq!(ldap.entry(&group("Crew")).unwrap()["uniqueMember"], [ADMIN_DN]);

    // Disabled by attribute: kept, marked.
    connector.disable(SourceKind::User, &zoe.id).await.unwrap();
    assert_eq!(ldap.entry(&staff).unwrap()["employeeType"], ["disabled"]);
}

fn change(path: &str, old: EngineValue, new: EngineValue) -> AttributeChange {
    AttributeChange {
        path: path.into(),
        old,
        new,
        add_only: false,
    }
}

/// `ldaps://` and StartTLS against slapd's certificate from a private CA:
/// untrusted without the job's `ca_certificate`, bound and searched with it
/// (the certificate is always verified, never skipped).
#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn ldaps_and_starttls_verify_the_directory_with_the_jobs_ca() {
    let Some(ldap) = Slapd::start_with_tls() else {
        return;
    };
    use provisio_connectors::ldap::connect;
    let mut ldaps = ldap_target(&ldap, ADMIN_PASSWORD);
    ldaps.url = ldap.ldaps_url();
    let untrusted = connect(&ldaps).await.err().expect("an unknown CA is refused");
    assert!(untrusted.to_string().contains("certificate"), "{untrusted}");

    ldaps.ca_certificate = Some(ldap.ca_certificate());
    let connector = connect(&ldaps).await.unwrap();
    connector.test_connection().await.unwrap();
    let found = connector
        .find(SourceKind::User, "uid", &EngineValue::str("nobody"))
        .await
        .unwrap();
    assert!(found.is_empty());

    let mut start_tls = ldap_target(&ldap, ADMIN_PASSWORD);
    start_tls.start_tls = true;
    let untrusted = connect(&start_tls).await.err().expect("an unknown CA is refused");
    assert!(untrusted.to_string().contains("certificate"), "{untrusted}");
    start_tls.ca_certificate = Some(ldap.ca_certificate());
    connect(&start_tls).await.unwrap().test_connection().await.unwrap();
}

#[tokio::test]
#[ignore = "needs slapd (cargo xtask test)"]
async fn the_benchmarks_indexed_slapd_starts_and_finds_entries_by_uid() {
    let Some(ldap) = Slapd::start_indexed() else {
        return;
    };
    ldap.add(&format!(
        "dn: {}\nobjectClass: inetOrgPerson\nuid: zoe\ncn: Zoe\nsn: Zed\n",
        person("zoe")
    ));
    let found = ldap.entries(PEOPLE, "(uid=zoe)");
    assert_eq!(found.keys().collect::<Vec<_>>(), [&person("zoe")]);
}
