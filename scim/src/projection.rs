//! What a response shows of a resource (RFC 7644 §3.4.2.5, §3.9; RFC 7643
//! §2.2 `returned`): the `attributes` and `excludedAttributes` parameters,
//! and ordering for `sortBy` (RFC 7644 §3.4.2.3).

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{as_bool, get_ignore_case, parse_date_time};
use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, ResourceSchema, Returned};

/// One parsed `attributes` or `excludedAttributes` list, in canonical names.
#[derive(Debug, Default)]
struct Selection {
    /// Whole attributes: (extension URN, attribute).
    whole: Vec<(Option<String>, String)>,
    /// Sub-attributes: (extension URN, attribute, sub-attribute).
    subs: Vec<(Option<String>, String, String)>,
    /// Whole extensions, by URN.
    extensions: Vec<String>,
}

impl Selection {
    fn names(&self, ext: Option<&str>, attr: &str) -> bool {
        self.whole.iter().any(|(e, a)| e.as_deref() == ext && a == attr)
            || ext.is_some_and(|urn| self.extensions.iter().any(|e| e == urn))
    }

    fn subs_of(&self, ext: Option<&str>, attr: &str) -> Vec<&str> {
        self.subs
            .iter()
            .filter(|(e, a, _)| e.as_deref() == ext && a == attr)
            .map(|(_, _, s)| s.as_str())
            .collect()
    }
}

enum Mode {
    Default,
    Include(Selection),
    Exclude(Selection),
}

/// Parses a comma-separated list of attribute paths. Syntax errors are
/// 400 `invalidValue`; names the schema does not have are ignored, as
/// clients send one list for users and groups alike.
fn selection(list: &str, schema: &ResourceSchema, parameter: &str) -> Result<Selection, ScimError> {
    let mut selection = Selection::default();
    for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let path =
            AttrPath::parse(item).map_err(|message| ScimError::invalid_value(format!("{parameter}: {message}")))?;
        if let Some(ext) = path.as_urn().and_then(|urn| schema.extension(&urn)) {
            selection.extensions.push(ext.id.clone());
            continue;
        }
        let Some(found) = schema.resolve(&path) else {
            continue;
        };
        let ext = found.in_extension.then(|| found.schema.id.clone());
        match found.sub {
            Some(sub) => selection.subs.push((ext, found.attr.name.clone(), sub.name.clone())),
            None => selection.whole.push((ext, found.attr.name.clone())),
        }
    }
    Ok(selection)
}

fn mode(attributes: Option<&str>, excluded: Option<&str>, schema: &ResourceSchema) -> Result<Mode, ScimError> {
    fn given(list: Option<&str>) -> Option<&str> {
        list.filter(|list| !list.trim().is_empty())
    }
    match (given(attributes), given(excluded)) {
        (None, None) => Ok(Mode::Default),
        (Some(list), None) => Ok(Mode::Include(selection(list, schema, "attributes")?)),
        (None, Some(list)) => Ok(Mode::Exclude(selection(list, schema, "excludedAttributes")?)),
        (Some(_), Some(_)) => Err(ScimError::invalid_value(
            "attributes and excludedAttributes are mutually exclusive (RFC 7644 §3.9); send one of them",
        )),
    }
}

/// Checks the two parameters without a resource, to refuse bad ones early.
pub fn check_attribute_lists(
    attributes: Option<&str>,
    excluded: Option<&str>,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    mode(attributes, excluded, schema).map(|_| ())
}

/// The resource as a response shows it: `returned: never` attributes
/// (password) never; `always` ones (id, schemas) always; `request` ones only
/// when asked for; the others by default, or as the parameters say. An
/// extension left empty is dropped, and its URN from `schemas`.
pub fn project(
    resource: &Value,
    schema: &ResourceSchema,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<Value, ScimError> {
    let mode = mode(attributes, excluded, schema)?;
    let Value::Object(source) = resource else {
        return Ok(resource.clone());
    };
    let mut out = Map::new();
    for (key, value) in source {
        if key == "schemas" {
            continue;
        }
        if let Some(ext) = schema.extension(key) {
            let mut kept = Map::new();
            for (name, value) in value.as_object().into_iter().flatten() {
                match ext.attribute(name) {
                    Some(attr) => {
                        if let Some(value) = project_attr(Some(&ext.id), attr, value, &mode) {
                            kept.insert(attr.name.clone(), value);
                        }
                    }
                    None if matches!(mode, Mode::Default) => {
                        kept.insert(name.clone(), value.clone());
                    }
                    None => {}
                }
            }
            if !kept.is_empty() {
                out.insert(ext.id.clone(), Value::Object(kept));
            }
            continue;
        }
        let core = AttrPath {
            urn: Some(schema.core.id.clone()),
            attr: key.clone(),
            sub_attr: None,
        };
        match schema.resolve(&core) {
            Some(found) => {
                if let Some(value) = project_attr(None, found.attr, value, &mode) {
                    out.insert(found.attr.name.clone(), value);
                }
            }
            None if matches!(mode, Mode::Default) => {
                out.insert(key.clone(), value.clone());
            }
            None => {}
        }
    }
    let schemas = schema.schemas_value(source.get("schemas"), |urn| out.contains_key(urn));
    out.insert("schemas".into(), schemas);
    Ok(Value::Object(out))
}

/// Whether a response projected by these parameters shows the core
/// attribute `name` (when it has a value), so a server can leave out of
/// its answer what it would be costly to read, e.g. a big group's members.
pub fn shows(
    schema: &ResourceSchema,
    attributes: Option<&str>,
    excluded: Option<&str>,
    name: &str,
) -> Result<bool, ScimError> {
    let mode = mode(attributes, excluded, schema)?;
    let Some(attr) = schema.core.attribute(name) else {
        return Ok(matches!(mode, Mode::Default));
    };
    let named = |selection: &Selection| selection.names(None, &attr.name);
    let any_sub = |selection: &Selection| !selection.subs_of(None, &attr.name).is_empty();
    Ok(match (attr.returned, &mode) {
        (Returned::Never, _) => false,
        (Returned::Always, _) | (Returned::Default, Mode::Default) => true,
        (Returned::Request, Mode::Default | Mode::Exclude(_)) => false,
        (_, Mode::Include(selection)) => named(selection) || any_sub(selection),
        (_, Mode::Exclude(selection)) => !named(selection),
    })
}

/// Which sub-attributes to keep, by name and definition (`None`: not in the schema).
type KeepSub<'a> = Box<dyn Fn(Option<&AttributeDef>) -> bool + 'a>;

fn project_attr(ext: Option<&str>, attr: &AttributeDef, value: &Value, mode: &Mode) -> Option<Value> {
    fn by_default(sub: &AttributeDef) -> bool {
        matches!(sub.returned, Returned::Always | Returned::Default)
    }
    let keep: KeepSub<'_> = match (attr.returned, mode) {
        (Returned::Never, _) | (Returned::Request, Mode::Default | Mode::Exclude(_)) => return None,
        (Returned::Always, _) | (Returned::Default, Mode::Default) => Box::new(|sub| sub.is_none_or(by_default)),
        (_, Mode::Include(selection)) if selection.names(ext, &attr.name) => {
            Box::new(|sub| sub.is_none_or(|sub| sub.returned != Returned::Never))
        }
        (_, Mode::Include(selection)) => {
            let asked = selection.subs_of(ext, &attr.name);
            if asked.is_empty() {
                return None;
            }
            Box::new(move |sub| {
                sub.is_some_and(|sub| {
                    sub.returned == Returned::Always
                        || sub.returned != Returned::Never && asked.contains(&sub.name.as_str())
                })
            })
        }
        (_, Mode::Exclude(selection)) if selection.names(ext, &attr.name) => return None,
        (_, Mode::Exclude(selection)) => {
            let dropped = selection.subs_of(ext, &attr.name);
            Box::new(move |sub| {
                sub.is_none_or(|sub| {
                    sub.returned == Returned::Always || by_default(sub) && !dropped.contains(&sub.name.as_str())
                })
            })
        }
    };
    if attr.kind != AttrType::Complex {
        return Some(value.clone());
    }
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(|item| keep_subs(attr, item, &keep)).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        one => keep_subs(attr, one, &keep),
    }
}

/// A complex value with only the sub-attributes `keep` accepts; `None` when
/// nothing is left.
fn keep_subs(attr: &AttributeDef, value: &Value, keep: &KeepSub<'_>) -> Option<Value> {
    let Value::Object(members) = value else {
        return Some(value.clone());
    };
    let kept: Map<String, Value> = members
        .iter()
        .filter(|(name, _)| keep(attr.sub_attribute(name)))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    (!kept.is_empty()).then_some(Value::Object(kept))
}

/// What resources are ordered by: one value, normalised for comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// Lower-cased unless the attribute is caseExact.
    Text(String),
    Number(f64),
    Boolean(bool),
    Instant(DateTime<FixedOffset>),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Boolean(_) => 0,
            SortKey::Number(_) => 1,
            SortKey::Instant(_) => 2,
            SortKey::Text(_) => 3,
        }
    }

    fn cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Text(left), SortKey::Text(right)) => left.cmp(right),
            (SortKey::Number(left), SortKey::Number(right)) => left.total_cmp(right),
            (SortKey::Boolean(left), SortKey::Boolean(right)) => left.cmp(right),
            (SortKey::Instant(left), SortKey::Instant(right)) => left.cmp(right),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Refuses a `sortBy` that is no attribute path of the schema, or names a
/// complex attribute without a `value` to sort by (400 `invalidValue`).
pub fn check_sort_by(sort_by: &str, schema: &ResourceSchema) -> Result<(), ScimError> {
    let path =
        AttrPath::parse(sort_by.trim()).map_err(|message| ScimError::invalid_value(format!("sortBy: {message}")))?;
    let found = schema.resolve(&path).ok_or_else(|| {
        ScimError::invalid_value(format!(
            "sortBy: \"{sort_by}\" is not an attribute of {}",
            schema.resource_type
        ))
    })?;
    if found.sub.is_none() && found.attr.kind == AttrType::Complex && found.attr.sub_attribute("value").is_none() {
        return Err(ScimError::invalid_value(format!(
            "sortBy: \"{}\" is complex; sort by one of its sub-attributes, e.g. \"{}.{}\"",
            found.attr.name,
            found.attr.name,
            found
                .attr
                .sub_attributes
                .first()
                .map_or("value", |sub| sub.name.as_str())
        )));
    }
    Ok(())
}

/// The value a resource is sorted by (RFC 7644 §3.4.2.3): of a multi-valued
/// attribute the primary value, else the first; of a complex attribute
/// without a sub-attribute, its `value`. `None` when it has none.
pub fn sort_key(resource: &Value, sort_by: &str, schema: &ResourceSchema) -> Option<SortKey> {
    let found = schema.resolve(&AttrPath::parse(sort_by.trim()).ok()?)?;
    let holder = match found.in_extension {
        true => get_ignore_case(resource, &found.schema.id)?,
        false => resource,
    };
    let mut value = get_ignore_case(holder, &found.attr.name)?;
    if let Value::Array(items) = value {
        let primary = items
            .iter()
            .find(|item| get_ignore_case(item, "primary").and_then(as_bool) == Some(true));
        value = primary.or_else(|| items.first())?;
    }
    let def = match (found.sub, found.attr.kind) {
        (Some(sub), _) => sub,
        (None, AttrType::Complex) => found.attr.sub_attribute("value")?,
        (None, _) => found.attr,
    };
    if !std::ptr::eq(def, found.attr) {
        value = get_ignore_case(value, &def.name)?;
    }
    match def.kind {
        AttrType::Boolean => as_bool(value).map(SortKey::Boolean),
        AttrType::Integer | AttrType::Decimal => value.as_f64().map(SortKey::Number),
        AttrType::DateTime => {
            let text = value.as_str()?;
            Some(parse_date_time(text).map_or_else(|| SortKey::Text(text.to_owned()), SortKey::Instant))
        }
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let text = value.as_str()?;
            Some(SortKey::Text(if def.case_exact {
                text.to_owned()
            } else {
                text.to_lowercase()
            }))
        }
        AttrType::Complex => None,
    }
}

/// Orders two keys ascending, resources without a value last; reversing
/// the result for `sortOrder=descending` puts them first, as RFC 7644
/// §3.4.2.3 asks.
pub fn compare_keys(left: Option<&SortKey>, right: Option<&SortKey>) -> Ordering {
    match (left, right) {
        (Some(left), Some(right)) => left.cmp(right),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// [`compare_keys`] of two resources' [`sort_key`]s.
pub fn compare(left: &Value, right: &Value, sort_by: &str, schema: &ResourceSchema) -> Ordering {
    compare_keys(
        sort_key(left, sort_by, schema).as_ref(),
        sort_key(right, sort_by, schema).as_ref(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::error::ScimType;
    use super::super::schema::{ENTERPRISE_URN, USER_URN, group_schema, user_schema};
    use super::*;

    fn user() -> Value {
        json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "id": "2819c223",
            "externalId": "bj",
            "userName": "bjensen",
            "password": "secret",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
            ],
            "meta": {"resourceType": "User", "version": "W/\"3\"", "location": "https://x/Users/2819c223"},
            ENTERPRISE_URN: {"employeeNumber": "701984", "manager": {"value": "m1", "displayName": "John"}},
        })
    }

    fn show(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        project(&user(), &user_schema(&[]), attributes, excluded).unwrap()
    }

    #[test]
    fn default_hides_never_returned_attributes() {
        let out = show(None, None);
        assert!(out.get("password").is_none());
        let mut expected = user();
        expected.as_object_mut().unwrap().remove("password");
        assert_eq!(out, expected);
    }

    #[test]
    fn attributes_keep_always_returned_ones() {
        assert_eq!(
            show(Some("userName"), None),
            json!({"schemas": [USER_URN], "id": "2819c223", "userName": "bjensen"})
        );
        assert_eq!(
            show(Some("NAME.givenName, emails.value"), None),
            json!({
                "schemas": [USER_URN],
                "id": "2819c223",
                "name": {"givenName": "Barbara"},
                "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            })
        );
        assert_eq!(
            show(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
                None
            ),
            json!({"schemas": [USER_URN, ENTERPRISE_URN], "id": "2819c223", ENTERPRISE_URN: {"manager": {"value": "m1"}}})
        );
        assert_eq!(
            show(Some(ENTERPRISE_URN), None)[ENTERPRISE_URN],
            json!({"employeeNumber": "701984", "manager": {"value": "m1", "displayName": "John"}})
        );
        assert_eq!(show(Some("externalId,meta"), None)["meta"]["version"], "W/\"3\"");
        assert!(show(Some("password"), None).get("password").is_none());
        assert_eq!(show(Some("nope, userName"), None)["userName"], "bjensen");
    }

    #[test]
    fn excluded_attributes_drop_what_they_name() {
        let out = show(None, Some("meta,emails.type, id"));
        assert!(out.get("meta").is_none());
        assert_eq!(
            out["emails"],
            json!([{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}])
        );
        let out = show(
            None,
            Some(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ),
        );
        assert!(out.get(ENTERPRISE_URN).is_none());
        assert_eq!(out["schemas"], json!([USER_URN]));
        let out = show(None, Some(ENTERPRISE_URN));
        assert!(out.get(ENTERPRISE_URN).is_none());
        assert_eq!(
            show(None, Some("meta.version"))["meta"],
            json!({"resourceType": "User", "location": "https://x/Users/2819c223"})
        );
    }

    #[test]
    fn bad_lists_are_refused() {
        let schema = user_schema(&[]);
        let error = check_attribute_lists(Some("userName"), Some("emails"), &schema).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
        assert!(error.detail.contains("mutually exclusive"));
        let error = check_attribute_lists(Some("name..x"), None, &schema).unwrap_err();
        assert!(error.detail.starts_with("attributes: "), "{}", error.detail);
        check_attribute_lists(Some(" "), Some("members"), &schema).unwrap();
    }

    #[test]
    fn groups_can_leave_members_out() {
        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "A", "members": [{"value": "u"}]});
        let out = project(&group, &group_schema(), None, Some("members")).unwrap();
        assert_eq!(
            out,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "A"})
        );
    }

    #[test]
    fn sort_keys() {
        let schema = user_schema(&[]);
        let key = |resource: &Value, by: &str| sort_key(resource, by, &schema);
        assert_eq!(key(&user(), "userName"), Some(SortKey::Text("bjensen".into())));
        assert_eq!(
            key(&user(), "emails"),
            Some(SortKey::Text("bjensen@example.com".into()))
        );
        assert_eq!(key(&user(), "emails.type"), Some(SortKey::Text("work".into())));
        assert_eq!(key(&user(), "externalId"), Some(SortKey::Text("bj".into())));
        assert_eq!(key(&user(), "name.familyName"), Some(SortKey::Text("jensen".into())));
        assert_eq!(key(&user(), "employeeNumber"), Some(SortKey::Text("701984".into())));
        assert_eq!(
            key(
                &user(),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
            ),
            Some(SortKey::Text("m1".into()))
        );
        assert_eq!(key(&user(), "title"), None);
        let modified = json!({"meta": {"lastModified": "2020-01-01T10:00:00+02:00"}});
        assert!(matches!(key(&modified, "meta.lastModified"), Some(SortKey::Instant(_))));
    }

    #[test]
    fn sorting_is_case_insensitive_with_missing_last() {
        let schema = user_schema(&[]);
        let mut users = [
            json!({"userName": "b", "title": "zeta"}),
            json!({"userName": "c"}),
            json!({"userName": "a", "title": "Alpha"}),
            json!({"userName": "d", "title": "beta"}),
        ];
        users.sort_by(|a, b| compare(a, b, "title", &schema));
        let names: Vec<&str> = users.iter().map(|u| u["userName"].as_str().unwrap()).collect();
        assert_eq!(names, ["a", "d", "b", "c"]);
        users.sort_by(|a, b| compare(a, b, "title", &schema).reverse());
        let names: Vec<&str> = users.iter().map(|u| u["userName"].as_str().unwrap()).collect();
        assert_eq!(names, ["c", "b", "d", "a"]);
        let early = json!({"meta": {"created": "2011-05-13T04:42:34Z"}});
        let late = json!({"meta": {"created": "2011-05-13T05:42:34+02:00"}});
        assert_eq!(compare(&early, &late, "meta.created", &schema), Ordering::Greater);
    }

    #[test]
    fn sort_by_is_checked() {
        let schema = user_schema(&[]);
        check_sort_by("name.familyName", &schema).unwrap();
        check_sort_by("emails", &schema).unwrap();
        for (by, detail) in [
            ("nope", "sortBy: \"nope\" is not an attribute of User"),
            (
                "name",
                "\"name\" is complex; sort by one of its sub-attributes, e.g. \"name.formatted\"",
            ),
            ("a b", "sortBy: \"a b\" is not an attribute path"),
        ] {
            let error = check_sort_by(by, &schema).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
            assert!(error.detail.contains(detail), "{by}: {}", error.detail);
        }
    }

    #[test]
    fn shows_says_whether_an_answer_holds_an_attribute() {
        let groups = group_schema();
        let members = |attributes, excluded| shows(&groups, attributes, excluded, "members").unwrap();
        assert!(members(None, None));
        assert!(!members(None, Some("members")));
        assert!(!members(
            None,
            Some("urn:ietf:params:scim:schemas:core:2.0:Group:members")
        ));
        assert!(members(None, Some("members.display")));
        assert!(members(Some("members.value"), None));
        assert!(!members(Some("displayName"), None));
        assert!(members(Some("displayName,Members"), None));
        assert!(
            !shows(&user_schema(&[]), None, None, "password").unwrap(),
            "password never is"
        );
        assert!(shows(&groups, Some("a"), Some("b"), "members").is_err());
    }
}
