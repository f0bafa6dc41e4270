//! The headers every response carries so browsers hold the portal to what
//! it needs and nothing more: a Content-Security-Policy (the portal's own
//! scripts, styles and WebAssembly only, never framed), `nosniff`, no
//! framing for older browsers, and no referrer.
//!
//! The portal's page gets the policy with the hashes of the inline scripts
//! Trunk writes into it ([`portal_policy`]); every other response gets the
//! same policy without them.

use axum::extract::Request;
use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// What the portal needs: its own scripts (and, to compile its
/// WebAssembly, `wasm-unsafe-eval`), styles, images and fonts; requests to
/// this server, and to `blob:` addresses (a chosen file is read through
/// one); links that download `data:` documents are navigations, which no
/// directive here governs. Nothing may frame it, and forms post nowhere.
const DIRECTIVES: [(&str, &str); 10] = [
    ("default-src", "'none'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self' blob:"),
    ("manifest-src", "'self'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
];

/// The policy, with `scripts` and `styles` (hash sources such as
/// `'sha256-…'`) added to their directives.
fn policy(scripts: &[String], styles: &[String]) -> String {
    DIRECTIVES
        .iter()
        .map(|(directive, sources)| {
            let extra = match *directive {
                "script-src" => scripts,
                "style-src" => styles,
                _ => &[],
            };
            let mut text = format!("{directive} {sources}");
            for source in extra {
                text.push(' ');
                text.push_str(source);
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The policy for a page: the base policy plus the hash of each inline
/// `<script>` and `<style>` the page holds (Trunk writes the script that
/// starts the portal's WebAssembly into `index.html`).
pub(crate) fn portal_policy(page: &str) -> String {
    policy(&inline_hashes(page, "script"), &inline_hashes(page, "style"))
}

/// `'sha256-…'` of the text of every `<tag>` element in `page` that has no
/// `src` attribute, as browsers hash it: the exact characters between the
/// opening and the closing tag.
fn inline_hashes(page: &str, tag: &str) -> Vec<String> {
    let lower = page.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut hashes = Vec::new();
    let mut from = 0;
    while let Some(start) = lower.get(from..).and_then(|rest| rest.find(&open)).map(|at| from + at) {
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        let Some(next) = lower.as_bytes().get(after_name) else {
            break;
        };
        if !(next.is_ascii_whitespace() || *next == b'>' || *next == b'/') {
            from = after_name;
            continue;
        }
        let Some(tag_end) = lower.get(start..).and_then(|rest| rest.find('>')).map(|at| start + at) else {
            break;
        };
        let Some(content_end) = lower
            .get(tag_end..)
            .and_then(|rest| rest.find(&close))
            .map(|at| tag_end + at)
        else {
            break;
        };
        let attributes = lower.get(after_name..tag_end).unwrap_or_default();
        let has_src = attributes
            .split(|c: char| c.is_ascii_whitespace())
            .any(|attribute| attribute == "src" || attribute.starts_with("src="));
        if !has_src && let Some(content) = page.get(tag_end + 1..content_end) {
            hashes.push(format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(content.as_bytes()))
            ));
        }
        from = content_end + close.len();
    }
    hashes
}

/// Middleware adding the headers to every response that does not set its own.
pub(crate) async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    insert_defaults(response.headers_mut());
    response
}

fn insert_defaults(headers: &mut HeaderMap) {
    if !headers.contains_key(CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&policy(&[], &[]))
    {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256(text: &str) -> String {
        format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
    }

    /// The shape of the page Trunk builds.
    const TRUNK_PAGE: &str = "<!doctype html><html><head>\
        <link rel=\"modulepreload\" href=\"/provisio-portal-0123456789abcdef.js\" crossorigin=\"anonymous\">\
        <link rel=\"stylesheet\" href=\"/style-0123456789abcdef.css\">\
        <script type=\"module\">\nimport init, * as bindings from '/provisio-portal-0123456789abcdef.js';\n\
        const wasm = await init({ module_or_path: '/provisio-portal-0123456789abcdef_bg.wasm' });\n</script>\
        </head><body><p id=\"boot\">Loading</p><script src=\"/extra.js\"></script></body></html>";

    #[test]
    fn the_portal_page_allows_its_inline_scripts_by_hash_and_nothing_inline_else() {
        let start = TRUNK_PAGE.find("\nimport").unwrap();
        let end = TRUNK_PAGE.find("</script>").unwrap();
        let expected = sha256(&TRUNK_PAGE[start..end]);
        let policy = portal_policy(TRUNK_PAGE);
        assert!(
            policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {expected};")),
            "{policy}"
        );
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }

    #[test]
    fn inline_styles_are_hashed_and_lookalike_tags_are_not() {
        let page = "<STYLE>p{color:red}</STYLE><scripts>x</scripts><script\tsrc=/a.js></script><script>go()</script>";
        assert_eq!(inline_hashes(page, "style"), [sha256("p{color:red}")]);
        assert_eq!(inline_hashes(page, "script"), [sha256("go()")]);
        assert_eq!(inline_hashes("<script>unclosed", "script"), Vec::<String>::new());
    }

    #[test]
    fn every_response_gets_the_headers_unless_it_set_a_policy() {
        let mut headers = HeaderMap::new();
        insert_defaults(&mut headers);
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[REFERRER_POLICY], "no-referrer");
        let policy = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            policy.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        let mut own = HeaderMap::new();
        own.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'"));
        insert_defaults(&mut own);
        assert_eq!(own[CONTENT_SECURITY_POLICY], "default-src 'self'");
    }
}
