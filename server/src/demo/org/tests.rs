//! Tests of demo_org.rs.

use std::collections::BTreeMap;

use super::*;

fn text<'a>(user: &'a DemoUser, name: &str) -> &'a str {
    user.attributes[name].as_str().unwrap()
}

fn group_named<'a>(org: &'a DemoOrg, name: &str) -> &'a DemoGroup {
    org.groups.iter().find(|g| g.attributes["displayName"] == name).unwrap()
}

#[test]
fn is_the_same_on_every_call() {
    assert_eq!(demo_org(), demo_org());
}

#[test]
fn has_about_300_people_keyed_by_their_index() {
    let org = demo_org();
    assert_eq!(org.users.len(), 300);
    for (index, user) in org.users.iter().enumerate() {
        assert_eq!(user.key, index);
        assert!(!user.attributes.contains_key("id"));
        assert!(!user.attributes.contains_key("manager"));
    }
}

#[test]
fn addresses_are_unique_ascii_and_consistent() {
    let org = demo_org();
    let mut seen = BTreeSet::new();
    for user in &org.users {
        let upn = text(user, "userPrincipalName");
        let nickname = text(user, "mailNickname");
        assert_eq!(text(user, "mail"), upn);
        assert_eq!(upn, format!("{nickname}@contoso.com"));
        assert!(upn.is_ascii() && !upn.contains(' ') && !upn.contains('\''), "{upn}");
        let proxies: Vec<&str> = user.attributes["proxyAddresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(proxies[0], format!("SMTP:{upn}"));
        assert!(proxies[1].starts_with("smtp:") && proxies[1].ends_with("@contoso.com"));
        for address in [upn.to_owned(), proxies[1].trim_start_matches("smtp:").to_owned()] {
            assert!(seen.insert(address.clone()), "{address} twice");
        }
    }
}

#[test]
fn folds_names_with_diacritics_and_numbers_collisions() {
    assert_eq!(ascii_fold("José"), "jose");
    assert_eq!(ascii_fold("Zoë"), "zoe");
    assert_eq!(ascii_fold("Łukasz"), "lukasz");
    assert_eq!(ascii_fold("Müller"), "muller");
    assert_eq!(ascii_fold("Weiß"), "weiss");
    assert_eq!(ascii_fold("O'Brien"), "obrien");
    assert_eq!(ascii_fold("van den Berg"), "vandenberg");
    assert_eq!(ascii_fold("Min-jun"), "min-jun");
    assert_eq!(mail_nickname("FP&A"), "fpa");
    assert_eq!(mail_nickname("All Employees"), "all-employees");
    let org = demo_org();
    assert!(org.users.iter().any(|u| !text(u, "surname").is_ascii()));
    let mut builder = Builder::new();
    assert_eq!(builder.unique_address("jose.garcia".into()), "jose.garcia");
    assert_eq!(builder.unique_address("jose.garcia".into()), "jose.garcia2");
    assert_eq!(builder.unique_address("jose.garcia".into()), "jose.garcia3");
}

#[test]
fn everyone_but_the_ceo_has_a_manager_and_no_chain_loops() {
    let org = demo_org();
    let without: Vec<usize> = org
        .users
        .iter()
        .filter(|u| u.manager.is_none())
        .map(|u| u.key)
        .collect();
    assert_eq!(without, [0]);
    assert_eq!(text(&org.users[0], "jobTitle"), "Chief Executive Officer");
    for user in &org.users {
        let mut chain = vec![user.key];
        let mut current = user;
        while let Some(manager) = current.manager {
            assert!(!chain.contains(&manager), "loop: {chain:?} then {manager}");
            assert!(manager < org.users.len());
            chain.push(manager);
            current = &org.users[manager];
        }
        assert_eq!(*chain.last().unwrap(), 0, "every chain ends at the CEO");
        assert!(chain.len() <= 5, "{chain:?}");
    }
    for head in org.users.iter().filter(|u| u.manager == Some(0)) {
        assert!(
            DEPARTMENTS
                .iter()
                .any(|d| d.name == text(head, "department") && d.head == text(head, "jobTitle"))
        );
    }
    assert_eq!(org.users.iter().filter(|u| u.manager == Some(0)).count(), 8);
}

#[test]
fn spans_8_departments_5_countries_and_3_employee_types() {
    let org = demo_org();
    let mut departments = BTreeMap::<&str, usize>::new();
    let mut countries = BTreeSet::new();
    let mut types = BTreeSet::new();
    for user in &org.users {
        *departments.entry(text(user, "department")).or_default() += 1;
        countries.insert((
            text(user, "country"),
            text(user, "usageLocation"),
            text(user, "preferredLanguage"),
        ));
        types.insert(text(user, "employeeType"));
        assert_eq!(text(user, "companyName"), "Contoso");
    }
    for department in &DEPARTMENTS {
        assert_eq!(departments[department.name], department.size, "{}", department.name);
    }
    assert_eq!(countries.len(), 5, "{countries:?}");
    assert_eq!(types, BTreeSet::from(["Contractor", "Employee", "Intern"]));
    let disabled = org
        .users
        .iter()
        .filter(|u| u.attributes["accountEnabled"] == false)
        .count();
    assert_eq!(disabled, LEAVERS);
}

#[test]
fn department_groups_hold_their_people_and_one_group_holds_groups() {
    let org = demo_org();
    for department in &DEPARTMENTS {
        let group = group_named(&org, department.name);
        assert_eq!(group.member_users.len(), department.size);
        assert!(
            group
                .member_users
                .iter()
                .all(|&k| text(&org.users[k], "department") == department.name)
        );
    }
    let nested: Vec<&DemoGroup> = org.groups.iter().filter(|g| !g.member_groups.is_empty()).collect();
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0].attributes["displayName"], "Go-To-Market");
    let names: Vec<&str> = nested[0]
        .member_groups
        .iter()
        .map(|&i| org.groups[i].attributes["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sales", "Marketing", "Customer Support"]);
    for name in [
        "All Employees",
        "Engineering Leads",
        "VPN Users",
        "Contractors",
        "Project Phoenix",
    ] {
        assert!(!group_named(&org, name).member_users.is_empty(), "{name}");
    }
    let mut nicknames = BTreeSet::new();
    for group in &org.groups {
        assert!(nicknames.insert(group.attributes["mailNickname"].as_str().unwrap()));
    }
}
