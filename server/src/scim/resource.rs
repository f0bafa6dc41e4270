//! Between the directory and SCIM resources: which SCIM attribute carries
//! which directory attribute (docs/scim.md has the table), building a
//! resource from a user or group, and splitting a resource a client sent
//! into directory attributes and the SCIM-only rest kept beside them.

use provisio_engine::scim_path::syntax::CORE_SCHEMA_PREFIX;
use provisio_engine::scim_path::{FilterValue, TargetPath};
use provisio_scim::ScimError;
use provisio_scim::schema::{
    CUSTOM_USER_URN as CUSTOM_USER_SCHEMA, ENTERPRISE_URN as ENTERPRISE_SCHEMA, GROUP_URN as GROUP_SCHEMA,
    USER_URN as USER_SCHEMA,
};
#[cfg(test)]
use provisio_scim::schema::{
    DIRECTORY_GROUP_URN as DIRECTORY_GROUP_SCHEMA, DIRECTORY_USER_URN as DIRECTORY_USER_SCHEMA,
};
use serde_json::{Map, Value, json};

use crate::directory::{AttributeSpec, Group, GroupDraft, MemberKind, User, UserDraft};

/// SCIM path → directory attribute, for users. Paths with a filter select
/// (and on write create) the element of that type.
pub(crate) const USER_MAPPING: &[(&str, &str)] = &[
    ("externalId", "externalId"),
    ("userName", "userPrincipalName"),
    ("active", "accountEnabled"),
    ("displayName", "displayName"),
    ("name.givenName", "givenName"),
    ("name.familyName", "surname"),
    ("title", "jobTitle"),
    ("userType", "userType"),
    ("preferredLanguage", "preferredLanguage"),
    (r#"emails[type eq "work"].value"#, "mail"),
    (r#"phoneNumbers[type eq "work"].value"#, "telephoneNumber"),
    (r#"phoneNumbers[type eq "mobile"].value"#, "mobile"),
    (r#"phoneNumbers[type eq "fax"].value"#, "facsimileTelephoneNumber"),
    (r#"addresses[type eq "work"].streetAddress"#, "streetAddress"),
    (r#"addresses[type eq "work"].locality"#, "city"),
    (r#"addresses[type eq "work"].region"#, "state"),
    (r#"addresses[type eq "work"].postalCode"#, "postalCode"),
    (r#"addresses[type eq "work"].country"#, "country"),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "employeeId",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "department",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
        "companyName",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
        "division",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        "costCenter",
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "manager",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:User:mailNickname",
        "mailNickname",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:User:officeLocation",
        "officeLocation",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:User:employeeType",
        "employeeType",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:User:usageLocation",
        "usageLocation",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:User:proxyAddresses",
        "proxyAddresses",
    ),
];

/// Directory attributes SCIM shows but does not write (read-only there, as
/// in Microsoft Graph).
const READ_ONLY_IN_SCIM: &[&str] = &["proxyAddresses"];

/// Carries over the current user's attributes that SCIM cannot write
/// (read-only ones and those without a SCIM attribute, such as
/// `employeeHireDate`), so a SCIM replace or patch keeps them.
pub(crate) fn keep_unwritable(draft: &mut UserDraft, current: &User, extensions: &[AttributeSpec]) {
    let writable = |name: &str| {
        !READ_ONLY_IN_SCIM.contains(&name)
            && (USER_MAPPING.iter().any(|(_, attribute)| *attribute == name)
                || extensions.iter().any(|spec| spec.name == name))
    };
    for (name, value) in &current.attributes {
        if !writable(name) {
            draft.attributes.insert(name.clone(), value.clone());
        }
    }
}

/// SCIM path → directory attribute, for groups (members are apart).
pub(crate) const GROUP_MAPPING: &[(&str, &str)] = &[
    ("externalId", "externalId"),
    ("displayName", "displayName"),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:Group:description",
        "description",
    ),
    (
        "urn:provisio:params:scim:schemas:extension:directory:2.0:Group:mailNickname",
        "mailNickname",
    ),
];

/// What a resource's `meta.location` and `$ref`s start with: the server's
/// `…/scim/v2`.
#[derive(Debug, Clone)]
pub(crate) struct Base(pub(crate) String);

impl Base {
    pub(crate) fn users(&self, id: &str) -> String {
        format!("{}/Users/{id}", self.0)
    }

    pub(crate) fn groups(&self, id: &str) -> String {
        format!("{}/Groups/{id}", self.0)
    }
}

/// The ETag of a version: weak, as the representation may vary with
/// `attributes` while the version does not.
pub(crate) fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// `If-Match` as a version, the inverse of [`etag`]: `*` matches any
/// (`None`); `W/"3"` or `"3"` is 3.
pub(crate) fn parse_version(text: &str) -> Result<Option<i64>, ScimError> {
    let text = text.trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.trim_start_matches("W/").trim_matches('"');
    // An ETag this server never issued matches no version.
    Ok(Some(bare.parse::<i64>().unwrap_or(-1)))
}

/// A user as a SCIM resource; `groups` are its direct groups `(id, name)`.
pub(crate) fn user_resource(
    user: &User,
    groups: &[(String, String)],
    base: &Base,
    extensions: &[AttributeSpec],
) -> Value {
    let mut resource = base_object(user.scim_extra.as_ref());
    for (path, attribute) in USER_MAPPING {
        match user.attributes.get(*attribute) {
            Some(value) => put(&mut resource, &parse(path), value.clone()),
            // Cleared outside SCIM: an email or phone left without its
            // value would be no email or phone at all.
            None => drop_valueless(&mut resource, &parse(path)),
        }
    }
    let custom: Map<String, Value> = extensions
        .iter()
        .filter_map(|spec| user.attributes.get(&spec.name).map(|v| (spec.name.clone(), v.clone())))
        .collect();
    if !custom.is_empty() {
        resource.insert(CUSTOM_USER_SCHEMA.to_owned(), Value::Object(custom));
    }
    if let Some(manager) = user.text("manager")
        && let Some(Value::Object(enterprise)) = resource.get_mut(ENTERPRISE_SCHEMA)
    {
        enterprise.insert(
            "manager".to_owned(),
            json!({"value": manager, "$ref": base.users(manager)}),
        );
    }
    if !groups.is_empty() {
        let groups = groups
            .iter()
            .map(|(id, name)| json!({"value": id, "$ref": base.groups(id), "display": name, "type": "direct"}))
            .collect();
        resource.insert("groups".to_owned(), Value::Array(groups));
    }
    finish(
        resource,
        USER_SCHEMA,
        &user.id,
        "User",
        &user.meta,
        base.users(&user.id),
    )
}

/// A group as a SCIM resource.
pub(crate) fn group_resource(group: &Group, base: &Base) -> Value {
    let mut resource = base_object(group.scim_extra.as_ref());
    for (path, attribute) in GROUP_MAPPING {
        if let Some(value) = group.attributes.get(*attribute) {
            put(&mut resource, &parse(path), value.clone());
        }
    }
    let members: Vec<Value> = group
        .members
        .iter()
        .map(|member| {
            let (kind, reference) = match member.kind {
                MemberKind::User => ("User", base.users(&member.id)),
                MemberKind::Group => ("Group", base.groups(&member.id)),
            };
            json!({"value": member.id, "$ref": reference, "type": kind})
        })
        .collect();
    if !members.is_empty() {
        resource.insert("members".to_owned(), Value::Array(members));
    }
    finish(
        resource,
        GROUP_SCHEMA,
        &group.id,
        "Group",
        &group.meta,
        base.groups(&group.id),
    )
}

/// Gives each of a Group resource's members its `display`: the member
/// user's or nested group's displayName, from `names` (member id → name).
/// Members without a name are left without `display`.
pub(crate) fn attach_member_names(resource: &mut Value, names: &std::collections::HashMap<String, String>) {
    let Some(members) = resource.get_mut("members").and_then(Value::as_array_mut) else {
        return;
    };
    for member in members {
        let name = member.get("value").and_then(Value::as_str).and_then(|id| names.get(id));
        if let (Some(name), Value::Object(member)) = (name, &mut *member) {
            member.insert("display".to_owned(), Value::String(name.clone()));
        }
    }
}

/// Splits a checked User resource into directory attributes and the
/// SCIM-only rest.
pub(crate) fn user_draft(resource: Value, extensions: &[AttributeSpec]) -> UserDraft {
    let mut resource = strip_server_attributes(resource);
    // The directory keeps no passwords of the people in it: never stored.
    resource.remove("password");
    let mut attributes = Map::new();
    for (path, attribute) in USER_MAPPING {
        if let Some(value) = take(&mut resource, &parse(path)) {
            attributes.insert((*attribute).to_owned(), value);
        }
    }
    if let Some(Value::Object(custom)) = resource.remove(CUSTOM_USER_SCHEMA) {
        for (name, value) in custom {
            let name = extensions
                .iter()
                .find(|spec| spec.name.eq_ignore_ascii_case(&name))
                .map_or(name, |spec| spec.name.clone());
            attributes.insert(name, value);
        }
    }
    // Only the manager's id is the directory's; its display name is derived.
    if let Some(Value::Object(enterprise)) = resource.get_mut(ENTERPRISE_SCHEMA) {
        enterprise.remove("manager");
    }
    UserDraft {
        attributes,
        scim_extra: extra(resource),
    }
}

/// Gives a user created without a `mailNickname` the one Entra would: the
/// userName's part before the `@`. Jobs commonly match on it (Entra's
/// default mappings do), and SCIM clients rarely send Provisio's extension,
/// so without it such users would be skipped as unmatched. Only creation
/// fills it: a client that replaces or removes it later means it.
pub(crate) fn default_mail_nickname(draft: &mut UserDraft) {
    let attributes = &mut draft.attributes;
    let missing = attributes.get("mailNickname").is_none_or(is_empty);
    let alias = attributes
        .get("userPrincipalName")
        .and_then(Value::as_str)
        .and_then(|upn| upn.split('@').next())
        .map(str::trim)
        .filter(|alias| !alias.is_empty());
    if let (true, Some(alias)) = (missing, alias) {
        attributes.insert("mailNickname".to_owned(), Value::String(alias.to_owned()));
    }
}

/// Splits a checked Group resource into attributes, member ids and the rest.
pub(crate) fn group_draft(resource: Value) -> GroupDraft {
    let mut resource = strip_server_attributes(resource);
    let mut attributes = Map::new();
    for (path, attribute) in GROUP_MAPPING {
        if let Some(value) = take(&mut resource, &parse(path)) {
            attributes.insert((*attribute).to_owned(), value);
        }
    }
    let members = match resource.remove("members") {
        Some(Value::Array(members)) => members
            .iter()
            .filter_map(|member| member.get("value").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    GroupDraft {
        attributes,
        members,
        scim_extra: extra(resource),
    }
}

fn base_object(extra: Option<&Value>) -> Map<String, Value> {
    match extra {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    }
}

fn strip_server_attributes(resource: Value) -> Map<String, Value> {
    let mut resource = match resource {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for computed in ["id", "meta", "schemas", "groups"] {
        resource.remove(computed);
    }
    resource
}

/// What is left once the mapped attributes are taken: empty extension
/// objects dropped, nothing at all when nothing is left.
fn extra(mut resource: Map<String, Value>) -> Option<Value> {
    resource.retain(|_, value| !is_empty(value));
    (!resource.is_empty()).then_some(Value::Object(resource))
}

fn finish(
    mut resource: Map<String, Value>,
    core: &str,
    id: &str,
    kind: &str,
    meta: &crate::directory::Meta,
    location: String,
) -> Value {
    resource.retain(|_, value| !is_empty(value));
    let mut schemas = vec![Value::String(core.to_owned())];
    schemas.extend(
        resource
            .keys()
            .filter(|key| key.starts_with("urn:"))
            .map(|key| Value::String(key.clone())),
    );
    resource.insert("schemas".to_owned(), Value::Array(schemas));
    resource.insert("id".to_owned(), Value::String(id.to_owned()));
    resource.insert(
        "meta".to_owned(),
        json!({
            "resourceType": kind,
            "created": meta.created,
            "lastModified": meta.modified,
            "location": location,
            "version": etag(meta.version),
        }),
    );
    Value::Object(resource)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn parse(path: &str) -> TargetPath {
    // The mapping tables are constants that parse; a typo falls back to a
    // plain attribute name, and the mapping tests catch it.
    TargetPath::parse(path).unwrap_or_else(|_| TargetPath::attribute(path))
}

/// The object holding the path's attribute: the resource or its extension.
fn container<'a>(
    resource: &'a mut Map<String, Value>,
    path: &TargetPath,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    match &path.schema {
        Some(schema) if !schema.starts_with(CORE_SCHEMA_PREFIX) => {
            if create && !matches!(resource.get(schema.as_str()), Some(Value::Object(_))) {
                resource.insert(schema.clone(), Value::Object(Map::new()));
            }
            resource.get_mut(schema.as_str()).and_then(Value::as_object_mut)
        }
        _ => Some(resource),
    }
}

fn element_matches(element: &Value, filter: &provisio_engine::scim_path::ValueFilter) -> bool {
    let Some(found) = element.get(&filter.attribute) else {
        return false;
    };
    match (&filter.value, found) {
        (FilterValue::Text(want), Value::String(have)) => want.eq_ignore_ascii_case(have),
        (FilterValue::Boolean(want), Value::Bool(have)) => want == have,
        _ => false,
    }
}

/// Writes `value` at the path, creating the element a filter selects.
fn put(resource: &mut Map<String, Value>, path: &TargetPath, value: Value) {
    let Some(holder) = container(resource, path, true) else {
        return;
    };
    match (&path.filter, &path.sub_attribute) {
        (None, None) => {
            holder.insert(path.attribute.clone(), value);
        }
        (None, Some(sub)) => {
            let slot = holder
                .entry(path.attribute.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(object) = slot {
                object.insert(sub.clone(), value);
            }
        }
        (Some(filter), sub) => {
            let slot = holder
                .entry(path.attribute.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(elements) = slot else { return };
            let index = match elements.iter().position(|e| element_matches(e, filter)) {
                Some(index) => index,
                None => {
                    let mut element = Map::new();
                    let tag = match &filter.value {
                        FilterValue::Text(text) => Value::String(text.clone()),
                        FilterValue::Boolean(b) => Value::Bool(*b),
                    };
                    element.insert(filter.attribute.clone(), tag);
                    // The directory's mail is the user's primary address.
                    if path.attribute == "emails" {
                        element.insert("primary".to_owned(), Value::Bool(true));
                    }
                    elements.push(Value::Object(element));
                    elements.len() - 1
                }
            };
            if let Some(Value::Object(element)) = elements.get_mut(index) {
                element.insert(sub.clone().unwrap_or_else(|| "value".to_owned()), value);
            }
        }
    }
}

fn drop_valueless(resource: &mut Map<String, Value>, path: &TargetPath) {
    let (Some(filter), Some("value")) = (&path.filter, path.sub_attribute.as_deref()) else {
        return;
    };
    let Some(Value::Array(elements)) = resource.get_mut(&path.attribute) else {
        return;
    };
    elements.retain(|e| !element_matches(e, filter) || e.get("value").is_some());
    if elements.is_empty() {
        resource.remove(&path.attribute);
    }
}

/// Removes and returns the value at the path; an element a filter selected
/// is dropped once only its type and primary flag are left.
fn take(resource: &mut Map<String, Value>, path: &TargetPath) -> Option<Value> {
    let holder = container(resource, path, false)?;
    match (&path.filter, &path.sub_attribute) {
        (None, None) => holder.remove(&path.attribute),
        (None, Some(sub)) => {
            let object = holder.get_mut(&path.attribute)?.as_object_mut()?;
            let value = object.remove(sub);
            if object.is_empty() {
                holder.remove(&path.attribute);
            }
            value
        }
        (Some(filter), sub) => {
            let elements = holder.get_mut(&path.attribute)?.as_array_mut()?;
            let index = elements.iter().position(|e| element_matches(e, filter))?;
            let element = elements.get_mut(index)?.as_object_mut()?;
            let value = element.remove(sub.as_deref().unwrap_or("value"));
            // The element stays while it says more than its type (a display
            // name, a primary flag): the client reads back what it wrote.
            if element.keys().all(|k| k == &filter.attribute) {
                elements.remove(index);
            }
            if elements.is_empty() {
                holder.remove(&path.attribute);
            }
            value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{Member, Meta};

    fn meta() -> Meta {
        Meta {
            version: 3,
            created: "2026-01-01T00:00:00.000Z".into(),
            modified: "2026-01-02T00:00:00.000Z".into(),
            deleted: None,
        }
    }

    fn base() -> Base {
        Base("http://h/scim/v2".into())
    }

    #[test]
    fn a_user_sent_without_a_mail_nickname_gets_the_usernames_alias() {
        let created = |resource| {
            let mut draft = user_draft(resource, &[]);
            default_mail_nickname(&mut draft);
            draft.attributes
        };
        let draft = created(json!({"schemas": [USER_SCHEMA], "userName": "Ada.L@contoso.com"}));
        assert_eq!(draft["mailNickname"], "Ada.L");
        let sent = json!({
            "schemas": [USER_SCHEMA, DIRECTORY_USER_SCHEMA],
            "userName": "ada@contoso.com",
            DIRECTORY_USER_SCHEMA: {"mailNickname": "lovelace"}
        });
        assert_eq!(created(sent)["mailNickname"], "lovelace", "one given is kept");
        assert_eq!(
            created(json!({"schemas": [USER_SCHEMA], "userName": "grace"}))["mailNickname"],
            "grace"
        );
        let replaced = user_draft(json!({"schemas": [USER_SCHEMA], "userName": "grace"}), &[]);
        assert!(
            replaced.attributes.get("mailNickname").is_none(),
            "only creation fills it"
        );
    }

    #[test]
    fn every_mapping_path_parses() {
        for (path, _) in USER_MAPPING.iter().chain(GROUP_MAPPING) {
            TargetPath::parse(path).unwrap();
        }
    }

    #[test]
    fn a_scim_user_round_trips_through_the_directory() {
        let sent = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "zoe@contoso.com",
            "externalId": "Z1",
            "active": true,
            "name": {"givenName": "Zoë", "familyName": "Saldana", "middleName": "Y"},
            "nickName": "Zo",
            "emails": [
                {"value": "zoe@contoso.com", "type": "work", "primary": true},
                {"value": "zoe@home.example", "type": "home"}
            ],
            "phoneNumbers": [{"value": "+1 555", "type": "mobile"}],
            "addresses": [{"type": "work", "locality": "Paris", "country": "FR", "formatted": "1 rue X"}],
            ENTERPRISE_SCHEMA: {"employeeNumber": "E1", "department": "Sales", "manager": {"value": "m1"}}
        });
        let draft = user_draft(sent.clone(), &[]);
        assert_eq!(draft.attributes["userPrincipalName"], "zoe@contoso.com");
        assert_eq!(draft.attributes["givenName"], "Zoë");
        assert_eq!(draft.attributes["mail"], "zoe@contoso.com");
        assert_eq!(draft.attributes["city"], "Paris");
        assert_eq!(draft.attributes["manager"], "m1");
        assert_eq!(draft.attributes["mobile"], "+1 555");
        let extra = draft.scim_extra.clone().unwrap();
        assert_eq!(extra["nickName"], "Zo");
        assert_eq!(extra["name"], json!({"middleName": "Y"}));
        assert!(extra.get(ENTERPRISE_SCHEMA).is_none());

        let user = User {
            id: "u1".into(),
            attributes: draft.attributes,
            scim_extra: draft.scim_extra,
            meta: meta(),
        };
        let back = user_resource(&user, &[("g1".into(), "Sales".into())], &base(), &[]);
        assert_eq!(
            back["name"],
            json!({"givenName": "Zoë", "familyName": "Saldana", "middleName": "Y"})
        );
        assert_eq!(back["emails"].as_array().unwrap().len(), 2);
        assert_eq!(back[ENTERPRISE_SCHEMA]["manager"]["value"], "m1");
        assert_eq!(back[ENTERPRISE_SCHEMA]["manager"]["$ref"], "http://h/scim/v2/Users/m1");
        assert_eq!(back["addresses"][0]["formatted"], "1 rue X");
        assert_eq!(back["groups"][0]["display"], "Sales");
        assert_eq!(back["meta"]["version"], "W/\"3\"");
        assert_eq!(back["meta"]["location"], "http://h/scim/v2/Users/u1");
        assert_eq!(back["id"], "u1");
        assert_eq!(back["schemas"], json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    }

    #[test]
    fn a_directory_change_shows_in_the_scim_view() {
        let mut attributes = Map::new();
        attributes.insert("userPrincipalName".into(), json!("a@b.c"));
        attributes.insert("mail".into(), json!("new@b.c"));
        attributes.insert("mailNickname".into(), json!("a"));
        let user = User {
            id: "u".into(),
            attributes,
            scim_extra: Some(json!({"emails": [{"type": "work", "primary": true, "display": "A"}]})),
            meta: meta(),
        };
        let resource = user_resource(&user, &[], &base(), &[]);
        assert_eq!(
            resource["emails"],
            json!([{"type": "work", "primary": true, "display": "A", "value": "new@b.c"}])
        );
        assert_eq!(resource[DIRECTORY_USER_SCHEMA]["mailNickname"], "a");
    }

    #[test]
    fn groups_carry_members_with_their_kind() {
        let mut attributes = Map::new();
        attributes.insert("displayName".into(), json!("Sales"));
        attributes.insert("description".into(), json!("Sellers"));
        let group = Group {
            id: "g".into(),
            attributes,
            members: vec![
                Member {
                    id: "u1".into(),
                    kind: MemberKind::User,
                },
                Member {
                    id: "g2".into(),
                    kind: MemberKind::Group,
                },
            ],
            scim_extra: None,
            meta: meta(),
        };
        let resource = group_resource(&group, &base());
        assert_eq!(
            resource["members"][1],
            json!({"value": "g2", "$ref": "http://h/scim/v2/Groups/g2", "type": "Group"})
        );
        assert_eq!(resource[DIRECTORY_GROUP_SCHEMA]["description"], "Sellers");
        let mut named = resource.clone();
        let names = std::collections::HashMap::from([("u1".to_owned(), "Ada".to_owned())]);
        attach_member_names(&mut named, &names);
        assert_eq!(named["members"][0]["display"], "Ada");
        assert_eq!(named["members"][1].get("display"), None, "no name, no display");
        assert_eq!(group_draft(named).members, vec!["u1".to_owned(), "g2".to_owned()]);
        let draft = group_draft(resource);
        assert_eq!(draft.members, vec!["u1".to_owned(), "g2".to_owned()]);
        assert_eq!(draft.attributes["description"], "Sellers");
        assert_eq!(draft.scim_extra, None);
    }
}

#[cfg(test)]
mod element_tests {
    use super::*;

    #[test]
    fn a_mapped_element_keeps_its_other_sub_attributes() {
        let sent = json!({"schemas": [USER_SCHEMA], "userName": "a@b.c", "password": "s3cret!",
            "emails": [{"value": "x@y.z", "display": "X", "type": "work", "primary": false}],
            "phoneNumbers": [{"value": "1", "display": "D", "type": "fax", "primary": true}]});
        let draft = user_draft(sent, &[]);
        let extra = draft.scim_extra.clone().unwrap();
        assert_eq!(
            extra["emails"],
            json!([{"display": "X", "type": "work", "primary": false}])
        );
        assert!(extra.get("password").is_none(), "passwords are never kept");
        let user = User {
            id: "u".into(),
            attributes: draft.attributes,
            scim_extra: draft.scim_extra,
            meta: crate::directory::Meta {
                version: 1,
                created: String::new(),
                modified: String::new(),
                deleted: None,
            },
        };
        let mut user = user;
        let back = user_resource(&user, &[], &Base("b".into()), &[]);
        assert_eq!(
            back["emails"],
            json!([{"value": "x@y.z", "display": "X", "type": "work", "primary": false}])
        );
        user.attributes.remove("telephoneNumber");
        user.attributes.remove("facsimileTelephoneNumber");
        let cleared = user_resource(&user, &[], &Base("b".into()), &[]);
        assert!(cleared.get("phoneNumbers").is_none(), "{cleared}");
        assert_eq!(
            back["phoneNumbers"],
            json!([{"value": "1", "display": "D", "type": "fax", "primary": true}])
        );
    }
}
