//! The directory connector: Provisio's own directory as the target of an
//! inbound job (an HR system's records, mapped to directory attributes, are
//! written here). Target paths are the catalogue's attribute names; engine
//! values are converted to the JSON type the catalogue declares, and
//! directory errors to the [`ConnectorError`] that makes the cycle quarantine,
//! escrow or give up as it would for any other target.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use provisio_engine::Value;
use provisio_engine::job::SourceKind;
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use serde_json::Value as Json;

use crate::directory::attributes::user_catalogue;
use crate::directory::{
    AttributeSpec, AttributeType, Directory, DirectoryError, GroupCommit, User, UserDraft, UserLookup, UserWrite,
};
use crate::store::Store;
use provisio_connectors::{Connector, ConnectorError, ConnectorFuture};

/// Writes users of the store's directory.
#[derive(Debug, Clone)]
pub struct DirectoryConnector {
    directory: Directory,
    /// The attribute catalogue, read once per connector: a connector lives
    /// for one run (an inbound request), and every record needs it.
    catalogue: tokio::sync::OnceCell<Vec<AttributeSpec>>,
    /// The run's writes, committed in groups: the records of a request
    /// are processed several at a time, and on SQLite a transaction of
    /// one write costs twice what the write does.
    writes: tokio::sync::OnceCell<GroupCommit>,
}

impl DirectoryConnector {
    pub fn new(store: Store) -> DirectoryConnector {
        DirectoryConnector {
            directory: store.directory(),
            catalogue: tokio::sync::OnceCell::new(),
            writes: tokio::sync::OnceCell::new(),
        }
    }

    async fn written(&self, write: UserWrite) -> Result<Option<User>, ConnectorError> {
        let writes = self
            .writes
            .get_or_init(|| async { GroupCommit::start(self.directory.clone()) })
            .await;
        writes.write(write).await.map_err(from_directory)
    }

    async fn catalogue(&self) -> Result<&[AttributeSpec], ConnectorError> {
        let catalogue = self
            .catalogue
            .get_or_try_init(|| async {
                Ok::<_, ConnectorError>(user_catalogue(
                    &self.directory.extension_attributes().await.map_err(from_directory)?,
                ))
            })
            .await?;
        Ok(catalogue)
    }

    async fn find_users(&self, attribute: &str, value: &Value) -> Result<Vec<TargetObject>, ConnectorError> {
        let catalogue = self.catalogue().await?;
        let spec = spec_of(catalogue, attribute).map_err(from_directory)?;
        // A value the attribute cannot hold is held by no user.
        let Ok(wanted) = scalar_json(spec, value) else {
            return Ok(Vec::new());
        };
        if wanted.is_null() {
            return Ok(Vec::new());
        }
        let lookup = lookup_for(&spec.name, &wanted);
        let mut found = Vec::new();
        self.directory
            .scan_users(lookup.as_ref(), |user| {
                if holds(&user, spec, &wanted) {
                    found.push(user);
                }
            })
            .await
            .map_err(from_directory)?;
        Ok(found.iter().map(|u| target_object(u, catalogue)).collect())
    }

    /// [`DirectoryConnector::find_users`] for many values at once: the
    /// catalogue read once, the indexed look-ups in one query, and any
    /// other attribute in one scan of the directory for all the values.
    async fn find_many_users(
        &self,
        attribute: &str,
        values: &[Value],
    ) -> Result<Vec<Vec<TargetObject>>, ConnectorError> {
        let catalogue = self.catalogue().await?;
        let spec = spec_of(catalogue, attribute).map_err(from_directory)?;
        // A value the attribute cannot hold (or none) is held by no user.
        let wanted: Vec<Option<Json>> = values
            .iter()
            .map(|value| scalar_json(spec, value).ok().filter(|json| !json.is_null()))
            .collect();
        let lookups: Option<Vec<UserLookup>> = wanted
            .iter()
            .flatten()
            .map(|json| lookup_for(&spec.name, json))
            .collect();
        let candidates = match lookups {
            Some(lookups) => self.directory.users_matching_any(&lookups).await,
            None => {
                let mut holding = Vec::new();
                self.directory
                    .scan_users(None, |user| {
                        if wanted.iter().flatten().any(|json| holds(&user, spec, json)) {
                            holding.push(user);
                        }
                    })
                    .await
                    .map(|()| holding)
            }
        }
        .map_err(from_directory)?;
        Ok(wanted
            .iter()
            .map(|json| match json {
                Some(json) => candidates
                    .iter()
                    .filter(|user| holds(user, spec, json))
                    .map(|user| target_object(user, catalogue))
                    .collect(),
                None => Vec::new(),
            })
            .collect())
    }

    async fn create_user(&self, attributes: &TargetAttributes) -> Result<TargetObject, ConnectorError> {
        let catalogue = self.catalogue().await?;
        let mut draft = UserDraft::default();
        for (path, value) in attributes {
            let (name, json) = converted(catalogue, path, value).map_err(from_directory)?;
            // Absent and empty values are simply not written on create.
            if !json.is_null() {
                draft.attributes.insert(name, json);
            }
        }
        let user = self
            .written(UserWrite::Create(draft))
            .await?
            .ok_or_else(|| ConnectorError::Transient {
                detail: "the directory answered a create without the user".to_owned(),
            })?;
        Ok(target_object(&user, catalogue))
    }

    async fn update_user(&self, id: &str, changes: &[AttributeChange]) -> Result<(), ConnectorError> {
        if changes.is_empty() {
            return Ok(());
        }
        let catalogue = self.catalogue().await?;
        // Converted before the transaction, so a refused value opens none.
        let writes = changes
            .iter()
            .map(|change| converted(catalogue, &change.path, &change.new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(from_directory)?;
        self.write(id, writes).await
    }

    /// Sets or (with `Null`) removes these attributes.
    async fn write(&self, id: &str, attributes: Vec<(String, Json)>) -> Result<(), ConnectorError> {
        let id = id.to_owned();
        self.written(UserWrite::Set { id, attributes }).await.map(drop)
    }
}

/// Inbound jobs provision users: a group object is a job definition error.
fn users_only() -> ConnectorError {
    ConnectorError::Incompatible {
        detail: "the directory is the target of inbound jobs, which provision users only, not groups".to_owned(),
    }
}

fn user_kind(kind: SourceKind) -> Result<(), ConnectorError> {
    match kind {
        SourceKind::User => Ok(()),
        SourceKind::Group => Err(users_only()),
    }
}

impl Connector for DirectoryConnector {
    /// As many as a group commits: concurrent writes cost one transaction.
    fn objects_in_flight(&self) -> usize {
        crate::directory::GROUP
    }

    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(async move { self.directory.user_count().await.map(drop).map_err(from_directory) })
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(async move {
            user_kind(kind)?;
            self.find_users(target_attribute, value).await
        })
    }

    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(async move {
            user_kind(kind)?;
            self.find_many_users(target_attribute, values).await
        })
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            user_kind(kind)?;
            let catalogue = self.catalogue().await?;
            let user = self.directory.user(id).await.map_err(from_directory)?;
            Ok(user.map(|u| target_object(&u, catalogue)))
        })
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(async move {
            user_kind(kind)?;
            self.create_user(attributes).await
        })
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            user_kind(kind)?;
            self.update_user(id, changes).await
        })
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            user_kind(kind)?;
            self.write(id, vec![("accountEnabled".to_owned(), Json::Bool(false))])
                .await
        })
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            user_kind(kind)?;
            self.written(UserWrite::Delete { id: id.to_owned() }).await.map(drop)
        })
    }

    fn add_members<'a>(&'a self, _group_id: &'a str, _member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(async { Err(users_only()) })
    }

    fn remove_members<'a>(&'a self, _group_id: &'a str, _member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(async { Err(users_only()) })
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(async move {
            user_kind(kind)?;
            Ok(!self.find_users(target_attribute, value).await?.is_empty())
        })
    }
}

/// What the cycle should do about a directory error.
fn from_directory(error: DirectoryError) -> ConnectorError {
    let detail = error.to_string();
    match error {
        DirectoryError::NotFound { .. } => ConnectorError::NotFound { detail },
        DirectoryError::Conflict { .. } => ConnectorError::Conflict {
            scim_type: Some("uniqueness".to_owned()),
            detail,
        },
        DirectoryError::NotDeleted { .. } => ConnectorError::Conflict {
            scim_type: None,
            detail,
        },
        DirectoryError::Invalid { .. } => ConnectorError::Rejected {
            status: 400,
            scim_type: Some("invalidValue".to_owned()),
            detail,
        },
        // Another writer got there first (we name no version, so only a
        // race): the next cycle sees the new state.
        DirectoryError::VersionMismatch { .. } => ConnectorError::Transient { detail },
        // The database's own failures, like a target's 5xx: retried later.
        DirectoryError::Storage(_) => ConnectorError::Transient { detail },
    }
}

fn spec_of<'c>(catalogue: &'c [AttributeSpec], name: &str) -> Result<&'c AttributeSpec, DirectoryError> {
    catalogue
        .iter()
        .find(|spec| spec.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| crate::directory::attributes::unknown(name, catalogue))
}

/// The attribute's catalogue name and the value as the directory stores it.
fn converted(catalogue: &[AttributeSpec], path: &str, value: &Value) -> Result<(String, Json), DirectoryError> {
    let spec = spec_of(catalogue, path)?;
    Ok((spec.name.clone(), to_json(spec, value)?))
}

/// An engine value as the JSON the catalogue declares for the attribute;
/// `Null` for no value.
fn to_json(spec: &AttributeSpec, value: &Value) -> Result<Json, DirectoryError> {
    let items: Vec<&Value> = match value {
        Value::Multi(items) => items.iter().filter(|v| !v.is_null_or_empty()).collect(),
        v if v.is_null_or_empty() => Vec::new(),
        v => vec![v],
    };
    if spec.multi_valued {
        let values = items
            .into_iter()
            .map(|v| scalar_json(spec, v))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if values.is_empty() {
            Json::Null
        } else {
            Json::Array(values)
        });
    }
    match items.as_slice() {
        [] => Ok(Json::Null),
        [one] => scalar_json(spec, one),
        many => Err(DirectoryError::invalid(
            &spec.name,
            &format!("holds one value, not {}", many.len()),
        )),
    }
}

fn scalar_json(spec: &AttributeSpec, value: &Value) -> Result<Json, DirectoryError> {
    let wrong = |expected: &str| {
        DirectoryError::invalid(
            &spec.name,
            &format!("must be {expected}, not a value of type {}", value.type_name()),
        )
    };
    if value.is_null_or_empty() {
        return Ok(Json::Null);
    }
    match (spec.kind, value) {
        (_, Value::Complex(_) | Value::Multi(_)) => Err(wrong("a single value")),
        (AttributeType::String, v) => v
            .as_text()
            .map(|t| Json::String(t.into_owned()))
            .ok_or_else(|| wrong("a string")),
        (AttributeType::Reference, Value::Str(id) | Value::Reference(id)) => Ok(Json::String(id.clone())),
        (AttributeType::Reference, _) => Err(wrong("the id of a user")),
        (AttributeType::Boolean, Value::Bool(b)) => Ok(Json::Bool(*b)),
        (AttributeType::Boolean, Value::Str(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Json::Bool(true)),
            "false" => Ok(Json::Bool(false)),
            _ => Err(DirectoryError::invalid(
                &spec.name,
                &format!("must be true or false, not `{text}`"),
            )),
        },
        (AttributeType::Boolean, _) => Err(wrong("true or false")),
        (AttributeType::Integer, Value::Int(n)) => Ok(Json::from(*n)),
        (AttributeType::Integer, Value::Str(text)) => text
            .trim()
            .parse::<i64>()
            .map(Json::from)
            .map_err(|_| DirectoryError::invalid(&spec.name, &format!("must be an integer, not `{text}`"))),
        (AttributeType::Integer, _) => Err(wrong("an integer")),
        (AttributeType::DateTime, Value::DateTime(at)) => Ok(Json::String(crate::directory::timestamp(*at))),
        (AttributeType::DateTime, Value::Str(text)) => parse_instant(text)
            .map(|at| Json::String(crate::directory::timestamp(at)))
            .ok_or_else(|| {
                DirectoryError::invalid(
                    &spec.name,
                    &format!("must be a date and time such as 2026-01-31T09:00:00Z, not `{text}`"),
                )
            }),
        (AttributeType::DateTime, _) => Err(wrong("a date and time")),
    }
}

/// RFC 3339, Entra's `M/d/yyyy h:mm:ss tt` (how the engine renders a
/// date-time as text), or a bare date (HR systems send hire dates so) at
/// midnight UTC.
fn parse_instant(text: &str) -> Option<chrono::DateTime<Utc>> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%m/%d/%Y %I:%M:%S %p")
                .ok()
                .map(|at| at.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|at| at.and_utc())
        })
}

/// A stored value as the engine compares it: date-times as instants,
/// `manager` as a reference, lists as multi-valued.
fn to_engine(kind: Option<AttributeType>, json: &Json) -> Value {
    match (kind, json) {
        (_, Json::Array(items)) => Value::Multi(items.iter().map(|item| to_engine(kind, item)).collect()),
        (Some(AttributeType::DateTime), Json::String(text)) => {
            parse_instant(text).map_or_else(|| Value::str(text.clone()), Value::DateTime)
        }
        (Some(AttributeType::Reference), Json::String(id)) => Value::Reference(id.clone()),
        (_, json) => Value::from_json(json.clone()),
    }
}

fn target_object(user: &User, catalogue: &[AttributeSpec]) -> TargetObject {
    let kind_of = |name: &str| catalogue.iter().find(|spec| spec.name == name).map(|spec| spec.kind);
    TargetObject {
        id: user.id.clone(),
        attributes: user
            .attributes
            .iter()
            .map(|(name, json)| (name.clone(), to_engine(kind_of(name), json)))
            .collect(),
    }
}

/// The index that narrows a search for `wanted` in `attribute`, if any.
fn lookup_for(attribute: &str, wanted: &Json) -> Option<UserLookup> {
    let text = wanted.as_str()?.to_owned();
    match attribute {
        "userPrincipalName" => Some(UserLookup::UserPrincipalName(text)),
        "externalId" => Some(UserLookup::ExternalId(text)),
        "employeeId" => Some(UserLookup::EmployeeId(text)),
        "mail" => Some(UserLookup::Mail(text)),
        "displayName" => Some(UserLookup::DisplayName(text)),
        _ => None,
    }
}

/// Whether the user's attribute holds `wanted` (one of its values, for a
/// list); text compares without case, as the directory's look-ups do, but
/// `externalId`, which the directory keeps exact.
fn holds(user: &User, spec: &AttributeSpec, wanted: &Json) -> bool {
    let equal = |have: &Json| match (have, wanted) {
        (Json::String(a), Json::String(b)) if spec.name != "externalId" => a.to_lowercase() == b.to_lowercase(),
        (a, b) => a == b,
    };
    match user.attributes.get(&spec.name) {
        Some(Json::Array(items)) => items.iter().any(equal),
        Some(have) => equal(have),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn convert(path: &str, value: Value) -> Result<Json, String> {
        converted(&user_catalogue(&[]), path, &value)
            .map(|(_, json)| json)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn values_take_the_catalogue_type() {
        assert_eq!(convert("accountEnabled", Value::str("False")), Ok(json!(false)));
        assert_eq!(convert("accountEnabled", Value::str("true")), Ok(json!(true)));
        assert_eq!(convert("accountEnabled", Value::Bool(true)), Ok(json!(true)));
        assert_eq!(convert("jobTitle", Value::Int(7)), Ok(json!("7")));
        assert_eq!(convert("JOBTITLE", Value::str("CEO")), Ok(json!("CEO")));
        assert_eq!(convert("manager", Value::Reference("m1".into())), Ok(json!("m1")));
        assert_eq!(convert("city", Value::str("")), Ok(Json::Null));
        assert_eq!(
            convert("city", Value::Multi(vec![Value::str("Oslo")])),
            Ok(json!("Oslo"))
        );
        assert_eq!(convert("otherMails", Value::str("a@b.c")), Ok(json!(["a@b.c"])));
    }

    #[test]
    fn date_times_are_stored_as_utc_rfc_3339() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
        let stored = json!("2026-03-01T08:00:00.000Z");
        assert_eq!(convert("employeeHireDate", Value::DateTime(at)), Ok(stored.clone()));
        assert_eq!(
            convert("employeeHireDate", Value::str("2026-03-01T09:00:00+01:00")),
            Ok(stored.clone())
        );
        assert_eq!(
            convert("employeeHireDate", Value::str("3/1/2026 8:00:00 AM")),
            Ok(stored)
        );
        assert_eq!(
            convert("employeeHireDate", Value::str("2026-03-01")),
            Ok(json!("2026-03-01T00:00:00.000Z"))
        );
    }

    #[test]
    fn refused_values_name_the_attribute() {
        let err = |path, value| convert(path, value).unwrap_err();
        assert_eq!(
            err("accountEnabled", Value::str("maybe")),
            "attribute `accountEnabled` must be true or false, not `maybe`"
        );
        assert!(
            err("shoeSize", Value::Int(42)).starts_with("attribute `shoeSize` is not an attribute of the directory ("),
            "{}",
            err("shoeSize", Value::Int(42))
        );
        assert_eq!(
            err("title", Value::str("Engineer")),
            "attribute `title` is not an attribute of the directory: did you mean `jobTitle`?"
        );
        assert!(err("employeeHireDate", Value::str("soon")).contains("employeeHireDate"));
        assert!(err("city", Value::Multi(vec![Value::str("a"), Value::str("b")])).contains("one value, not 2"));
        assert!(err("manager", Value::Bool(true)).contains("the id of a user"));
    }

    #[test]
    fn stored_values_read_back_as_engine_values() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
        let date = to_engine(Some(AttributeType::DateTime), &json!("2026-03-01T08:00:00.000Z"));
        assert_eq!(date, Value::DateTime(at));
        assert_eq!(
            to_engine(Some(AttributeType::Reference), &json!("m1")),
            Value::Reference("m1".into())
        );
        assert_eq!(
            to_engine(Some(AttributeType::Boolean), &json!(false)),
            Value::Bool(false)
        );
        assert_eq!(
            to_engine(Some(AttributeType::String), &json!(["a"])),
            Value::Multi(vec![Value::str("a")])
        );
        assert_eq!(to_engine(None, &json!(3)), Value::Int(3));
    }

    #[test]
    fn errors_map_to_what_the_cycle_does() {
        let invalid = from_directory(DirectoryError::invalid("manager", "names no user: `x`"));
        assert!(
            matches!(invalid, ConnectorError::Rejected { status: 400, ref detail, .. } if detail.contains("manager"))
        );
        let conflict = from_directory(DirectoryError::Conflict {
            attribute: "userPrincipalName".into(),
            message: "taken".into(),
        });
        assert!(matches!(conflict, ConnectorError::Conflict { .. }));
        let storage = from_directory(DirectoryError::Storage(crate::ServerError::Database(
            sqlx::Error::PoolTimedOut,
        )));
        assert!(storage.is_retryable());
    }
}

#[cfg(test)]
mod find_many_tests {
    use serde_json::json;

    use super::*;

    async fn connector_with(people: &[(&str, &str, &str)]) -> DirectoryConnector {
        let store = Store::open("sqlite::memory:").await.unwrap();
        for (upn, employee_id, title) in people {
            let mut draft = UserDraft::default();
            draft.attributes.insert("userPrincipalName".into(), json!(upn));
            draft.attributes.insert("employeeId".into(), json!(employee_id));
            draft.attributes.insert("jobTitle".into(), json!(title));
            store.directory().create_user(draft).await.unwrap();
        }
        DirectoryConnector::new(store)
    }

    fn upns(found: &[TargetObject]) -> Vec<String> {
        let mut upns: Vec<String> = found
            .iter()
            .filter_map(|object| object.attributes.get("userPrincipalName").map(|v| v.to_string()))
            .collect();
        upns.sort();
        upns
    }

    /// Whatever attribute is matched on, indexed or not, many values at once
    /// find exactly what one find per value finds, value by value.
    #[tokio::test]
    async fn many_values_find_what_one_find_per_value_finds() {
        let connector = connector_with(&[
            ("ada@contoso.com", "E1", "Engineer"),
            ("bob@contoso.com", "E2", "Engineer"),
            ("cy@contoso.com", "E3", "Chef"),
        ])
        .await;
        for (attribute, values) in [
            ("employeeId", vec!["E2", "E9", "E1", "e3"]),
            ("userPrincipalName", vec!["ADA@contoso.com", "nobody@contoso.com"]),
            ("jobTitle", vec!["engineer", "Chef", "Baker"]),
        ] {
            let values: Vec<Value> = values.into_iter().map(Value::str).collect();
            let many = connector.find_many(SourceKind::User, attribute, &values).await.unwrap();
            assert_eq!(many.len(), values.len());
            for (value, found) in values.iter().zip(&many) {
                let one = connector.find(SourceKind::User, attribute, value).await.unwrap();
                assert_eq!(upns(found), upns(&one), "{attribute} = {value:?}");
            }
        }
        let engineers = connector
            .find_many(SourceKind::User, "jobTitle", &[Value::str("Engineer")])
            .await
            .unwrap();
        assert_eq!(engineers[0].len(), 2);
        let error = connector
            .find_many(SourceKind::User, "departmnet", &[Value::str("x")])
            .await
            .unwrap_err();
        assert!(error.to_string().contains("departmnet"), "{error}");
    }
}
