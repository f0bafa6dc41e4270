//! What a page's objects need from the job's state and the target, read
//! once per page instead of once per object: their links, which of them are
//! escrowed, their source records and, for the unlinked ones, the matching
//! queries answered with one [`Connector::find_many`] per target attribute
//! and precedence round. An object takes its share when it enters the
//! pipeline; anything not prefetched (a failed batch, an object outside the
//! page) is read the object-at-a-time way, so a prefetch is only ever a
//! shortcut, never a different answer.

use std::collections::HashMap;

use provisio_engine::Value;
use provisio_engine::matching::MatchQuery;

use super::incoming::source_kind;
use super::*;

type Key = (ObjectType, String);

/// One page's prefetched state.
#[derive(Debug, Default)]
pub(super) struct Prefetched {
    objects: HashMap<Key, ObjectPrefetch>,
}

/// One object's share of a page's prefetch.
#[derive(Debug, Default)]
pub(super) struct ObjectPrefetch {
    /// The target object it is linked to (`None`: unlinked).
    pub(super) link: Option<String>,
    /// Whether it has an escrow (when `false`, none is cleared or counted).
    pub(super) escrowed: bool,
    /// Its source record, already built.
    pub(super) record: Option<SourceRecord>,
    /// Its matching queries and what the target returned, in the order an
    /// object-at-a-time match would have made them.
    pub(super) matches: Option<Vec<MatchAttempt>>,
}

/// An unlinked object being matched: its queries, and its attempts so far.
struct Matching {
    key: Key,
    queries: std::vec::IntoIter<MatchQuery>,
    attempts: Vec<MatchAttempt>,
}

impl Pipeline {
    /// Reads what these objects (one page) need, replacing the previous
    /// page's prefetch. A failure of the store or the target here is not
    /// the objects' fault and not yet theirs to report: those objects are
    /// left out, and meet the failure (if it lasts) one at a time.
    pub(super) async fn prefetch(&self, objects: &[(Incoming, Option<i64>)]) {
        let mut prefetched = Prefetched::default();
        let ids: Vec<String> = objects.iter().map(|(o, _)| o.id.clone()).collect();
        let (links, escrowed) = match (self.state.targets_of(&ids).await, self.state.escrowed_among(&ids).await) {
            (Ok(links), Ok(escrowed)) => (links, escrowed),
            (Err(error), _) | (_, Err(error)) => {
                tracing::debug!(%error, "prefetching a page's links failed; reading them one by one");
                self.set_prefetched(prefetched);
                return;
            }
        };
        let now = self.now();
        let mut matching = Vec::new();
        for (incoming, _) in objects {
            let key = (incoming.kind, incoming.id.clone());
            let Ok(record) = self.record(incoming).await else {
                continue;
            };
            let link = links.get(&incoming.id).cloned();
            if link.is_none()
                && record.lifecycle == Lifecycle::Active
                && let Some(object) = self.job.object(source_kind(incoming.kind))
            {
                let mut ctx = self.context(now);
                if let Queries::Run(queries) =
                    matching::queries(&object.matching_mappings(), record.attributes.as_ref(), &mut ctx)
                {
                    matching.push(Matching {
                        key: key.clone(),
                        queries: queries.into_iter(),
                        attempts: Vec::new(),
                    });
                }
            }
            let escrowed = escrowed.contains(&incoming.id);
            let share = ObjectPrefetch {
                link,
                escrowed,
                record: Some(record),
                matches: None,
            };
            prefetched.objects.insert(key, share);
        }
        for (key, attempts) in self.match_all(matching).await {
            if let Some(share) = prefetched.objects.get_mut(&key) {
                share.matches = Some(attempts);
            }
        }
        self.set_prefetched(prefetched);
    }

    /// Runs the matching queries of many objects in rounds: each round asks
    /// every object's next query (grouped by kind and target attribute, one
    /// `find_many` each), and an object whose query found anything stops,
    /// as an object-at-a-time match does. Objects whose batch failed are
    /// left out of the answer.
    async fn match_all(&self, mut pending: Vec<Matching>) -> Vec<(Key, Vec<MatchAttempt>)> {
        let mut done = Vec::new();
        while !pending.is_empty() {
            let mut round: HashMap<(ObjectType, String), Vec<(Matching, MatchQuery)>> = HashMap::new();
            for mut object in pending.drain(..) {
                match object.queries.next() {
                    Some(query) => round
                        .entry((object.key.0, query.target.clone()))
                        .or_default()
                        .push((object, query)),
                    None => done.push((object.key, object.attempts)),
                }
            }
            for ((kind, target), asked) in round {
                let values: Vec<Value> = asked.iter().map(|(_, query)| query.value.clone()).collect();
                let answers = match self.connector.find_many(source_kind(kind), &target, &values).await {
                    Ok(answers) if answers.len() == asked.len() => answers,
                    // Each object meets the failure on its own (a refusal of
                    // the job itself is logged on the first that does).
                    Ok(_) | Err(_) => continue,
                };
                for ((mut object, query), found) in asked.into_iter().zip(answers) {
                    let stop = !found.is_empty();
                    object.attempts.push(MatchAttempt { query, found });
                    if stop {
                        done.push((object.key, object.attempts));
                    } else {
                        pending.push(object);
                    }
                }
            }
        }
        done
    }

    /// Forgets what is left of the page's prefetch (objects a halted page
    /// never started): nothing outside the page may take it.
    pub(super) fn forget_prefetched(&self) {
        self.set_prefetched(Prefetched::default());
    }

    fn set_prefetched(&self, prefetched: Prefetched) {
        if let Ok(mut slot) = self.prefetched.lock() {
            *slot = prefetched;
        }
    }

    /// Whether the page's prefetch leaves the object possibly created: not
    /// linked and live, or not prefetched at all.
    pub(super) fn may_create(&self, kind: ObjectType, source_id: &str) -> bool {
        let Ok(slot) = self.prefetched.lock() else { return true };
        slot.objects.get(&(kind, source_id.to_owned())).is_none_or(|share| {
            share.link.is_none()
                && share
                    .record
                    .as_ref()
                    .is_none_or(|record| record.lifecycle == Lifecycle::Active)
        })
    }

    /// The object's share of the page's prefetch, taken: from now on its
    /// state is read (and written) the object-at-a-time way.
    pub(super) fn take_prefetched(&self, kind: ObjectType, source_id: &str) -> Option<ObjectPrefetch> {
        self.prefetched
            .lock()
            .ok()
            .and_then(|mut slot| slot.objects.remove(&(kind, source_id.to_owned())))
    }
}
