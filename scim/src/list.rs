//! List and search requests (RFC 7644 §3.4.2, §3.4.3): `filter`, `sortBy`,
//! `sortOrder`, `startIndex`, `count`, `attributes`, `excludedAttributes`,
//! from a query string or a POST `.search` body, and the paging rules; the
//! server answers them with a ListResponse.

use serde::Deserialize;
use serde_json::Value;

use crate::error::ScimError;

pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The most resources one response carries (ServiceProviderConfig's
/// `filter.maxResults`); larger `count`s are cut to it, as RFC 7644 allows.
pub const MAX_RESULTS: usize = 1000;
const DEFAULT_COUNT: usize = 100;

/// A list request, from the query string or a SearchRequest body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRequest {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ListRequest {
    /// Reads a POST `.search` body: the attribute lists are JSON arrays there.
    pub fn from_search_body(body: &Value) -> Result<ListRequest, ScimError> {
        let object = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a SearchRequest body must be a JSON object"))?;
        let schemas_ok = object.get("schemas").and_then(Value::as_array).is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST_URN)))
        });
        if !schemas_ok {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest must list \"{SEARCH_REQUEST_URN}\" in \"schemas\""
            )));
        }
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    names.map(|names| Some(names.join(","))).ok_or_else(|| {
                        ScimError::invalid_syntax(format!("\"{name}\" must be an array of attribute names"))
                    })
                }
                Some(_) => Err(ScimError::invalid_syntax(format!("\"{name}\" has the wrong type"))),
            }
        };
        Ok(ListRequest {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }

    pub fn start_index(&self) -> Result<usize, ScimError> {
        // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
        Ok(parse_number(self.start_index.as_deref(), "startIndex")?.map_or(1, |n| n.max(1)) as usize)
    }

    pub fn count(&self) -> Result<usize, ScimError> {
        // A negative count is read as 0.
        Ok(parse_number(self.count.as_deref(), "count")?
            .map_or(DEFAULT_COUNT as i64, |n| n.max(0))
            .min(MAX_RESULTS as i64) as usize)
    }

    pub fn descending(&self) -> Result<bool, ScimError> {
        match self.sort_order.as_deref().map(str::trim) {
            None | Some("") => Ok(false),
            Some(order) if order.eq_ignore_ascii_case("ascending") => Ok(false),
            Some(order) if order.eq_ignore_ascii_case("descending") => Ok(true),
            Some(other) => Err(ScimError::invalid_value(format!(
                "sortOrder must be \"ascending\" or \"descending\", not \"{other}\""
            ))),
        }
    }
}

fn parse_number(text: Option<&str>, name: &str) -> Result<Option<i64>, ScimError> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer, not \"{t}\"")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(start_index: Option<&str>, count: Option<&str>, sort_order: Option<&str>) -> ListRequest {
        ListRequest {
            start_index: start_index.map(str::to_owned),
            count: count.map(str::to_owned),
            sort_order: sort_order.map(str::to_owned),
            ..ListRequest::default()
        }
    }

    #[test]
    fn paging_defaults_and_bounds() {
        let none = request(None, None, None);
        assert_eq!((none.start_index(), none.count()), (Ok(1), Ok(DEFAULT_COUNT)));
        assert_eq!(request(Some("0"), None, None).start_index(), Ok(1));
        assert_eq!(request(Some(" 7 "), None, None).start_index(), Ok(7));
        assert_eq!(request(None, Some("-3"), None).count(), Ok(0));
        assert_eq!(request(None, Some("5000"), None).count(), Ok(MAX_RESULTS));
        let error = request(None, Some("ten"), None).count().unwrap_err();
        assert_eq!(error.detail, "count must be an integer, not \"ten\"");
    }

    #[test]
    fn sort_order_in_any_case() {
        assert_eq!(request(None, None, Some("Descending")).descending(), Ok(true));
        assert_eq!(request(None, None, Some("ascending")).descending(), Ok(false));
        assert_eq!(request(None, None, Some("")).descending(), Ok(false));
        assert!(request(None, None, Some("up")).descending().is_err());
    }

    #[test]
    fn search_bodies_hold_lists_as_arrays() {
        let body = json!({
            "schemas": [SEARCH_REQUEST_URN],
            "filter": "userName sw \"a\"",
            "attributes": ["userName", "emails"],
            "count": 2,
        });
        let request = ListRequest::from_search_body(&body).unwrap();
        assert_eq!(request.attributes.as_deref(), Some("userName,emails"));
        assert_eq!(request.count(), Ok(2));
        assert_eq!(request.filter.as_deref(), Some("userName sw \"a\""));
    }

    #[test]
    fn bad_search_bodies_say_why() {
        for (body, detail) in [
            (json!([]), "a SearchRequest body must be a JSON object"),
            (json!({"filter": "id pr"}), "must list"),
            (
                json!({"schemas": [SEARCH_REQUEST_URN], "attributes": [1]}),
                "\"attributes\" must be an array of attribute names",
            ),
            (
                json!({"schemas": [SEARCH_REQUEST_URN], "count": true}),
                "\"count\" has the wrong type",
            ),
        ] {
            let error = ListRequest::from_search_body(&body).unwrap_err();
            assert!(error.detail.contains(detail), "{body}: {error}");
        }
    }
}
