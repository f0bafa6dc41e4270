//! The generic JSON REST connector: provisions users (and groups) into an
//! API described call by call in the job (`RestTarget`): a method and a path
//! template per create, read, update, delete and optional disable, a find
//! for matching, and a JSON pointer to the id.
//!
//! - Paths are templates: `{id}` is the object's target id, `{attribute}`
//!   and `{value}` the matching attribute and value; each substitution is
//!   percent-encoded as a path segment or a query value.
//! - A body is the mapped attributes as a JSON object nested by dotted path
//!   (only the changed paths for an update: PATCH semantics), or the call's
//!   body template with its `{{path}}` strings filled. An update with a body
//!   template reads the object first and fills the template with its current
//!   attributes overlaid with the changes, so a PUT API receives the whole
//!   object.
//! - Reads flatten the answer back to dotted paths (`name.givenName`).
//! - Finds keep only the answers whose attribute, when present, equals the
//!   value, in case the API ignores the filter.
//! - Disabling uses the `disable` call, or deletes without one.
//! - Group members are written as the group's `members` attribute, an
//!   array of member target ids: adding or removing members reads the group,
//!   computes the whole list and sends it through the update call.
//! - `Authorization: Bearer <token>` when a token is set, plus the
//!   configured headers. 401/403 quarantine the job, 429/503 and 5xx are
//!   retried then escrowed, other 4xx are permanent failures carrying the
//!   answer's text (cut short; never the token).

mod errors;
mod template;

use std::sync::Arc;

use provisio_engine::Value;
use provisio_engine::job::{RestCall, RestResource, RestTarget, SourceKind};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::Value as Json;

use self::template::Vars;
use super::network::NetworkPolicy;
use super::{Connector, ConnectorError, ConnectorFuture};
use crate::http::{Answer, HttpOptions, Transport};

/// The attribute group members are written to.
const MEMBERS: &str = "members";

/// The connector for a job's REST target, with the default options.
pub async fn connect(target: &RestTarget, network: &NetworkPolicy) -> Result<Arc<dyn Connector>, ConnectorError> {
    let options = HttpOptions {
        network: network.clone(),
        ..HttpOptions::default()
    };
    Ok(Arc::new(RestConnector::new(target, options)?))
}

/// A JSON REST API target.
pub struct RestConnector {
    base: Url,
    users: RestResource,
    groups: Option<RestResource>,
    http: Transport,
}

impl std::fmt::Debug for RestConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestConnector")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl RestConnector {
    /// A connector for the API `target` describes. A bad base URL, method
    /// or header is [`ConnectorError::Invalid`].
    pub fn new(target: &RestTarget, options: HttpOptions) -> Result<Self, ConnectorError> {
        let mut base = Url::parse(&target.base_url).map_err(|e| ConnectorError::Invalid {
            detail: format!("the REST base URL is not a URL: {e}"),
        })?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ConnectorError::Invalid {
                detail: "the REST base URL must be an http or https URL".into(),
            });
        }
        if let Some(problem) = provisio_engine::job::urls::plain_http_problem(&target.base_url) {
            return Err(ConnectorError::Invalid { detail: problem });
        }
        options.network.check_url(&base)?;
        base.set_fragment(None);
        let mut headers = HeaderMap::new();
        for (name, value) in &target.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| ConnectorError::Invalid {
                detail: format!("`{name}` is not an HTTP header name"),
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| ConnectorError::Invalid {
                detail: format!("the value of the header `{name}` is not a valid header value"),
            })?;
            headers.insert(name, value);
        }
        for resource in std::iter::once(&target.users).chain(target.groups.as_ref()) {
            for call in calls(resource) {
                method(call)?;
            }
        }
        Ok(RestConnector {
            base,
            users: target.users.clone(),
            groups: target.groups.clone(),
            http: Transport::new(&options, target.bearer_token.clone(), headers, errors::PROTOCOL)?,
        })
    }

    /// One request through the transport, named in logs by its call
    /// (`users.create`): never its URL, whose path and query hold values.
    /// GET, PUT and DELETE are retried after a transient failure; others
    /// only when they never reached the API.
    async fn send(&self, name: &str, method: Method, url: Url, body: Option<&Json>) -> Result<Answer, ConnectorError> {
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        let what = format!("REST {method} {name}");
        self.http.send(&what, method, url, body, idempotent).await
    }

    fn resource(&self, kind: SourceKind) -> Result<&RestResource, ConnectorError> {
        match kind {
            SourceKind::User => Ok(&self.users),
            SourceKind::Group => self.groups.as_ref().ok_or_else(|| ConnectorError::Incompatible {
                detail: "the REST target defines no `groups` calls: add them or disable the group mapping".into(),
            }),
        }
    }

    /// Sends `call` for the object `id` (if any) with `body`.
    async fn call(
        &self,
        name: &str,
        call: &RestCall,
        id: Option<&str>,
        body: Option<&Json>,
    ) -> Result<Answer, ConnectorError> {
        let vars = Vars { id, ..Vars::default() };
        let url = template::url(&self.base, &call.path, &vars)?;
        self.send(name, method(call)?, url, body).await
    }

    async fn read_json(&self, kind: SourceKind, id: &str) -> Result<Option<Json>, ConnectorError> {
        let resource = self.resource(kind)?;
        let body = resource
            .read
            .body
            .as_ref()
            .map(|t| template::fill(t, &TargetAttributes::new()));
        match self
            .call(&name(kind, "read"), &resource.read, Some(id), body.as_ref())
            .await
        {
            Ok(reply) => Ok(Some(reply.body)),
            Err(ConnectorError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn find_objects(
        &self,
        kind: SourceKind,
        attribute: &str,
        value: &Value,
    ) -> Result<Vec<TargetObject>, ConnectorError> {
        let resource = self.resource(kind)?;
        let text = value.as_text().ok_or_else(|| ConnectorError::Invalid {
            detail: format!("a {} value cannot be written in a find path", value.type_name()),
        })?;
        let vars = Vars {
            id: None,
            attribute: Some(attribute),
            value: Some(&text),
        };
        let url = template::url(&self.base, &resource.find.path, &vars)?;
        let reply = self.send(&name(kind, "find"), Method::GET, url, None).await?;
        let Some(Json::Array(items)) = reply.body.pointer(&resource.find.results) else {
            return Err(ConnectorError::Incompatible {
                detail: format!(
                    "the answer to find has no array at `{}` (find.results)",
                    resource.find.results
                ),
            });
        };
        let mut found = Vec::new();
        for item in items {
            let attributes = template::flatten(item);
            // An API that ignores the filter, or answers objects without the
            // attribute, must not link the wrong object: a candidate carries
            // the matching attribute, equal to the sought value.
            if !attributes.get(attribute).is_some_and(|have| same_text(have, &text)) {
                continue;
            }
            let id = template::id_at(item, &resource.id).ok_or_else(|| ConnectorError::Incompatible {
                detail: format!("an object found has no id at `{}`", resource.id),
            })?;
            found.push(TargetObject { id, attributes });
        }
        Ok(found)
    }

    async fn update_object(
        &self,
        kind: SourceKind,
        id: &str,
        changes: &[AttributeChange],
    ) -> Result<(), ConnectorError> {
        let resource = self.resource(kind)?;
        let changed: TargetAttributes = changes.iter().map(|c| (c.path.to_string(), c.new.clone())).collect();
        let body = match &resource.update.body {
            None => template::nest(&changed),
            Some(body_template) => {
                // The template may name paths that did not change (a PUT).
                let current = self
                    .read_json(kind, id)
                    .await?
                    .ok_or_else(|| ConnectorError::NotFound {
                        detail: format!("the target has no object {id}"),
                    })?;
                let mut attributes = template::flatten(&current);
                attributes.extend(changed);
                template::fill(body_template, &attributes)
            }
        };
        self.call(&name(kind, "update"), &resource.update, Some(id), Some(&body))
            .await
            .map(drop)
    }

    /// Rewrites a group's members: the current ids, changed by `edit`.
    async fn edit_members(&self, group_id: &str, edit: impl FnOnce(&mut Vec<String>)) -> Result<(), ConnectorError> {
        let group = self
            .read_json(SourceKind::Group, group_id)
            .await?
            .ok_or_else(|| ConnectorError::NotFound {
                detail: format!("the target has no group {group_id}"),
            })?;
        let before = member_ids(&group);
        let mut after = before.clone();
        edit(&mut after);
        if after == before {
            return Ok(());
        }
        let change = AttributeChange {
            path: MEMBERS.into(),
            old: Value::Multi(before.into_iter().map(Value::Str).collect()),
            new: Value::Multi(after.into_iter().map(Value::Str).collect()),
            add_only: false,
        };
        self.update_object(SourceKind::Group, group_id, std::slice::from_ref(&change))
            .await
    }
}

impl Connector for RestConnector {
    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(async move {
            // Reading an object that does not exist proves the address and
            // the credentials; an API may refuse the made-up id's format.
            match self.read_json(SourceKind::User, "provisio-connection-test").await {
                Ok(_) | Err(ConnectorError::Rejected { status: 400 | 422, .. }) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(self.find_objects(kind, target_attribute, value))
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            Ok(self.read_json(kind, id).await?.map(|answer| TargetObject {
                id: id.to_owned(),
                attributes: template::flatten(&answer),
            }))
        })
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(async move {
            let resource = self.resource(kind)?;
            let body = template::body(resource.create.body.as_ref(), attributes);
            let reply = self
                .call(&name(kind, "create"), &resource.create, None, Some(&body))
                .await?;
            let id = template::id_at(&reply.body, &resource.id).ok_or_else(|| ConnectorError::Rejected {
                status: reply.status.as_u16(),
                scim_type: None,
                detail: format!(
                    "the answer to create has no id at `{}`: set the resource's `id` pointer",
                    resource.id
                ),
            })?;
            Ok(TargetObject {
                id,
                attributes: attributes.clone(),
            })
        })
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            if changes.is_empty() {
                return Ok(());
            }
            self.update_object(kind, id, changes).await
        })
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            let resource = self.resource(kind)?;
            let Some(disable) = &resource.disable else {
                return self.delete(kind, id).await;
            };
            let body = disable
                .body
                .as_ref()
                .map(|t| template::fill(t, &TargetAttributes::new()));
            self.call(&name(kind, "disable"), disable, Some(id), body.as_ref())
                .await
                .map(drop)
        })
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            let resource = self.resource(kind)?;
            let body = resource
                .delete
                .body
                .as_ref()
                .map(|t| template::fill(t, &TargetAttributes::new()));
            self.call(&name(kind, "delete"), &resource.delete, Some(id), body.as_ref())
                .await
                .map(drop)
        })
    }

    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.edit_members(group_id, move |ids| {
            for id in member_ids {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }))
    }

    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.edit_members(group_id, move |ids| ids.retain(|id| !member_ids.contains(id))))
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(async move { Ok(!self.find_objects(kind, target_attribute, value).await?.is_empty()) })
    }
}

/// Every call of a resource.
fn calls(resource: &RestResource) -> impl Iterator<Item = &RestCall> {
    [&resource.create, &resource.read, &resource.update, &resource.delete]
        .into_iter()
        .chain(resource.disable.as_ref())
}

fn method(call: &RestCall) -> Result<Method, ConnectorError> {
    match call.method.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(ConnectorError::Invalid {
            detail: format!("`{}` is not GET, POST, PUT, PATCH or DELETE", call.method),
        }),
    }
}

/// A call's name in the logs: `users.create`.
fn name(kind: SourceKind, call: &str) -> String {
    match kind {
        SourceKind::User => format!("users.{call}"),
        SourceKind::Group => format!("groups.{call}"),
    }
}

/// Whether a found value is the text searched for (case-insensitively; a
/// list when it holds it).
fn same_text(have: &Value, wanted: &str) -> bool {
    match have {
        Value::Multi(items) => items.iter().any(|item| same_text(item, wanted)),
        other => other.as_text().is_some_and(|text| text.eq_ignore_ascii_case(wanted)),
    }
}

/// The member ids of a group answer: its `members` array of ids, or of
/// objects with a `value` or `id`.
fn member_ids(group: &Json) -> Vec<String> {
    let Some(Json::Array(members)) = group.get(MEMBERS) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|member| match member {
            Json::String(id) => Some(id.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Object(_) => template::id_at(member, "/value").or_else(|| template::id_at(member, "/id")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn member_ids_accept_ids_and_objects() {
        let group = json!({"members": ["a", {"value": "b"}, {"id": 3}, null]});
        assert_eq!(member_ids(&group), vec!["a", "b", "3"]);
        assert!(member_ids(&json!({})).is_empty());
    }

    #[test]
    fn found_values_compare_as_text() {
        assert!(same_text(&Value::str("Ada@X"), "ada@x"));
        assert!(same_text(&Value::Int(3), "3"));
        assert!(same_text(&Value::Multi(vec![Value::str("a"), Value::str("b")]), "b"));
        assert!(!same_text(&Value::str("grace"), "ada"));
    }
}
