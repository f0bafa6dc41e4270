//! The sign-in rate limit: failed sign-ins are counted per client IP and
//! name and per client IP alone, each in a fixed window that starts with
//! its first failure; once a count reaches its limit, sign-ins from there
//! are refused (before any password is checked) until the window ends.
//! Every attempt counts as a failure from the moment it starts, and a
//! success gives it back.
//!
//! The counts live in memory: a restart forgets them, and several server
//! instances count separately. IPv6 clients are counted per /64 network,
//! since one host usually holds a whole /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::later;

/// At most this many counters are kept; past it, expired ones are dropped,
/// and new ones are not started while it stays full.
const MAX_COUNTERS: usize = 50_000;

/// `failures` failed sign-ins allowed per `window` (0 turns the limit off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) failures: u32,
    pub(crate) window: Duration,
}

impl Limit {
    pub(crate) const fn new(failures: u32, window: Duration) -> Self {
        Limit { failures, window }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Ip(IpAddr),
    IpName(IpAddr, String),
}

#[derive(Debug)]
struct Counter {
    since: DateTime<Utc>,
    failures: u32,
    limit: Limit,
}

impl Counter {
    fn ends(&self) -> DateTime<Utc> {
        later(self.since, self.limit.window)
    }

    fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends()
    }
}

pub(super) struct SignInLimiter {
    per_name: Limit,
    per_ip: Limit,
    counters: Mutex<HashMap<Key, Counter>>,
}

impl SignInLimiter {
    pub(super) fn new(per_name: Limit, per_ip: Limit) -> Self {
        SignInLimiter {
            per_name,
            per_ip,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a sign-in attempt from `ip` as `name`: `None` when it may go
    /// ahead (and then it already counts as a failure), or how long to wait.
    /// Counting before the password is checked means concurrent guesses
    /// cannot all slip in before the first failure is recorded.
    pub(super) fn attempt(&self, ip: IpAddr, name: &str, now: DateTime<Utc>) -> Option<Duration> {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        let keys = self.keys(ip, name);
        let wait = keys
            .iter()
            .filter_map(|(key, _)| counters.get(key))
            .filter(|c| c.limit.failures > 0 && c.failures >= c.limit.failures && !c.expired(now))
            .map(|c| (c.ends() - now).to_std().unwrap_or_default())
            .max();
        if let Some(wait) = wait {
            return Some(wait.max(Duration::from_secs(1)));
        }
        for (key, limit) in keys {
            if limit.failures == 0 {
                continue;
            }
            if let Some(counter) = counters.get_mut(&key).filter(|c| !c.expired(now)) {
                counter.failures = counter.failures.saturating_add(1);
                continue;
            }
            if counters.len() >= MAX_COUNTERS && !counters.contains_key(&key) {
                counters.retain(|_, c| !c.expired(now));
                if counters.len() >= MAX_COUNTERS {
                    tracing::warn!("too many failed sign-ins to track: not counting new clients");
                    continue;
                }
            }
            counters.insert(
                key,
                Counter {
                    since: now,
                    failures: 1,
                    limit,
                },
            );
        }
        None
    }

    /// The attempt succeeded: it no longer counts, and the failures for its
    /// IP and name are forgotten (not those of its IP alone, or one good
    /// password would unlock guessing at every other name).
    pub(super) fn succeeded(&self, ip: IpAddr, name: &str) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        let [(by_name, _), (by_ip, _)] = self.keys(ip, name);
        counters.remove(&by_name);
        if let Some(counter) = counters.get_mut(&by_ip) {
            counter.failures = counter.failures.saturating_sub(1);
        }
    }

    fn keys(&self, ip: IpAddr, name: &str) -> [(Key, Limit); 2] {
        let ip = network(ip);
        [
            (Key::IpName(ip, normalise(name)), self.per_name),
            (Key::Ip(ip), self.per_ip),
        ]
    }
}

/// The address a client is counted under: IPv4 as is (also when mapped
/// into IPv6), IPv6 by its /64 network.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !(u128::from(u64::MAX))).into()),
        },
    }
}

/// Names are counted case-insensitively and cut to a bounded length, so
/// variants of one name share a count and keys stay small.
fn normalise(name: &str) -> String {
    name.chars().take(64).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn limiter() -> SignInLimiter {
        SignInLimiter::new(Limit::new(3, 10 * MINUTE), Limit::new(5, 10 * MINUTE))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().to_utc() + chrono::TimeDelta::minutes(minutes)
    }

    /// `times` failed attempts, each of which was allowed.
    #[track_caller]
    fn fail(limiter: &SignInLimiter, times: usize, addr: &str, name: &str, minute: i64) {
        for _ in 0..times {
            assert_eq!(limiter.attempt(ip(addr), name, at(minute)), None);
        }
    }

    #[test]
    fn a_name_is_limited_after_its_failures_until_the_window_ends() {
        let l = limiter();
        fail(&l, 2, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.1", "admin", 1);
        assert_eq!(l.attempt(ip("192.0.2.1"), "admin", at(1)), Some(9 * MINUTE));
        assert_eq!(l.attempt(ip("192.0.2.1"), "ADMIN", at(2)), Some(8 * MINUTE));
        fail(&l, 1, "192.0.2.1", "alice", 1);
        fail(&l, 1, "192.0.2.2", "admin", 1);
        fail(&l, 1, "192.0.2.1", "admin", 10);
    }

    #[test]
    fn refused_attempts_do_not_count() {
        let l = limiter();
        fail(&l, 3, "192.0.2.1", "admin", 0);
        for _ in 0..10 {
            assert!(l.attempt(ip("192.0.2.1"), "admin", at(1)).is_some());
        }
        fail(&l, 2, "192.0.2.1", "bob", 1);
    }

    #[test]
    fn an_ip_is_limited_across_names() {
        let l = limiter();
        for name in ["a", "b", "c", "d", "e"] {
            fail(&l, 1, "192.0.2.1", name, 0);
        }
        assert_eq!(l.attempt(ip("192.0.2.1"), "f", at(0)), Some(10 * MINUTE));
        fail(&l, 1, "192.0.2.9", "f", 0);
    }

    #[test]
    fn success_forgets_the_name_and_gives_the_attempt_back_to_the_ip() {
        let l = limiter();
        fail(&l, 3, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.1", "bob", 0);
        l.succeeded(ip("192.0.2.1"), "admin");
        // The IP had 4 attempts; the success gives one back: 3 of 5 used.
        fail(&l, 2, "192.0.2.1", "admin", 0);
        assert!(l.attempt(ip("192.0.2.1"), "carol", at(0)).is_some());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_network() {
        let l = limiter();
        fail(&l, 3, "2001:db8::1", "admin", 0);
        assert!(l.attempt(ip("2001:db8::ffff:1"), "admin", at(0)).is_some());
        fail(&l, 1, "2001:db8:0:1::1", "admin", 0);
        fail(&l, 3, "::ffff:192.0.2.7", "admin", 0);
        assert!(l.attempt(ip("192.0.2.7"), "admin", at(0)).is_some());
    }

    #[test]
    fn a_zero_limit_is_off() {
        let l = SignInLimiter::new(Limit::new(0, MINUTE), Limit::new(0, MINUTE));
        fail(&l, 100, "192.0.2.1", "admin", 0);
    }

    #[test]
    fn the_wait_is_at_least_a_second() {
        let l = SignInLimiter::new(Limit::new(1, MINUTE), Limit::new(0, MINUTE));
        fail(&l, 1, "192.0.2.1", "admin", 0);
        let almost = at(1) - chrono::TimeDelta::milliseconds(10);
        assert_eq!(
            l.attempt(ip("192.0.2.1"), "admin", almost),
            Some(Duration::from_secs(1))
        );
    }
}
