//! The SCIM 2.0 client connector: provisions users and groups into an
//! application's SCIM endpoints (RFC 7644), or with the Entra-style requests
//! of reference §9 when the job sets `entra_compatible`.
//!
//! One HTTP client per target with connect and request timeouts, at most
//! [`HttpOptions::max_concurrency`](crate::http::HttpOptions::max_concurrency) requests in flight, retries of 429/503
//! (honouring `Retry-After`) and of transient failures with back-off,
//! paginated finds, finds of many values in one filter (`batch`), and
//! member changes in batches.

mod batch;
mod errors;
mod request;
mod roles;

use provisio_engine::Value;
use provisio_engine::job::{Secret, SourceKind, Target};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes, to_resource};
use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde_json::Value as Json;

use self::request::Dialect;
use crate::http::{Answer, HttpOptions, Transport};
use crate::{Connector, ConnectorError, ConnectorFuture};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// §9 Create group: Entra lists this schema beside the core Group schema.
const ENTRA_GROUP_SCHEMA: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// A find stops after this many pages, whatever `totalResults` says.
const MAX_PAGES: u32 = 1000;
/// RFC 7644 §3.4.3: a search by POST.
const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// How a [`ScimConnector`] talks to its target: the SCIM dialect, paging,
/// and the HTTP options every HTTP connector shares. The defaults suit a
/// real application; tests shorten the waits.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimOptions {
    /// Send Entra-style requests (§9) instead of strictly RFC 7644 ones.
    pub entra_compatible: bool,
    /// Whether the target supports `active`; when false, disabling deletes.
    pub soft_delete: bool,
    /// `count` of each page of a find.
    pub page_size: u32,
    /// Members per PATCH when adding or removing members.
    pub member_batch: usize,
    /// Whether the first batch of a run is timed against a single query, and
    /// batches given up where they do not pay (see `scim/batch.rs`); when
    /// false, batches are always sent (unless the target refuses them).
    pub judge_batches: bool,
    pub http: HttpOptions,
}

impl Default for ScimOptions {
    fn default() -> Self {
        ScimOptions {
            entra_compatible: false,
            soft_delete: true,
            page_size: 100,
            member_batch: 50,
            judge_batches: true,
            http: HttpOptions::default(),
        }
    }
}

/// A SCIM 2.0 target application.
pub struct ScimConnector {
    base: Url,
    dialect: Dialect,
    soft_delete: bool,
    page_size: u32,
    member_batch: usize,
    transport: Transport,
    /// What this target showed of filters with `or`, for the connector's lifetime.
    batches: batch::Support,
}

impl std::fmt::Debug for ScimConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimConnector")
            .field("base", &self.base.as_str())
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl ScimConnector {
    /// A connector for the SCIM service at `base_url` (e.g.
    /// `https://app.example/scim/v2`), sending `bearer_token` when given.
    /// A query on the URL (Entra's `?aadOptscim062020`) is ignored.
    pub fn new(base_url: &str, bearer_token: Option<Secret>, options: ScimOptions) -> Result<Self, ConnectorError> {
        let mut base = Url::parse(base_url).map_err(|e| ConnectorError::Invalid {
            detail: format!("the SCIM base URL is not a URL: {e}"),
        })?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ConnectorError::Invalid {
                detail: "the SCIM base URL must be an http or https URL".into(),
            });
        }
        if let Some(problem) = provisio_engine::job::urls::plain_http_problem(base_url) {
            return Err(ConnectorError::Invalid { detail: problem });
        }
        options.http.network.check_url(&base)?;
        base.set_query(None);
        base.set_fragment(None);
        Ok(ScimConnector {
            base,
            dialect: if options.entra_compatible {
                Dialect::Entra
            } else {
                Dialect::Rfc7644
            },
            soft_delete: options.soft_delete,
            page_size: options.page_size.max(1),
            member_batch: options.member_batch.max(1),
            transport: Transport::new(&options.http, bearer_token, HeaderMap::new(), errors::PROTOCOL)?,
            batches: batch::Support::judging(options.judge_batches),
        })
    }

    /// One request through the transport, named in logs by its method and
    /// path (never its query: filters hold personal data).
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Json>,
        idempotent: bool,
    ) -> Result<Answer, ConnectorError> {
        let what = format!("SCIM {method} {}", url.path());
        self.transport.send(&what, method, url, body, idempotent).await
    }

    /// The connector for a job's target, with the job's `entra_compatible`
    /// and `soft_delete` and otherwise these options.
    pub fn from_target(target: &Target, options: ScimOptions) -> Result<Self, ConnectorError> {
        match target {
            Target::Scim {
                base_url,
                auth,
                entra_compatible,
                soft_delete,
            } => ScimConnector::new(
                base_url,
                auth.bearer_token.clone(),
                ScimOptions {
                    entra_compatible: *entra_compatible,
                    soft_delete: *soft_delete,
                    ..options
                },
            ),
            _ => Err(ConnectorError::Invalid {
                detail: "the job's target is not a SCIM application".into(),
            }),
        }
    }

    /// `base/segments…`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<Url, ConnectorError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| ConnectorError::Invalid {
                detail: "the SCIM base URL cannot hold a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn resource_url(&self, kind: SourceKind, id: &str) -> Result<Url, ConnectorError> {
        let mut url = self.url(&[endpoint(kind), id])?;
        exclude_members(kind, &mut url);
        Ok(url)
    }

    /// `base/Users?filter=…&startIndex=…&count=…` (groups without members).
    fn query_url(&self, kind: SourceKind, filter: &str, start: u64, count: u32) -> Result<Url, ConnectorError> {
        let mut url = self.url(&[endpoint(kind)])?;
        url.query_pairs_mut()
            .append_pair("filter", filter)
            .append_pair("startIndex", &start.to_string())
            .append_pair("count", &count.to_string());
        exclude_members(kind, &mut url);
        Ok(url)
    }

    /// One page of `GET /Users?filter=…&startIndex=…&count=…`.
    async fn page(
        &self,
        kind: SourceKind,
        filter: &str,
        start: u64,
        count: u32,
    ) -> Result<(u64, Vec<Json>), ConnectorError> {
        let url = self.query_url(kind, filter, start, count)?;
        let reply = self.send(Method::GET, url, None, true).await?;
        list_response(reply.body)
    }

    /// Every object the filter selects, page by page: by `GET`, or by
    /// `POST /Users/.search` (RFC 7644 §3.4.3) when `by_post`.
    async fn query(&self, kind: SourceKind, filter: &str, by_post: bool) -> Result<Vec<TargetObject>, ConnectorError> {
        let mut found = Vec::new();
        let mut start = 1;
        for _ in 0..MAX_PAGES {
            let (total, resources) = if by_post {
                self.search_page(kind, filter, start, self.page_size).await?
            } else {
                self.page(kind, filter, start, self.page_size).await?
            };
            let count = resources.len() as u64;
            for resource in resources {
                found.push(target_object(&resource)?);
            }
            start += count;
            if count == 0 || start > total {
                break;
            }
        }
        Ok(found)
    }

    /// One page of `POST /Users/.search`.
    async fn search_page(
        &self,
        kind: SourceKind,
        filter: &str,
        start: u64,
        count: u32,
    ) -> Result<(u64, Vec<Json>), ConnectorError> {
        let mut body = serde_json::json!({
            "schemas": [SEARCH_REQUEST],
            "filter": filter,
            "startIndex": start,
            "count": count,
        });
        if kind == SourceKind::Group {
            body["excludedAttributes"] = serde_json::json!(["members"]);
        }
        // A search changes nothing: retried like a GET.
        let reply = self
            .send(Method::POST, self.url(&[endpoint(kind), ".search"])?, Some(&body), true)
            .await?;
        list_response(reply.body)
    }

    async fn find_all(
        &self,
        kind: SourceKind,
        target_attribute: &str,
        value: &Value,
    ) -> Result<Vec<TargetObject>, ConnectorError> {
        let filter = request::equality_filter(self.dialect, target_attribute, value)?;
        self.query(kind, &filter, false).await
    }

    async fn test(&self) -> Result<(), ConnectorError> {
        // Discovery is optional for a target; when it answers, it must allow PATCH.
        match self
            .send(Method::GET, self.url(&["ServiceProviderConfig"])?, None, true)
            .await
        {
            Ok(reply) => {
                self.batches.read_config(&reply.body);
                let patch = reply
                    .body
                    .get("patch")
                    .and_then(|p| p.get("supported"))
                    .and_then(Json::as_bool);
                if patch == Some(false) {
                    return Err(ConnectorError::Incompatible {
                        detail: "the ServiceProviderConfig says PATCH is not supported".into(),
                    });
                }
            }
            Err(ConnectorError::NotFound { .. } | ConnectorError::Rejected { .. }) => {}
            Err(error) => return Err(error),
        }
        // §9 Test Connection: a filter on a random GUID must give 200 and an
        // empty ListResponse.
        let probe = Value::str(uuid::Uuid::new_v4().to_string());
        let filter = request::equality_filter(self.dialect, "userName", &probe)?;
        match self.page(SourceKind::User, &filter, 1, 1).await {
            Ok(_) => Ok(()),
            Err(ConnectorError::NotFound { .. }) => Err(ConnectorError::Incompatible {
                detail: format!("no SCIM Users endpoint at {}", self.base),
            }),
            Err(error) => Err(error),
        }
    }

    async fn read_one(&self, kind: SourceKind, id: &str) -> Result<Option<TargetObject>, ConnectorError> {
        match self.send(Method::GET, self.resource_url(kind, id)?, None, true).await {
            Ok(reply) => target_object(&reply.body).map(Some),
            Err(ConnectorError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn create_one(
        &self,
        kind: SourceKind,
        attributes: &TargetAttributes,
    ) -> Result<TargetObject, ConnectorError> {
        let schemas: Vec<String> = match (kind, self.dialect) {
            (SourceKind::User, _) => vec![USER_SCHEMA.into()],
            (SourceKind::Group, Dialect::Rfc7644) => vec![GROUP_SCHEMA.into()],
            (SourceKind::Group, Dialect::Entra) => vec![GROUP_SCHEMA.into(), ENTRA_GROUP_SCHEMA.into()],
        };
        let body = to_resource(attributes, &schemas);
        // Not retried after the request may have arrived: a retry could create twice.
        let reply = self
            .send(Method::POST, self.url(&[endpoint(kind)])?, Some(&body), false)
            .await?;
        target_object(&reply.body)
    }

    /// Under RFC 7644 a group's answer is asked for without its members
    /// (§3.9 applies `excludedAttributes` to PATCH): nothing here reads
    /// them, and a server that honours it need not read a big group's
    /// members for each batch. Entra-compatible requests stay as Entra
    /// sends them (§9: `PATCH /Groups/{id}`).
    async fn patch(&self, kind: SourceKind, id: &str, body: Json) -> Result<(), ConnectorError> {
        let url = match self.dialect {
            Dialect::Rfc7644 => self.resource_url(kind, id)?,
            Dialect::Entra => self.url(&[endpoint(kind), id])?,
        };
        self.send(Method::PATCH, url, Some(&body), true).await.map(drop)
    }

    async fn delete_one(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        let url = self.url(&[endpoint(kind), id])?;
        self.send(Method::DELETE, url, None, true).await.map(drop)
    }

    async fn disable_one(&self, kind: SourceKind, id: &str) -> Result<(), ConnectorError> {
        // Groups have no `active`; a target without soft delete deletes (job.rs `soft_delete`).
        if !self.soft_delete || kind == SourceKind::Group {
            return self.delete_one(kind, id).await;
        }
        self.patch(kind, id, request::disable_body(self.dialect)).await
    }

    async fn members(&self, group_id: &str, member_ids: &[String], add: bool) -> Result<(), ConnectorError> {
        for batch in member_ids.chunks(self.member_batch) {
            let body = if add {
                request::add_members_body(self.dialect, batch)
            } else {
                request::remove_members_body(self.dialect, batch)
            };
            self.patch(SourceKind::Group, group_id, body).await?;
        }
        Ok(())
    }

    async fn exists(&self, kind: SourceKind, target_attribute: &str, value: &Value) -> Result<bool, ConnectorError> {
        let filter = request::equality_filter(self.dialect, target_attribute, value)?;
        let (total, resources) = self.page(kind, &filter, 1, 1).await?;
        Ok(total > 0 || !resources.is_empty())
    }
}

impl Connector for ScimConnector {
    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(self.test())
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(self.find_all(kind, target_attribute, value))
    }

    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(self.find_batched(kind, target_attribute, values))
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(self.read_one(kind, id))
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(self.create_one(kind, attributes))
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            if changes.is_empty() {
                return Ok(());
            }
            self.patch(kind, id, request::update_body(self.dialect, changes)).await
        })
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.disable_one(kind, id))
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(self.delete_one(kind, id))
    }

    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.members(group_id, member_ids, true))
    }

    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(self.members(group_id, member_ids, false))
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(self.exists(kind, target_attribute, value))
    }
}

fn endpoint(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::User => "Users",
        SourceKind::Group => "Groups",
    }
}

/// §9 Find group / Get group: groups are read without their members, which
/// can be many.
fn exclude_members(kind: SourceKind, url: &mut Url) {
    if kind == SourceKind::Group {
        url.query_pairs_mut().append_pair("excludedAttributes", "members");
    }
}

/// `totalResults` and `Resources` of a ListResponse (§9: always a
/// ListResponse, even with no results).
fn list_response(body: Json) -> Result<(u64, Vec<Json>), ConnectorError> {
    let Json::Object(mut list) = body else {
        return Err(not_a_list());
    };
    let total = list.get("totalResults").and_then(Json::as_u64);
    let resources = match list.remove("Resources") {
        Some(Json::Array(resources)) => Some(resources),
        Some(Json::Null) | None => None,
        Some(_) => return Err(not_a_list()),
    };
    match (total, resources) {
        (None, None) => Err(not_a_list()),
        (total, resources) => {
            let resources = resources.unwrap_or_default();
            Ok((total.unwrap_or(resources.len() as u64), resources))
        }
    }
}

fn not_a_list() -> ConnectorError {
    ConnectorError::Incompatible {
        detail: "a filtered query did not return a SCIM ListResponse".into(),
    }
}

fn target_object(resource: &Json) -> Result<TargetObject, ConnectorError> {
    let id = match resource.get("id") {
        Some(Json::String(id)) => id.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => {
            return Err(ConnectorError::Incompatible {
                detail: "the target returned a resource without an id".into(),
            });
        }
    };
    Ok(TargetObject {
        id,
        attributes: request::flatten(resource),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_encode_ids_and_drop_the_entra_flag() {
        let connector = ScimConnector::new(
            "https://app.example/scim/v2/?aadOptscim062020",
            None,
            ScimOptions::default(),
        )
        .unwrap();
        assert_eq!(
            connector.url(&["Users", "a b/c"]).unwrap().as_str(),
            "https://app.example/scim/v2/Users/a%20b%2Fc"
        );
        assert_eq!(
            connector.resource_url(SourceKind::Group, "g1").unwrap().as_str(),
            "https://app.example/scim/v2/Groups/g1?excludedAttributes=members"
        );
        assert!(matches!(
            ScimConnector::new("ftp://x", None, ScimOptions::default()),
            Err(ConnectorError::Invalid { .. })
        ));
    }

    #[test]
    fn list_responses() {
        let page = list_response(json!({"totalResults": 3, "Resources": [{"id": "1"}]})).unwrap();
        assert_eq!((page.0, page.1.len()), (3, 1));
        assert_eq!(list_response(json!({"totalResults": 0})).unwrap().0, 0);
        assert!(matches!(
            list_response(json!({"id": "1"})),
            Err(ConnectorError::Incompatible { .. })
        ));
    }

    #[test]
    fn the_connector_is_object_safe_and_hides_the_token() {
        let connector = ScimConnector::new(
            "http://127.0.0.1:9/scim",
            Some(Secret::new("s3cr3t")),
            ScimOptions::default(),
        )
        .unwrap();
        assert!(!format!("{connector:?}").contains("s3cr3t"));
        let _shared: std::sync::Arc<dyn Connector> = std::sync::Arc::new(connector);
    }
}
