//! How a REST target says no: the error answer (status, text, `Retry-After`)
//! as the [`ConnectorError`] the cycle acts on, the JSON protocol of the
//! shared HTTP transport ([`crate::http`]).

use std::time::Duration;

use crate::ConnectorError;
use crate::http::Protocol;
use crate::network::sanitised_excerpt;

/// JSON requests and answers, errors read by [`classify`] from the answer's text.
pub(super) const PROTOCOL: Protocol = Protocol {
    media_type: "application/json",
    error: from_answer,
};

fn from_answer(status: u16, body: &[u8], retry_after: Option<Duration>) -> ConnectorError {
    classify(status, &String::from_utf8_lossy(body), retry_after)
}

/// The error for a non-success status; `text` is the answer's body.
pub(super) fn classify(status: u16, text: &str, retry_after: Option<Duration>) -> ConnectorError {
    let detail = detail(status, text);
    match status {
        401 | 403 => ConnectorError::InvalidCredentials { status },
        404 => ConnectorError::NotFound { detail },
        409 => ConnectorError::Conflict {
            scim_type: None,
            detail,
        },
        429 | 503 => ConnectorError::Throttled { retry_after },
        500..=599 => ConnectorError::Transient {
            detail: format!("HTTP {status}: {detail}"),
        },
        _ => ConnectorError::Rejected {
            status,
            scim_type: None,
            detail,
        },
    }
}

/// A short, printable excerpt of the answer's text (it reaches logs,
/// escrows and on-demand answers), or the status when there is none.
fn detail(status: u16, text: &str) -> String {
    match sanitised_excerpt(text) {
        excerpt if excerpt.is_empty() => format!("HTTP {status}"),
        excerpt => excerpt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_classify_by_what_the_cycle_does() {
        assert_eq!(
            classify(401, "", None),
            ConnectorError::InvalidCredentials { status: 401 }
        );
        assert_eq!(
            classify(403, "no", None),
            ConnectorError::InvalidCredentials { status: 403 }
        );
        assert_eq!(
            classify(404, "", None),
            ConnectorError::NotFound {
                detail: "HTTP 404".into()
            }
        );
        assert_eq!(
            classify(429, "", Some(Duration::from_secs(2))),
            ConnectorError::Throttled {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert!(matches!(classify(502, "", None), ConnectorError::Transient { .. }));
        assert!(matches!(classify(409, "taken", None), ConnectorError::Conflict { .. }));
        assert_eq!(
            classify(400, " bad email ", None),
            ConnectorError::Rejected {
                status: 400,
                scim_type: None,
                detail: "bad email".into()
            }
        );
        let long = "é".repeat(1000);
        let ConnectorError::Rejected { detail, .. } = classify(422, &long, None) else {
            panic!("not rejected");
        };
        assert_eq!(detail.chars().count(), crate::network::MAX_EXCERPT + 1);
    }
}
