//! Which client a request comes from: the connection's peer, or, when the
//! peer is one of the operator's trusted reverse proxies
//! (`--trusted-proxies`), the right-most `X-Forwarded-For` address that is
//! not itself a trusted proxy. Addresses further left were written by the
//! client or by proxies nobody vouches for, so they are never believed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;

/// The forwarding header trusted proxies append the address they saw to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// An address range: an address and how many leading bits are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies in the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    /// `10.0.0.0/8`, `fd00::/8`, or one address (`192.0.2.7`, a range of one).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| format!("`{text}` is not an address range such as 10.0.0.0/8 or fd00::/8: {why}");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| bad(&format!("`{address}` is not an IP address")))?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| bad(&format!("the prefix length is a number from 0 to {bits}")))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    /// The client of a request from `peer` with `headers`: `peer` itself
    /// unless it is trusted; then, walking `X-Forwarded-For` from the
    /// right, the first address not trusted (or the left-most, when every
    /// one is). An entry that is not an address ends the walk: what lies
    /// left of it cannot be told apart from what the client wrote.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            let Some(ip) = parse_hop(hop.trim()) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated ranges (`10.0.0.0/8, 192.0.2.7`); empty for none.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|range| !range.is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges: Vec<String> = self.0.iter().map(Cidr::to_string).collect();
        f.write_str(&ranges.join(","))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`192.0.2.7:5000`, `[2001:db8::1]:5000`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|address| address.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(text: &str) -> TrustedProxies {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_contain_their_addresses() {
        for (range, inside, outside) in [
            ("10.0.0.0/8", "10.200.1.2", "11.0.0.1"),
            ("192.0.2.7", "192.0.2.7", "192.0.2.8"),
            ("192.0.2.0/31", "192.0.2.1", "192.0.2.2"),
            ("0.0.0.0/0", "203.0.113.9", "2001:db8::1"),
            ("fd00::/8", "fd12:3456::1", "fe80::1"),
            ("::1", "::1", "::2"),
            ("127.0.0.1", "::ffff:127.0.0.1", "127.0.0.2"),
        ] {
            let cidr: Cidr = range.parse().unwrap();
            assert!(cidr.contains(ip(inside)), "{range} ∋ {inside}");
            assert!(!cidr.contains(ip(outside)), "{range} ∌ {outside}");
        }
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        for (text, says) in [
            ("10.0.0.0/33", "from 0 to 32"),
            ("fd00::/129", "from 0 to 128"),
            ("10.0.0/8", "`10.0.0` is not an IP address"),
            ("proxy.example.com", "not an IP address"),
            ("10.0.0.0/x", "prefix length"),
        ] {
            let error = text.parse::<Cidr>().unwrap_err();
            assert!(error.contains(text) && error.contains(says), "{text}: {error}");
        }
        let error = "10.0.0.0/8, nonsense".parse::<TrustedProxies>().unwrap_err();
        assert!(error.contains("`nonsense`"), "{error}");
        assert_eq!("".parse::<TrustedProxies>().unwrap(), TrustedProxies::default());
        assert_eq!(proxies(" 10.0.0.0/8 ,::1 ").to_string(), "10.0.0.0/8,::1/128");
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(none.client(ip("203.0.113.5"), &headers), ip("203.0.113.5"));
        let some = proxies("10.0.0.0/8");
        assert_eq!(some.client(ip("203.0.113.5"), &headers), ip("203.0.113.5"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies("10.0.0.0/8, 127.0.0.1");
        let peer = ip("127.0.0.1");
        for (values, client) in [
            (&["198.51.100.1"][..], "198.51.100.1"),
            // The client wrote the left one itself: not believed.
            (&["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            (&["6.6.6.6, 198.51.100.1, 10.1.1.1"], "198.51.100.1"),
            (&["6.6.6.6", "198.51.100.1, 10.1.1.1"], "198.51.100.1"),
            (&["10.9.9.9, 10.1.1.1"], "10.9.9.9"),
            (&["198.51.100.1:5000"], "198.51.100.1"),
            (&["[2001:db8::7]:5000"], "2001:db8::7"),
            (&["6.6.6.6, garbage, 10.1.1.1"], "10.1.1.1"),
            (&[][..], "127.0.0.1"),
        ] {
            assert_eq!(trusted.client(peer, &forwarded(values)), ip(client), "{values:?}");
        }
        assert_eq!(
            trusted.client(ip("::ffff:127.0.0.1"), &forwarded(&["198.51.100.1"])),
            ip("198.51.100.1")
        );
    }
}
