//! The sign-in rate limit, per client address (IPv6 clients per /64
//! network, since one host usually holds a whole /64):
//!
//! - failed sign-ins are counted per address and name: once a name has
//!   failed `per_name` times from an address, it is refused from there
//!   (before any password is checked) until its window ends. Other
//!   addresses are unaffected, so nobody can lock a name out everywhere.
//! - they are also counted per address, any name: once an address has
//!   failed `per_ip` times, every sign-in from it is answered 429 unless its
//!   password is right. Its password is still checked (for names that do
//!   not exist, against a dummy, as always), so an administrator with the
//!   right password still signs in from an address others failed from,
//!   and the answers do not tell which names exist. While the address is
//!   over its limit, failures of administrators' names count against that
//!   name there as before, and no counter is started for other names, so
//!   an address cannot fill the table with names.
//!
//! Each count runs in a window that starts with its first failure. Every
//! attempt counts as a failure from the moment it starts, and a success
//! gives it back, so concurrent guesses cannot all slip in first.
//!
//! The counts live in memory, in a table of bounded size: when it is full,
//! the least recently used counter makes room, so new clients are always
//! counted. A restart forgets them. Several server instances sharing a
//! database count separately, each allowing its share of the limits (a
//! limit divided by the live instances, rounded up, at least 1), so that
//! the deployment as a whole allows about the limits themselves.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::later;

/// How many counters the table holds by default (a few MiB at most).
pub(crate) const DEFAULT_CAPACITY: usize = 50_000;

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

/// What the limiter says about an attempt to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Attempt {
    /// Check the password; the attempt counts as a failure until
    /// [`SignInLimiter::succeeded`] gives it back.
    Go,
    /// Refuse at once: the name failed too often from this address.
    Refused { retry_after: Duration },
    /// The address failed too often: check the password all the same (a
    /// dummy one unless `may_succeed`, so every answer takes as long), sign
    /// in if it is right, and answer 429 with `retry_after` if not.
    AddressOverLimit { retry_after: Duration, may_succeed: bool },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Name(IpAddr, String),
}

#[derive(Debug)]
struct Counter {
    since: DateTime<Utc>,
    failures: u32,
    limit: Limit,
    /// When it was last used, for eviction: a stamp of the table's clock.
    used: u64,
    /// For an address over its limit: its administrators' names' failures
    /// meanwhile (they end with the address's window).
    names_over_limit: HashMap<String, u32>,
}

impl Counter {
    fn ends(&self) -> DateTime<Utc> {
        later(self.since, self.limit.window)
    }

    fn live(&self, now: DateTime<Utc>) -> bool {
        now < self.ends()
    }

    /// How long until it lets attempts through again, if it is at its limit.
    fn wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        (self.limit.failures > 0 && self.failures >= self.limit.failures && self.live(now)).then(|| {
            (self.ends() - now)
                .to_std()
                .unwrap_or_default()
                .max(Duration::from_secs(1))
        })
    }
}

/// The counters, each stamped when last used; `by_use` orders them by it.
struct Table {
    counters: HashMap<Key, Counter>,
    by_use: BTreeMap<u64, Key>,
    clock: u64,
    capacity: usize,
}

impl Table {
    fn new(capacity: usize) -> Self {
        Table {
            counters: HashMap::new(),
            by_use: BTreeMap::new(),
            clock: 0,
            capacity: capacity.max(1),
        }
    }

    /// The live counter of `key`, marked as just used.
    fn live(&mut self, key: &Key, now: DateTime<Utc>) -> Option<&mut Counter> {
        self.clock += 1;
        let stamp = self.clock;
        let counter = self.counters.get_mut(key).filter(|c| c.live(now))?;
        self.by_use.remove(&counter.used);
        counter.used = stamp;
        self.by_use.insert(stamp, key.clone());
        Some(counter)
    }

    /// The live counter of `key`, or a new one from `now` (in place of an
    /// expired one, or of the least recently used when the table is full),
    /// marked as just used.
    fn live_or_new(&mut self, key: &Key, limit: Limit, now: DateTime<Utc>) -> &mut Counter {
        if self.counters.get(key).is_some_and(|c| !c.live(now)) {
            self.remove(key);
        }
        if !self.counters.contains_key(key) {
            while self.counters.len() >= self.capacity {
                let Some((_, oldest)) = self.by_use.pop_first() else {
                    break;
                };
                self.counters.remove(&oldest);
            }
        }
        self.clock += 1;
        let stamp = self.clock;
        let counter = self.counters.entry(key.clone()).or_insert_with(|| Counter {
            since: now,
            failures: 0,
            limit,
            used: stamp,
            names_over_limit: HashMap::new(),
        });
        self.by_use.remove(&counter.used);
        counter.used = stamp;
        self.by_use.insert(stamp, key.clone());
        counter
    }

    fn remove(&mut self, key: &Key) {
        if let Some(counter) = self.counters.remove(key) {
            self.by_use.remove(&counter.used);
        }
    }
}

pub(super) struct SignInLimiter {
    per_name: Limit,
    per_ip: Limit,
    table: Mutex<Table>,
    /// The live instances counting apart (1 alone).
    instances: Arc<AtomicUsize>,
}

impl SignInLimiter {
    pub(super) fn new(per_name: Limit, per_ip: Limit, capacity: usize) -> Self {
        SignInLimiter {
            per_name,
            per_ip,
            table: Mutex::new(Table::new(capacity)),
            instances: Arc::new(AtomicUsize::new(1)),
        }
    }

    /// Counts apart from `instances` other live instances (this one
    /// included): each allows its share of the limits.
    pub(super) fn shared_by(mut self, instances: Arc<AtomicUsize>) -> Self {
        self.instances = instances;
        self
    }

    /// This instance's share of `limit` (0, off, stays off).
    fn share(&self, limit: Limit) -> Limit {
        let instances = u32::try_from(self.instances.load(Ordering::Relaxed).max(1)).unwrap_or(u32::MAX);
        Limit {
            failures: if limit.failures == 0 {
                0
            } else {
                limit.failures.div_ceil(instances).max(1)
            },
            window: limit.window,
        }
    }

    /// Starts a sign-in attempt from `ip` as `name`, which is an
    /// administrator's name when `known`.
    pub(super) fn attempt(&self, ip: IpAddr, name: &str, known: bool, now: DateTime<Utc>) -> Attempt {
        let (per_name, per_ip) = (self.share(self.per_name), self.share(self.per_ip));
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let (address, by_name, name) = keys(ip, name);
        let name_wait = table.live(&by_name, now).and_then(|c| c.wait(now));
        let address_wait = table.live(&address, now).and_then(|c| c.wait(now));
        if let Some(retry_after) = address_wait {
            let counter = table.live_or_new(&address, per_ip, now);
            let mut may_succeed = known && name_wait.is_none();
            if may_succeed && per_name.failures > 0 {
                let failures = counter.names_over_limit.entry(name).or_insert(0);
                may_succeed = *failures < per_name.failures;
                if may_succeed {
                    *failures += 1;
                }
            }
            return Attempt::AddressOverLimit {
                retry_after,
                may_succeed,
            };
        }
        if let Some(retry_after) = name_wait {
            return Attempt::Refused { retry_after };
        }
        for (key, limit) in [(by_name, per_name), (address, per_ip)] {
            if limit.failures > 0 {
                let counter = table.live_or_new(&key, limit, now);
                counter.failures = counter.failures.saturating_add(1);
            }
        }
        Attempt::Go
    }

    /// The `attempt` succeeded: it no longer counts, and the failures of its
    /// name from its address are forgotten (not those of the address
    /// itself, or one good password would unlock guessing at every other
    /// name).
    pub(super) fn succeeded(&self, ip: IpAddr, name: &str, attempt: Attempt, now: DateTime<Utc>) {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let (address, by_name, name) = keys(ip, name);
        table.remove(&by_name);
        if let Some(counter) = table.live(&address, now) {
            counter.names_over_limit.remove(&name);
            // Only an attempt let through counted against the address.
            if attempt == Attempt::Go {
                counter.failures = counter.failures.saturating_sub(1);
            }
        }
    }

    #[cfg(test)]
    fn counters(&self) -> usize {
        self.table.lock().unwrap().counters.len()
    }
}

/// The address key, the address-and-name key, and the name as counted.
fn keys(ip: IpAddr, name: &str) -> (Key, Key, String) {
    let ip = network(ip);
    let name = normalise(name);
    (Key::Address(ip), Key::Name(ip, name.clone()), name)
}

/// The address a client is counted under: IPv4 as is (also when mapped
/// into IPv6), IPv6 by its /64 network.
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !(u128::from(u64::MAX))).into()),
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
        SignInLimiter::new(Limit::new(3, 10 * MINUTE), Limit::new(5, 10 * MINUTE), DEFAULT_CAPACITY)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z").unwrap().to_utc() + chrono::TimeDelta::minutes(minutes)
    }

    /// `times` failed attempts of an unknown name, each of which was allowed.
    #[track_caller]
    fn fail(limiter: &SignInLimiter, times: usize, addr: &str, name: &str, minute: i64) {
        for _ in 0..times {
            assert_eq!(limiter.attempt(ip(addr), name, false, at(minute)), Attempt::Go);
        }
    }

    fn refused(wait: Duration) -> Attempt {
        Attempt::Refused { retry_after: wait }
    }

    fn over(wait: Duration, may_succeed: bool) -> Attempt {
        Attempt::AddressOverLimit {
            retry_after: wait,
            may_succeed,
        }
    }

    #[test]
    fn a_name_is_limited_from_an_address_after_its_failures_until_the_window_ends() {
        let l = limiter();
        fail(&l, 2, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.1", "admin", 1);
        assert_eq!(l.attempt(ip("192.0.2.1"), "admin", true, at(1)), refused(9 * MINUTE));
        assert_eq!(l.attempt(ip("192.0.2.1"), "ADMIN", false, at(2)), refused(8 * MINUTE));
        fail(&l, 1, "192.0.2.1", "alice", 1);
        fail(&l, 1, "192.0.2.2", "admin", 1);
        fail(&l, 1, "192.0.2.1", "admin", 10);
    }

    #[test]
    fn failures_from_one_address_never_stop_a_name_from_another() {
        let l = limiter();
        for minute in 0..30 {
            let _ = l.attempt(ip("192.0.2.1"), "admin", true, at(minute / 3));
        }
        assert!(matches!(
            l.attempt(ip("192.0.2.1"), "admin", true, at(9)),
            Attempt::Refused { .. }
        ));
        assert_eq!(l.attempt(ip("192.0.2.2"), "admin", true, at(9)), Attempt::Go);
        assert_eq!(l.attempt(ip("2001:db8::1"), "admin", true, at(9)), Attempt::Go);
    }

    #[test]
    fn refused_attempts_do_not_count() {
        let l = limiter();
        fail(&l, 3, "192.0.2.1", "admin", 0);
        for _ in 0..10 {
            assert!(matches!(
                l.attempt(ip("192.0.2.1"), "admin", true, at(1)),
                Attempt::Refused { .. }
            ));
        }
        fail(&l, 2, "192.0.2.1", "bob", 1);
    }

    #[test]
    fn an_address_over_its_limit_still_lets_an_administrator_with_the_right_password_in() {
        let l = limiter();
        for name in ["a", "b", "c", "d", "e"] {
            fail(&l, 1, "192.0.2.1", name, 0);
        }
        // Unknown names: only a dummy password check, answered 429.
        assert_eq!(l.attempt(ip("192.0.2.1"), "f", false, at(0)), over(10 * MINUTE, false));
        // The administrator's password is checked; a success gives the attempt back.
        assert_eq!(l.attempt(ip("192.0.2.1"), "admin", true, at(1)), over(9 * MINUTE, true));
        l.succeeded(ip("192.0.2.1"), "admin", over(9 * MINUTE, true), at(1));
        // Wrong passwords still count against the name: 3 more, then no more checks.
        for _ in 0..3 {
            assert_eq!(l.attempt(ip("192.0.2.1"), "admin", true, at(2)), over(8 * MINUTE, true));
        }
        assert_eq!(
            l.attempt(ip("192.0.2.1"), "admin", true, at(2)),
            over(8 * MINUTE, false)
        );
        // Elsewhere, nothing of it.
        fail(&l, 1, "192.0.2.9", "f", 0);
        assert_eq!(l.attempt(ip("192.0.2.9"), "admin", true, at(2)), Attempt::Go);
        // Once the address's window ends, so do the counts made while it was over.
        assert_eq!(l.attempt(ip("192.0.2.1"), "admin", true, at(10)), Attempt::Go);
    }

    #[test]
    fn a_locked_name_stays_locked_when_its_address_is_over_its_limit() {
        let l = limiter();
        fail(&l, 3, "192.0.2.1", "admin", 0);
        fail(&l, 2, "192.0.2.1", "x", 0);
        assert_eq!(
            l.attempt(ip("192.0.2.1"), "admin", true, at(0)),
            over(10 * MINUTE, false)
        );
    }

    #[test]
    fn an_address_over_its_limit_starts_no_counters_for_unknown_names() {
        let l = limiter();
        for name in ["v", "w", "x", "y", "z"] {
            fail(&l, 1, "192.0.2.1", name, 0);
        }
        let before = l.counters();
        for i in 0..100 {
            let _ = l.attempt(ip("192.0.2.1"), &format!("name{i}"), false, at(1));
        }
        assert_eq!(l.counters(), before);
    }

    #[test]
    fn success_forgets_the_name_and_gives_the_attempt_back_to_the_address() {
        let l = limiter();
        fail(&l, 2, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.1", "bob", 0);
        l.succeeded(ip("192.0.2.1"), "admin", Attempt::Go, at(0));
        // The address had 3 failures; the success gives one back: 2 of 5 used.
        fail(&l, 3, "192.0.2.1", "admin", 0);
        assert!(matches!(
            l.attempt(ip("192.0.2.1"), "carol", false, at(0)),
            Attempt::AddressOverLimit { .. }
        ));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_network() {
        let l = limiter();
        fail(&l, 3, "2001:db8::1", "admin", 0);
        assert!(matches!(
            l.attempt(ip("2001:db8::ffff:1"), "admin", true, at(0)),
            Attempt::Refused { .. }
        ));
        fail(&l, 1, "2001:db8:0:1::1", "admin", 0);
        fail(&l, 3, "::ffff:192.0.2.7", "admin", 0);
        assert!(matches!(
            l.attempt(ip("192.0.2.7"), "admin", true, at(0)),
            Attempt::Refused { .. }
        ));
    }

    #[test]
    fn a_zero_limit_is_off() {
        let l = SignInLimiter::new(Limit::new(0, MINUTE), Limit::new(0, MINUTE), DEFAULT_CAPACITY);
        fail(&l, 100, "192.0.2.1", "admin", 0);
        assert_eq!(l.counters(), 0);
    }

    #[test]
    fn the_wait_is_at_least_a_second() {
        let l = SignInLimiter::new(Limit::new(1, MINUTE), Limit::new(0, MINUTE), DEFAULT_CAPACITY);
        fail(&l, 1, "192.0.2.1", "admin", 0);
        let almost = at(1) - chrono::TimeDelta::milliseconds(10);
        assert_eq!(
            l.attempt(ip("192.0.2.1"), "admin", true, almost),
            refused(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_full_table_makes_room_and_still_counts_new_clients() {
        // Room for two addresses with one name each.
        let l = SignInLimiter::new(Limit::new(3, 10 * MINUTE), Limit::new(5, 10 * MINUTE), 4);
        fail(&l, 1, "192.0.2.1", "a", 0);
        fail(&l, 1, "192.0.2.2", "b", 0);
        assert_eq!(l.counters(), 4);
        // A new client is counted all the same, in place of the least recently used.
        fail(&l, 3, "192.0.2.3", "admin", 1);
        assert!(matches!(
            l.attempt(ip("192.0.2.3"), "admin", true, at(1)),
            Attempt::Refused { .. }
        ));
        assert_eq!(l.counters(), 4);
        // 192.0.2.1 was the least recently used: its counters made room.
        let table = l.table.lock().unwrap();
        assert!(!table.counters.contains_key(&Key::Address(ip("192.0.2.1"))));
        assert!(table.counters.contains_key(&Key::Address(ip("192.0.2.3"))));
        assert_eq!(table.counters.len(), table.by_use.len());
    }

    #[test]
    fn recently_used_counters_outlive_older_ones() {
        let l = SignInLimiter::new(Limit::new(3, 10 * MINUTE), Limit::new(50, 10 * MINUTE), 4);
        fail(&l, 2, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.2", "b", 0);
        // 192.0.2.1 used again: 192.0.2.2 is now the oldest and goes first.
        fail(&l, 1, "192.0.2.1", "admin", 0);
        fail(&l, 1, "192.0.2.3", "c", 0);
        assert!(matches!(
            l.attempt(ip("192.0.2.1"), "admin", true, at(0)),
            Attempt::Refused { .. }
        ));
    }

    #[test]
    fn instances_sharing_a_database_each_allow_their_share() {
        let instances = Arc::new(AtomicUsize::new(3));
        let l = limiter().shared_by(instances.clone());
        // 3 per name shared by 3 instances: 1 here.
        fail(&l, 1, "192.0.2.1", "admin", 0);
        assert!(matches!(
            l.attempt(ip("192.0.2.1"), "admin", true, at(1)),
            Attempt::Refused { .. }
        ));
        // Alone again, this instance allows the whole limit.
        instances.store(1, Ordering::Relaxed);
        let alone = limiter().shared_by(instances);
        fail(&alone, 3, "192.0.2.1", "admin", 0);
        assert!(matches!(
            alone.attempt(ip("192.0.2.1"), "admin", true, at(1)),
            Attempt::Refused { .. }
        ));
    }
}
