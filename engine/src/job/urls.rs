//! Target addresses as validation and the connectors read them: the host a
//! URL names (userinfo and port aside), whether that host is this machine,
//! and the rule that plain-text HTTP is only for loopback (credentials and
//! personal data never cross a network unencrypted).
//!
//! ```
//! use provisio_engine::job::urls::{host_of, is_loopback_url, plain_http_problem};
//!
//! assert_eq!(host_of("https://user@scim.example.com:8443/v2"), Some("scim.example.com"));
//! assert!(is_loopback_url("http://[::1]:8080/scim"));
//! assert!(!is_loopback_url("http://127.0.0.1@attacker.example/"));
//! assert!(plain_http_problem("http://scim.example.com/v2").is_some());
//! assert!(plain_http_problem("http://localhost:9000/v2").is_none());
//! assert!(plain_http_problem("https://scim.example.com/v2").is_none());
//! ```

/// The host of `scheme://[userinfo@]host[:port][/…]`, without brackets
/// around an IPv6 address; `None` when there is no `://` or no host.
pub fn host_of(url: &str) -> Option<&str> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // The userinfo ends at the LAST `@`: `http://127.0.0.1@evil/` names `evil`.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    (!host.is_empty()).then_some(host)
}

/// Whether the URL's host is the loopback interface: `localhost`, an
/// address of 127.0.0.0/8, or `::1`.
pub fn is_loopback_url(url: &str) -> bool {
    host_of(url).is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    })
}

/// Why an `http://` URL may not be used: plain HTTP is only for loopback.
/// `None` for `https://` URLs, loopback `http://` ones, and anything else
/// (other checks say what is wrong with those).
pub fn plain_http_problem(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    if !lower.starts_with("http://") || is_loopback_url(&lower) {
        return None;
    }
    Some(format!(
        "`{url}` is plain HTTP to another machine: credentials and personal data would travel unencrypted; \
         use https:// (plain http:// is only for loopback)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_past_userinfo_ports_and_brackets() {
        for (url, host) in [
            ("https://scim.example.com/v2", Some("scim.example.com")),
            ("http://127.0.0.1:8080/scim", Some("127.0.0.1")),
            ("http://[::1]:80/", Some("::1")),
            ("http://user:pw@host.example:1/x", Some("host.example")),
            ("http://127.0.0.1@evil.example/", Some("evil.example")),
            ("http://localhost?x=1", Some("localhost")),
            ("ldap://dc1.corp:389", Some("dc1.corp")),
            ("no scheme", None),
            ("http:///path", None),
        ] {
            assert_eq!(host_of(url), host, "{url}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for url in [
            "http://127.0.0.1:9/scim",
            "http://127.8.9.1/",
            "HTTP://LOCALHOST/x",
            "http://[::1]/",
        ] {
            assert_eq!(plain_http_problem(url), None, "{url}");
        }
        for url in [
            "http://scim.example.com",
            "http://10.0.0.5/scim",
            "http://127.0.0.1.nip.io/",
            "http://[::2]/",
        ] {
            assert!(plain_http_problem(url).is_some(), "{url}");
        }
        assert_eq!(plain_http_problem("https://scim.example.com"), None);
    }
}
