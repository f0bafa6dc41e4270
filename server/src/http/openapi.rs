//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the admin API,
//! generated from the handlers' `#[utoipa::path]` descriptions and the
//! routes [`super::api::routes`] registers with them, so the document and
//! the routes cannot drift. It is public: it describes the API, not data,
//! and tools such as client generators fetch it without credentials.

use std::sync::OnceLock;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use provisio_api::ApiError;
use provisio_api::jobs::JobInvalid;
use utoipa::OpenApi;

use crate::auth::routes::SecuritySchemes;

/// Where the document is served.
pub(crate) const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The document's frame: its description, authentication's routes (served
/// by `crate::auth::routes`), the security schemes, and the tags. The
/// admin API's own paths join it in [`super::api::routes`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Provisio admin API",
        description = "Jobs, assignments and the directory of a Provisio server. Authenticate with an \
                       admin API token (`Authorization: Bearer pvs_…`) or a session cookie from \
                       `POST /api/v1/session`; with the cookie, every request but GET, HEAD and OPTIONS \
                       must also send the session's `X-CSRF-Token`. Errors answer \
                       `{\"error\": CODE, \"message\": SENTENCE}`.",
    ),
    paths(
        crate::auth::routes::sign_in,
        crate::auth::routes::session_info,
        crate::auth::routes::sign_out,
        crate::auth::routes::list_admins,
        crate::auth::routes::create_admin,
        crate::auth::routes::delete_admin,
        crate::auth::routes::list_tokens,
        crate::auth::routes::create_token,
        crate::auth::routes::revoke_token,
    ),
    // Schemas only a query parameter refers to are not collected on their own.
    components(schemas(ApiError, JobInvalid, provisio_api::logs::ExportFormat)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Signing in and out, administrators and API tokens."),
        (name = "jobs", description = "Provisioning jobs: definitions with write-only secrets, state, assignments."),
        (name = "directory", description = "The built-in directory: users, groups, members, attributes."),
        (name = "inbound", description = "Inbound provisioning: SCIM bulk uploads from systems of record, and their status."),
        (name = "agents", description = "On-premises agents: their long poll, their results, and the agents administrators see."),
        (name = "settings", description = "Instance-wide settings: the organisation's default domain, the audit trail's retention."),
        (name = "audit", description = "The audit trail: every administrative action, who took it, from where, and what changed."),
        (name = "meta", description = "This document and the Prometheus metrics."),
    ),
)]
pub(crate) struct ApiDoc;

/// The whole document, built once.
pub(crate) fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| super::api::routes().into_openapi())
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

/// This document: the OpenAPI 3.1 description of every `/api/v1` route.
#[utoipa::path(
    get,
    path = OPENAPI_PATH,
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object)),
    security(()),
)]
pub(crate) async fn openapi_json() -> Response {
    (
        [(CONTENT_TYPE, "application/json"), (CACHE_CONTROL, "no-cache")],
        document_json(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn operations() -> BTreeSet<(String, String)> {
        let doc = serde_json::to_value(document()).unwrap();
        let mut operations = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_security_schemes() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        for scheme in ["bearer", "session_cookie", "csrf_header"] {
            assert!(schemes.contains_key(scheme), "{scheme}");
        }
        for schema in [
            "ApiError",
            "JobInvalid",
            "JobDetail",
            "UserDetail",
            "Assignment",
            "OnDemandResult",
            "Applied",
            "MemberResult",
        ] {
            assert!(doc["components"]["schemas"].get(schema).is_some(), "{schema}");
        }
        let on_demand = &doc["paths"]["/api/v1/jobs/{id}/provision-on-demand"]["post"]["responses"]["200"];
        assert_eq!(
            on_demand["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/OnDemandResult",
            "{on_demand}"
        );
    }

    /// The schema names `value` refers to (`$ref`), anywhere within it.
    fn references(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    found.push(target.trim_start_matches("#/components/schemas/").to_owned());
                }
                map.values().for_each(|v| references(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = serde_json::to_value(document()).unwrap();
        let mut found = Vec::new();
        references(&doc, &mut found);
        let missing: BTreeSet<_> = found
            .into_iter()
            .filter(|name| doc["components"]["schemas"].get(name).is_none())
            .collect();
        assert!(missing.is_empty(), "undefined schemas: {missing:?}");
    }

    #[test]
    fn the_on_demand_answer_is_described_to_its_leaves() {
        let doc = serde_json::to_value(document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let mut seen = BTreeSet::new();
        let mut pending = vec!["OnDemandResult".to_owned()];
        while let Some(name) = pending.pop() {
            let schema = schemas.get(&name).unwrap_or_else(|| panic!("no schema {name}"));
            if seen.insert(name) {
                references(schema, &mut pending);
            }
        }
        for name in ["Applied", "MemberResult", "LogEntry", "Identity"] {
            assert!(seen.contains(name), "{name} in {seen:?}");
        }
    }

    #[test]
    fn every_route_is_documented_with_its_admin_security() {
        let operations = operations();
        for expected in [
            ("GET", "/api/v1/jobs"),
            ("POST", "/api/v1/jobs"),
            ("PUT", "/api/v1/jobs/{id}"),
            ("POST", "/api/v1/jobs/{id}/restart"),
            ("DELETE", "/api/v1/jobs/{id}/assignments/{principal_id}"),
            ("PATCH", "/api/v1/directory/users/{id}"),
            ("DELETE", "/api/v1/directory/groups/{id}/members/{member_id}"),
            ("DELETE", "/api/v1/directory/attributes/{name}"),
            ("GET", "/api/v1/openapi.json"),
            ("GET", "/metrics"),
            ("POST", "/api/v1/session"),
            ("DELETE", "/api/v1/tokens/{id}"),
        ] {
            assert!(
                operations.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{expected:?} missing from {operations:#?}"
            );
        }
        let doc = serde_json::to_value(document()).unwrap();
        for (method, path) in &operations {
            let operation = &doc["paths"][path][method.to_lowercase()];
            let public = (method == "GET" && path == OPENAPI_PATH) || (method == "POST" && path == "/api/v1/session");
            let security = operation["security"].as_array().map(Vec::len).unwrap_or_default();
            assert!(public || security > 0, "{method} {path} documents no security");
        }
    }
}
