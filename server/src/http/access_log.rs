//! The access log: one line per answered request at `info`, naming the
//! method and the path but never the query string. Queries carry personal
//! data (a SCIM client looks people up with `filter=userName eq "…"`), so
//! they are logged only at `debug`, and then with every value redacted.

use axum::http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, MakeSpan, OnRequest, TraceLayer};
use tracing::{Level, Span};

/// The tracing layer of every request.
pub(super) fn layer() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, QueryAtDebug> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(QueryAtDebug)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

/// The span each request's lines are logged in: its method, path and version.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            version = ?request.version(),
        )
    }
}

/// At `debug`, which query parameters the request had (values redacted).
#[derive(Debug, Clone, Copy)]
pub(super) struct QueryAtDebug;

impl<B> OnRequest<B> for QueryAtDebug {
    fn on_request(&mut self, request: &Request<B>, _span: &Span) {
        if let Some(query) = request.uri().query() {
            tracing::debug!(query = %redacted(query), "query parameters");
        }
    }
}

/// `name=…` for every parameter of `query`, in order: what a request asked
/// for, without the values it asked with.
fn redacted(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name: String = pair.split('=').next().unwrap_or_default().chars().take(64).collect();
            format!("{name}=…")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_their_names_and_lose_their_values() {
        assert_eq!(
            redacted("filter=userName%20eq%20%22ada%40contoso.com%22&startIndex=1&count=10"),
            "filter=…&startIndex=…&count=…"
        );
        assert_eq!(redacted("flag&&x="), "flag=…&x=…");
        assert_eq!(redacted(""), "");
    }
}
