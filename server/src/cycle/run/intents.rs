//! Create intents in a cycle. Before a page's objects run, those it may
//! create (unlinked and live) are recorded in one statement; the page's
//! commit drops them, once every object it created is linked. A run that
//! dies in between leaves them, and the next cycle reconciles them first:
//! each object, deleted ones too, is matched in the target as a create
//! would have been, linked to the account found, and run through the
//! pipeline, so an account created just before a crash is disabled or
//! deleted with its user even when the user was deleted before the next
//! run (a live user would be matched anyway; a deleted one is not).

use super::incoming::source_kind;
use super::objects::{count, process_all, read_object};
use super::*;

/// Intents reconciled per page.
const INTENTS_PAGE: u32 = 200;

/// What matching one intended object in the target found.
enum Reconciled {
    /// Its account, now linked (or it was linked already).
    Linked,
    /// Nothing to link: no account, more than one, or no way to match.
    Nothing,
    /// The target could not be asked: the intent stays for the next cycle.
    Unknown,
}

impl Pipeline {
    /// Records the objects of the page that may be created (see the
    /// module docs); call after the page's prefetch.
    pub(super) async fn intend_creates(&self, objects: &[(Incoming, Option<i64>)]) -> Result<(), CycleError> {
        let intended: Vec<(ObjectType, String)> = objects
            .iter()
            .filter(|(incoming, _)| incoming.attributes.is_some() && self.may_create(incoming.kind, &incoming.id))
            .map(|(incoming, _)| (incoming.kind, incoming.id.clone()))
            .collect();
        if intended.is_empty() {
            return Ok(());
        }
        self.state.intend_creates(&intended, self.now()).await?;
        if let Ok(mut page) = self.page_intents.lock() {
            page.extend(intended);
        }
        Ok(())
    }

    /// Keeps the page's intents past its commit: the page ended with
    /// objects dropped mid-flight.
    pub(super) fn keep_create_intents(&self) {
        self.take_page_intents();
    }

    /// The intents the page recorded, for its commit to drop.
    pub(super) fn take_page_intents(&self) -> Vec<(ObjectType, String)> {
        self.page_intents
            .lock()
            .map(|mut page| std::mem::take(&mut *page))
            .unwrap_or_default()
    }

    /// Matches an intended object in the target, whatever its lifecycle,
    /// and links it to the one account found.
    async fn reconcile(&self, incoming: &Incoming) -> Result<Reconciled, CycleError> {
        if self.state.target_of(incoming.kind, &incoming.id).await?.is_some() {
            return Ok(Reconciled::Linked);
        }
        let kind = source_kind(incoming.kind);
        let (Some(object), Some(_)) = (self.job.object(kind), &incoming.attributes) else {
            return Ok(Reconciled::Nothing);
        };
        let record = self.record(incoming).await?;
        let now = self.now();
        // The context is not `Send`: it is gone before the first await.
        let queries = matching::queries(
            &object.matching_mappings(),
            record.attributes.as_ref(),
            &mut self.context(now),
        );
        let Queries::Run(queries) = queries else {
            return Ok(Reconciled::Nothing);
        };
        for query in queries {
            let found = match self.connector.find(kind, &query.target, &query.value).await {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(object = %incoming.id, %error, "a create intent could not be reconciled: kept");
                    return Ok(Reconciled::Unknown);
                }
            };
            match found.as_slice() {
                [] => {}
                [account] => {
                    let linked = self
                        .state
                        .link_if_unlinked(incoming.kind, &incoming.id, &account.id, now)
                        .await;
                    return match linked {
                        Ok(Linked::KeptOther { .. }) | Err(StateError::TargetLinked { .. }) => Ok(Reconciled::Nothing),
                        Ok(_) => {
                            self.linked_new.store(true, Ordering::Relaxed);
                            Ok(Reconciled::Linked)
                        }
                        Err(e) => Err(e.into()),
                    };
                }
                // Which one is the object's is for the pipeline to report.
                _ => return Ok(Reconciled::Nothing),
            }
        }
        Ok(Reconciled::Nothing)
    }
}

/// A cycle's first phase: the intents a run that died left (see the
/// module docs). The objects linked go through the pipeline at once.
pub(super) async fn reconcile_intents(
    pipeline: &Pipeline,
    store: &Store,
    report: &mut CycleReport,
    exported: &mut u64,
) -> Result<(), CycleError> {
    let mut after: Option<(ObjectType, String)> = None;
    loop {
        let key = after.as_ref().map(|(kind, id)| (*kind, id.as_str()));
        let intents = pipeline.state.create_intents(key, INTENTS_PAGE).await?;
        let Some(last) = intents.last().cloned() else {
            return Ok(());
        };
        let mut linked = Vec::new();
        for (kind, id) in &intents {
            let incoming = read_object(store, *kind, id, false).await?;
            match pipeline.reconcile(&incoming).await? {
                Reconciled::Linked => linked.push((incoming, None)),
                Reconciled::Nothing => pipeline.state.drop_create_intent(*kind, id).await?,
                Reconciled::Unknown => {}
            }
        }
        if !linked.is_empty() {
            tracing::info!(
                objects = linked.len(),
                "reconciling the create intents of a run that stopped"
            );
            for outcome in process_all(pipeline, &linked).await? {
                count(report, exported, &outcome);
            }
            for (incoming, _) in &linked {
                pipeline.state.drop_create_intent(incoming.kind, &incoming.id).await?;
            }
        }
        pipeline.page_done(None).await?;
        if pipeline.halted().is_some() || intents.len() < INTENTS_PAGE as usize {
            return Ok(());
        }
        after = Some(last);
    }
}
