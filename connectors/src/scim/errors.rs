//! How a SCIM target says no: the error answer (status, SCIM error body,
//! `Retry-After`) as the [`ConnectorError`] the cycle acts on, the SCIM
//! protocol of the shared HTTP transport ([`crate::http`]).

use std::time::Duration;

use serde_json::Value as Json;

use crate::ConnectorError;
use crate::http::Protocol;
use crate::network::sanitised_excerpt;

pub(super) const SCIM_JSON: &str = "application/scim+json";

/// SCIM requests and answers: `application/scim+json`, errors read by [`classify`].
pub(super) const PROTOCOL: Protocol = Protocol {
    media_type: SCIM_JSON,
    error: from_answer,
};

fn from_answer(status: u16, body: &[u8], retry_after: Option<Duration>) -> ConnectorError {
    classify(status, &serde_json::from_slice(body).unwrap_or(Json::Null), retry_after)
}

/// The error for a non-success status and its SCIM error body.
pub(super) fn classify(status: u16, body: &Json, retry_after: Option<Duration>) -> ConnectorError {
    let scim_type = body.get("scimType").and_then(Json::as_str).map(str::to_owned);
    // The target's own words, quoted short and printable: they reach the
    // logs, escrows and on-demand answers.
    let detail = body
        .get("detail")
        .and_then(Json::as_str)
        .map(sanitised_excerpt)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        401 | 403 => ConnectorError::InvalidCredentials { status },
        404 => ConnectorError::NotFound { detail },
        409 => ConnectorError::Conflict { scim_type, detail },
        429 | 503 => ConnectorError::Throttled { retry_after },
        501 => ConnectorError::Incompatible {
            detail: format!("the target does not implement this request (HTTP 501): {detail}"),
        },
        500..=599 => ConnectorError::Transient {
            detail: format!("HTTP {status}: {detail}"),
        },
        _ => ConnectorError::Rejected {
            status,
            scim_type,
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classified(status: u16, body: Json) -> ConnectorError {
        classify(status, &body, None)
    }

    #[test]
    fn statuses_classify_by_what_the_cycle_does() {
        let error = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "scimType": "uniqueness", "detail": "taken"});
        assert_eq!(
            classified(401, json!(null)),
            ConnectorError::InvalidCredentials { status: 401 }
        );
        assert_eq!(
            classified(403, json!(null)),
            ConnectorError::InvalidCredentials { status: 403 }
        );
        assert_eq!(
            classified(404, json!(null)),
            ConnectorError::NotFound {
                detail: "HTTP 404".into()
            }
        );
        assert_eq!(
            classified(409, error.clone()),
            ConnectorError::Conflict {
                scim_type: Some("uniqueness".into()),
                detail: "taken".into()
            }
        );
        assert_eq!(
            classify(429, &json!(null), Some(Duration::from_secs(2))),
            ConnectorError::Throttled {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            classified(503, json!(null)),
            ConnectorError::Throttled { retry_after: None }
        );
        assert!(matches!(
            classified(501, json!(null)),
            ConnectorError::Incompatible { .. }
        ));
        assert!(matches!(classified(502, json!(null)), ConnectorError::Transient { .. }));
        assert_eq!(
            classified(400, json!({"scimType": "invalidValue", "detail": "bad"})),
            ConnectorError::Rejected {
                status: 400,
                scim_type: Some("invalidValue".into()),
                detail: "bad".into()
            }
        );
    }
}
