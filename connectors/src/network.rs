//! Where HTTP targets (SCIM, REST) may be reached, and the HTTP client that
//! keeps to it: the networks an operator denies (`--deny-target-networks`;
//! by default link-local addresses and the cloud metadata services, whose
//! answers hold the machine's credentials), checked on the addresses a name
//! resolves to (so a name that resolves inside a denied network is refused,
//! whatever it is called) and on literal addresses; redirects are never
//! followed (a redirect would carry the token and the request to a host
//! nobody configured); and a target's answer is read up to a size limit.
//!
//! Loopback and private ranges stay allowed: on-premises targets live there.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::ConnectorError;

/// The networks denied when the operator names none: IPv4 and IPv6
/// link-local (169.254.169.254, the metadata address of AWS, Azure, GCP and
/// others, is in the first), AWS's IPv6 metadata address and Alibaba Cloud's.
pub const DEFAULT_DENIED: &[&str] = &["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32"];

/// The largest answer read from an HTTP target; a larger one is an error
/// (no SCIM or REST answer of one object or one page comes close).
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Target networks Provisio must not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPolicy {
    denied: Vec<IpNet>,
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        NetworkPolicy {
            denied: DEFAULT_DENIED.iter().filter_map(|net| net.parse().ok()).collect(),
        }
    }
}

impl NetworkPolicy {
    /// Denies exactly these networks (CIDRs such as `169.254.0.0/16` or
    /// single addresses); none when empty.
    pub fn denying(networks: Vec<IpNet>) -> NetworkPolicy {
        NetworkPolicy { denied: networks }
    }

    /// Reads a comma-separated list of CIDRs or addresses; the error names
    /// the item that is neither.
    pub fn parse(list: &str) -> Result<NetworkPolicy, String> {
        let mut denied = Vec::new();
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{item}` is not a network (CIDR such as 169.254.0.0/16) or an address"))?;
            denied.push(net);
        }
        Ok(NetworkPolicy { denied })
    }

    /// The denied network holding `ip`, if any (IPv4-mapped IPv6 addresses
    /// count as the IPv4 address they carry).
    pub fn denied_network(&self, ip: IpAddr) -> Option<IpNet> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.denied.iter().find(|net| net.contains(&ip)).copied()
    }

    /// Refuses a URL whose host is a literal address in a denied network
    /// (names are checked when they resolve, by [`client`]'s resolver).
    pub fn check_url(&self, url: &Url) -> Result<(), ConnectorError> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        match self.denied_network(ip) {
            Some(net) => Err(denied(&ip.to_string(), ip, net)),
            None => Ok(()),
        }
    }
}

fn denied(host: &str, ip: IpAddr, net: IpNet) -> ConnectorError {
    ConnectorError::Invalid {
        detail: format!(
            "the target `{host}` is at {ip}, in {net}, a network Provisio does not reach \
             (--deny-target-networks; link-local and cloud metadata addresses by default)"
        ),
    }
}

/// An HTTP client for a target: no redirects, names resolved then checked
/// against the policy, the given timeouts.
pub fn client(
    policy: &NetworkPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .dns_resolver(Arc::new(CheckedResolver { policy: policy.clone() }))
        .build()
        .map_err(|e| ConnectorError::Invalid {
            detail: format!("cannot build the HTTP client: {e}"),
        })
}

/// The system's resolver, refusing a name when any address it resolves to
/// is in a denied network (a name with one good and one denied address is
/// refused whole: the connection could take either).
struct CheckedResolver {
    policy: NetworkPolicy,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for address in &addresses {
                if let Some(net) = policy.denied_network(address.ip()) {
                    return Err(Box::new(denied(&host, address.ip(), net)) as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// The network policy's refusal inside a failed request, if that is why it
/// failed: a configuration problem to report as it is, not a passing
/// failure to retry.
pub fn refusal(error: &reqwest::Error) -> Option<ConnectorError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<ConnectorError>() {
            return Some(refused.clone());
        }
        source = cause.source();
    }
    None
}

/// Reads a response's body up to [`MAX_RESPONSE_BYTES`]: a larger one is
/// refused rather than held in memory.
pub async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large() -> String {
    format!("the answer is larger than {} MiB", MAX_RESPONSE_BYTES / (1024 * 1024))
}

/// The error for a redirect, which Provisio does not follow: it names where
/// it pointed, so the administrator can set the base URL to that.
pub fn redirect_error(status: u16, location: Option<&str>) -> ConnectorError {
    ConnectorError::Rejected {
        status,
        scim_type: None,
        detail: format!(
            "the target answered with a redirect (HTTP {status}) to `{}`; Provisio does not follow redirects: \
             set the job's base URL to the address the target names",
            location.map_or_else(|| "nowhere".to_owned(), sanitised_excerpt)
        ),
    }
}

/// The longest excerpt of a target's own text an error quotes.
pub const MAX_EXCERPT: usize = 200;

/// A short, printable excerpt of a target's text for an error message:
/// control characters (terminal escapes, line breaks that would forge log
/// lines) become spaces, runs of whitespace one space, and it is cut to
/// [`MAX_EXCERPT`] characters.
pub fn sanitised_excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_control() || c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        if out.chars().count() >= MAX_EXCERPT {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_denies_link_local_and_metadata_but_not_private_ranges() {
        let policy = NetworkPolicy::default();
        for ip in [
            "169.254.169.254",
            "169.254.0.1",
            "fe80::1",
            "fd00:ec2::254",
            "100.100.100.200",
            "::ffff:169.254.169.254",
        ] {
            assert!(policy.denied_network(ip.parse().unwrap()).is_some(), "{ip}");
        }
        for ip in ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5", "::1", "8.8.8.8"] {
            assert!(policy.denied_network(ip.parse().unwrap()).is_none(), "{ip}");
        }
    }

    #[test]
    fn a_list_of_networks_parses_and_a_bad_item_is_named() {
        let policy = NetworkPolicy::parse("127.0.0.0/8, 10.0.0.7 ,").unwrap();
        assert!(policy.denied_network("127.0.0.1".parse().unwrap()).is_some());
        assert!(policy.denied_network("10.0.0.7".parse().unwrap()).is_some());
        assert!(
            policy.denied_network("169.254.169.254".parse().unwrap()).is_none(),
            "replaces the default"
        );
        assert!(
            NetworkPolicy::parse("10.0.0.0/33")
                .unwrap_err()
                .contains("`10.0.0.0/33`")
        );
        assert_eq!(NetworkPolicy::parse("").unwrap(), NetworkPolicy::denying(Vec::new()));
    }

    #[test]
    fn literal_addresses_are_checked_in_urls() {
        let policy = NetworkPolicy::default();
        let check = |url: &str| policy.check_url(&Url::parse(url).unwrap());
        assert!(check("http://169.254.169.254/latest/meta-data/").is_err());
        assert!(check("http://[fe80::1]/").is_err());
        assert!(check("https://scim.example.com/").is_ok(), "names wait for resolution");
        assert!(check("http://127.0.0.1:9/").is_ok());
    }

    #[tokio::test]
    async fn names_resolving_into_a_denied_network_are_refused() {
        let policy = NetworkPolicy::parse("127.0.0.0/8").unwrap();
        let client = client(&policy, Duration::from_secs(2), Duration::from_secs(2)).unwrap();
        let error = client.get("http://localhost:9/").send().await.unwrap_err();
        let refused = refusal(&error).expect("the policy's refusal");
        assert!(refused.to_string().contains("127.0.0.0/8"), "{refused}");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(sanitised_excerpt("  bad\r\nline\x1b[31m  red "), "bad line [31m red");
        let long = sanitised_excerpt(&"x".repeat(1000));
        assert_eq!(long.chars().count(), MAX_EXCERPT + 1);
        assert!(long.ends_with('…'));
    }
}
