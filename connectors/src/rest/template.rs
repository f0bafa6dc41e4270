//! The templates of a REST target: request URLs built from path templates
//! (`/users/{id}`, `/users?{attribute}={value}`) with each substitution
//! percent-encoded, request bodies built from the mapped attributes (nested
//! by dotted path, or filled into a body template's `{{path}}` strings), and
//! answers flattened back to dotted paths so that diffs compare like with
//! like.

use std::collections::BTreeMap;

use provisio_engine::Value;
use provisio_engine::scim_path::TargetAttributes;
use reqwest::Url;
use serde_json::{Map, Value as Json};

use crate::ConnectorError;

/// What `{id}`, `{attribute}` and `{value}` stand for in a path template.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Vars<'a> {
    pub id: Option<&'a str>,
    pub attribute: Option<&'a str>,
    pub value: Option<&'a str>,
}

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "id" => self.id,
            "attribute" => self.attribute,
            "value" => self.value,
            _ => None,
        }
    }
}

/// `base` followed by the template's path segments and query pairs. Each
/// segment and each query key and value is substituted, then
/// percent-encoded as a whole, so a value can never add a segment or a
/// query pair. Unknown `{name}`s are left as they are.
pub(super) fn url(base: &Url, template: &str, vars: &Vars<'_>) -> Result<Url, ConnectorError> {
    let (path, query) = template.split_once('?').unwrap_or((template, ""));
    let mut url = base.clone();
    {
        let mut segments = url.path_segments_mut().map_err(|()| ConnectorError::Invalid {
            detail: "the REST base URL cannot hold a path".into(),
        })?;
        segments.pop_if_empty();
        for segment in path.trim_start_matches('/').split('/') {
            segments.push(&substitute(segment, vars));
        }
    }
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (substitute(key, vars), substitute(value, vars))
        })
        .collect();
    if !pairs.is_empty() {
        let mut query = url.query_pairs_mut();
        for (key, value) in &pairs {
            query.append_pair(key, value);
        }
    }
    Ok(url)
}

/// Replaces every `{name}` of `text` that `vars` knows.
fn substitute(text: &str, vars: &Vars<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let known = from
            .find('}')
            .and_then(|close| from.get(1..close).map(|name| (name, close)))
            .and_then(|(name, close)| vars.get(name).map(|value| (value, close)));
        match known {
            Some((value, close)) => {
                out.push_str(value);
                rest = from.get(close + 1..).unwrap_or_default();
            }
            None => {
                out.push('{');
                rest = from.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// A request body: `template` filled from `attributes`, or without a
/// template the attributes nested by dotted path.
pub(super) fn body(template: Option<&Json>, attributes: &TargetAttributes) -> Json {
    match template {
        Some(template) => fill(template, attributes),
        None => nest(attributes),
    }
}

/// The attributes as one JSON object, `name.givenName` as
/// `{"name": {"givenName": …}}`.
pub(super) fn nest(attributes: &TargetAttributes) -> Json {
    let mut root = Map::new();
    for (path, value) in attributes {
        let parts = split_path(path);
        insert(&mut root, &parts, to_json(value));
    }
    Json::Object(root)
}

fn insert(map: &mut Map<String, Json>, parts: &[&str], value: Json) {
    match parts {
        [] => {}
        [leaf] => {
            map.insert((*leaf).to_owned(), value);
        }
        [head, rest @ ..] => {
            let entry = map
                .entry((*head).to_owned())
                .or_insert_with(|| Json::Object(Map::new()));
            if !entry.is_object() {
                *entry = Json::Object(Map::new());
            }
            if let Json::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// A target path's dotted parts; dots inside `[…]` filters do not split.
fn split_path(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (at, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(path.get(start..at).unwrap_or_default());
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(path.get(start..).unwrap_or_default());
    parts
}

/// A body template with its `{{path}}` strings filled: a string that is
/// exactly `{{path}}` becomes the value as JSON (keeping its type, `null`
/// for an unknown path); `{{path}}` inside other text becomes the value's
/// text (empty when unknown or without a text form).
pub(super) fn fill(template: &Json, attributes: &TargetAttributes) -> Json {
    match template {
        Json::String(text) => {
            if let Some(path) = whole_placeholder(text) {
                return attributes.get(path).map_or(Json::Null, to_json);
            }
            Json::String(fill_text(text, attributes))
        }
        Json::Array(items) => Json::Array(items.iter().map(|item| fill(item, attributes)).collect()),
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), fill(v, attributes))).collect()),
        other => other.clone(),
    }
}

fn whole_placeholder(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner.trim())
}

fn fill_text(text: &str, attributes: &TargetAttributes) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = from.find("}}") else {
            out.push_str(from);
            return out;
        };
        let path = from.get(2..close).unwrap_or_default().trim();
        if let Some(value) = attributes.get(path) {
            out.push_str(&text_of(value));
        }
        rest = from.get(close + 2..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// A value's text in a string: multi-valued ones joined by commas.
fn text_of(value: &Value) -> String {
    match value {
        Value::Multi(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        Value::DateTime(at) => at.to_rfc3339(),
        other => other.as_text().map(|t| t.into_owned()).unwrap_or_default(),
    }
}

/// An engine value as JSON: date-times in RFC 3339, references as their id.
pub(super) fn to_json(value: &Value) -> Json {
    match value {
        Value::DateTime(at) => Json::String(at.to_rfc3339()),
        Value::Multi(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Complex(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => other.to_json(),
    }
}

/// An answer object flattened to dotted paths: nested objects are walked,
/// arrays and scalars become values, nulls are left out.
pub(super) fn flatten(object: &Json) -> TargetAttributes {
    let mut attributes = BTreeMap::new();
    if let Json::Object(map) = object {
        flatten_into(map, "", &mut attributes);
    }
    attributes
}

fn flatten_into(map: &Map<String, Json>, prefix: &str, out: &mut TargetAttributes) {
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Json::Null => {}
            Json::Object(inner) => flatten_into(inner, &path, out),
            other => {
                out.insert(path, Value::from_json(other.clone()));
            }
        }
    }
}

/// The id at `pointer` in an answer, as text (a number id is accepted).
pub(super) fn id_at(answer: &Json, pointer: &str) -> Option<String> {
    match answer.pointer(pointer)? {
        Json::String(id) if !id.is_empty() => Some(id.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(pairs: &[(&str, Value)]) -> TargetAttributes {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    fn url_of(base: &str, template: &str, vars: Vars<'_>) -> String {
        url(&Url::parse(base).unwrap(), template, &vars).unwrap().to_string()
    }

    #[test]
    fn paths_substitute_and_encode() {
        let id = Vars {
            id: Some("a/b c"),
            ..Vars::default()
        };
        assert_eq!(
            url_of("http://h/api", "/users/{id}", id),
            "http://h/api/users/a%2Fb%20c"
        );
        assert_eq!(
            url_of("http://h/api/", "/users/{id}/disable", id),
            "http://h/api/users/a%2Fb%20c/disable"
        );
        let find = Vars {
            attribute: Some("userName"),
            value: Some("ada&x=1@c.com"),
            ..Vars::default()
        };
        assert_eq!(
            url_of("http://h", "/users?{attribute}={value}&limit=5", find),
            "http://h/users?userName=ada%26x%3D1%40c.com&limit=5"
        );
        assert_eq!(url_of("http://h", "/u/{other}", find), "http://h/u/%7Bother%7D");
    }

    #[test]
    fn bodies_nest_dotted_paths() {
        let a = attrs(&[
            ("name.givenName", Value::str("Ada")),
            ("name.familyName", Value::str("Lovelace")),
            ("active", Value::Bool(true)),
            ("age", Value::Int(36)),
            ("roles", Value::Multi(vec![Value::str("a"), Value::str("b")])),
            ("title", Value::Null),
        ]);
        assert_eq!(
            body(None, &a),
            json!({"name": {"givenName": "Ada", "familyName": "Lovelace"}, "active": true, "age": 36, "roles": ["a", "b"], "title": null})
        );
        assert_eq!(
            split_path(r#"emails[type eq "a.b"].value"#),
            vec![r#"emails[type eq "a.b"]"#, "value"]
        );
    }

    #[test]
    fn templates_keep_types_and_fill_text() {
        let a = attrs(&[
            ("userName", Value::str("ada")),
            ("active", Value::Bool(false)),
            ("n", Value::Int(3)),
        ]);
        let template = json!({"login": "{{userName}}", "flags": {"on": "{{ active }}"}, "label": "user {{userName}} #{{n}}{{nope}}", "missing": "{{nope}}", "fixed": 1, "list": ["{{n}}"]});
        assert_eq!(
            body(Some(&template), &a),
            json!({"login": "ada", "flags": {"on": false}, "label": "user ada #3", "missing": null, "fixed": 1, "list": [3]})
        );
    }

    #[test]
    fn answers_flatten_and_ids_are_found() {
        let answer = json!({"id": 7, "name": {"givenName": "Ada"}, "tags": ["x"], "gone": null, "data": {"key": "k1"}});
        let flat = flatten(&answer);
        assert_eq!(flat.get("name.givenName"), Some(&Value::str("Ada")));
        assert_eq!(flat.get("tags"), Some(&Value::Multi(vec![Value::str("x")])));
        assert!(!flat.contains_key("gone"));
        assert_eq!(id_at(&answer, "/id").as_deref(), Some("7"));
        assert_eq!(id_at(&answer, "/data/key").as_deref(), Some("k1"));
        assert_eq!(id_at(&answer, "/nope"), None);
    }
}
