//! The references phase, last in a cycle: manager and member references
//! recorded by the pipeline are resolved to target ids through the job's
//! links (so only once the referenced objects exist in the target) and only
//! the differences from what was last written are sent — a manager is
//! replaced or cleared, members are added and removed in batches, several
//! objects' rows at a time (as the pipeline takes objects), and a page's
//! rows stored together once it is done (a crash before that only sends
//! the same values again next time). Deleting
//! an object marks the rows that name it, so its groups drop it and its
//! reports lose their manager. Ids with no target object yet keep
//! the row waiting; such rows are looked at again when a run links new
//! objects. Each write is logged as an update of the referencing object,
//! by name (see `reference_log.rs`); an on-demand run also hears which
//! references wait for their objects to exist in the target.

use super::incoming::source_kind;
use super::outcome::{bare_decision, connector_code};
use super::reference_log::{ReferenceWrite, labels_value, reference_steps, shown_ids};
use super::*;
use provisio_engine::Value;

use crate::cycle::state::{Pending, ReferenceRow};

impl Pipeline {
    /// Settles every waiting reference row of the job (see the module docs);
    /// their log entries are written together at the end.
    pub(super) async fn settle_references(&mut self, report: &mut CycleReport) -> Result<(), CycleError> {
        let settled = self.settle_pending_references(report).await;
        self.page_done(None).await?;
        settled
    }

    async fn settle_pending_references(&mut self, report: &mut CycleReport) -> Result<(), CycleError> {
        // Rows still waiting are looked at only when this run linked new
        // objects; they go first, as settling a changed row may leave it
        // waiting (it would then be looked at twice).
        let reasons: &[Pending] = if self.linked_new.load(Ordering::Relaxed) {
            &[Pending::Unresolved, Pending::Changed]
        } else {
            &[Pending::Changed]
        };
        for &reason in reasons {
            let mut after: Option<ReferenceRow> = None;
            loop {
                let key = after
                    .as_ref()
                    .map(|r| (r.object_type, r.source_id.as_str(), r.path.as_str()));
                let page = self.state.pending_references(reason, key, REFERENCE_PAGE).await?;
                self.settle_page(&page, report).await?;
                if self.halted().is_some() {
                    return Ok(());
                }
                if page.len() < REFERENCE_PAGE as usize {
                    break;
                }
                after = page.last().cloned();
            }
        }
        Ok(())
    }

    /// Settles a page of rows, [`Pipeline::in_flight`] at a time: each row is its own
    /// object's (or its own attribute's), and a target that takes writes
    /// concurrently (the directory commits them in groups) takes them
    /// faster so. Once the job is halted no further row is started.
    async fn settle_page(&self, page: &[ReferenceRow], report: &mut CycleReport) -> Result<(), CycleError> {
        use futures_util::StreamExt as _;
        let mut rows = page.iter();
        let mut rows_settled = Vec::with_capacity(page.len());
        let mut running = futures_util::stream::FuturesUnordered::new();
        loop {
            while running.len() < self.in_flight() && self.halted().is_none() {
                let Some(row) = rows.next() else { break };
                running.push(self.settle_reference(row.clone(), false));
            }
            match running.next().await {
                Some(Ok(settled)) => {
                    settled.written.count(report);
                    rows_settled.push(settled.row);
                }
                Some(Err(error)) => {
                    // What was written to the target is recorded all the same.
                    drop(running);
                    self.state.settle_references(&rows_settled).await?;
                    return Err(error);
                }
                None => {
                    drop(running);
                    return Ok(self.state.settle_references(&rows_settled).await?);
                }
            }
        }
    }

    /// Settles the references of one object (an on-demand run), saying
    /// what became of each that was not in step.
    pub(super) async fn settle_references_of(
        &mut self,
        kind: ObjectType,
        source_id: &str,
        report: &mut CycleReport,
    ) -> Result<Vec<ReferenceOutcome>, CycleError> {
        let paths: Vec<String> = self.reference_paths(kind).into_iter().map(str::to_owned).collect();
        let mut outcomes = Vec::new();
        for path in paths {
            if let Some(row) = self.state.reference(kind, source_id, &path).await?
                && row.pending != Pending::Settled
            {
                let settled = self.settle_reference(row, true).await?;
                settled.written.count(report);
                self.state.settle_references(std::slice::from_ref(&settled.row)).await?;
                outcomes.push(settled.outcome);
            }
        }
        Ok(outcomes)
    }

    /// Settles one row, leaving the row to store to the caller;
    /// `name_waiting` names the referenced objects that
    /// have no target object yet (an on-demand run tells them, a cycle
    /// spares the lookups).
    async fn settle_reference(&self, mut row: ReferenceRow, name_waiting: bool) -> Result<Settled, CycleError> {
        let started = Instant::now();
        let linked = self.state.targets_of(&row.desired).await?;
        let wanted: Vec<String> = row.desired.iter().filter_map(|id| linked.get(id).cloned()).collect();
        let waiting: Vec<String> = row
            .desired
            .iter()
            .filter(|id| !linked.contains_key(*id))
            .cloned()
            .collect();
        let unresolved = !waiting.is_empty();
        let kind = source_kind(row.object_type);
        let is_members = row.path.eq_ignore_ascii_case("members");

        let (write, exported): (Option<Result<(), ConnectorError>>, Vec<String>) = if is_members {
            let (add, remove) = differences(&row.exported, &wanted);
            let still_linked = self.state.linked_targets(&remove).await?;
            let write = if add.is_empty() && remove.is_empty() {
                None
            } else {
                Some(
                    self.fenced(self.write_members(&row.target_id, &add, &remove, &still_linked))
                        .await?,
                )
            };
            (write, wanted.clone())
        } else {
            // Single-valued: the first resolvable id; an unresolvable one
            // leaves the target as it is until its object exists.
            let new = wanted.first().cloned();
            if new.is_none() && unresolved {
                (None, row.exported.clone())
            } else if row.exported.first() == new.as_ref() {
                (None, new.into_iter().collect())
            } else {
                let change = reference_change(&row.path, row.exported.first(), new.as_ref());
                let write = self
                    .fenced(
                        self.connector
                            .update(kind, &row.target_id, std::slice::from_ref(&change)),
                    )
                    .await?;
                (Some(write), new.into_iter().collect())
            }
        };

        let Some(write) = write else {
            row.exported = exported;
            row.pending = if unresolved {
                Pending::Unresolved
            } else {
                Pending::Settled
            };
            let waiting = if name_waiting && unresolved {
                let names = self.reference_names(&row, &linked, &[], &waiting).await?;
                waiting.iter().map(|id| names.source(id)).collect()
            } else {
                Vec::new()
            };
            let outcome = ReferenceOutcome {
                path: row.path.clone(),
                log_entry: None,
                waiting,
            };
            return Ok(Settled {
                outcome,
                written: Written::Nothing,
                row,
            });
        };
        let old = std::mem::take(&mut row.exported);
        let reference_write = ReferenceWrite {
            row: &row,
            old: &old,
            new: &exported,
            waiting: &waiting,
            succeeded: write.is_ok(),
        };
        let (targets, mut sources) = shown_ids(&reference_write);
        if name_waiting {
            sources.extend(waiting.iter().cloned());
        }
        let names = self.reference_names(&row, &linked, &targets, &sources).await?;
        let steps = reference_steps(&reference_write, &names);
        let mut decision = bare_decision(
            Action::Update,
            Status::Success,
            Some(row.source_id.clone()),
            Some(row.target_id.clone()),
        );
        decision.changes = vec![AttributeChange {
            path: row.path.as_str().into(),
            old: labels_value(&old, &names),
            new: labels_value(&exported, &names),
            add_only: false,
        }];
        decision.steps = steps;
        let mut entry = LogEntry::from_decision(
            &self.run,
            &decision,
            Identity {
                id: Some(row.source_id.clone()),
                display: names.object(),
            },
            // The object as provisioned: the target's id, the directory's name.
            Identity {
                id: Some(row.target_id.clone()),
                display: names.object(),
            },
            started.elapsed(),
        );
        let written = match write {
            Ok(()) => {
                row.exported = exported;
                row.pending = if unresolved {
                    // Entra's warning: written, but not all of it yet.
                    entry = entry.warned(
                        "ReferenceNotYetProvisioned",
                        format!(
                            "{} of the objects `{}` names {} not in the application yet: written once provisioned",
                            waiting.len(),
                            row.path,
                            if waiting.len() == 1 { "is" } else { "are" },
                        ),
                    );
                    Pending::Unresolved
                } else {
                    Pending::Settled
                };
                Written::Sent
            }
            Err(error) => {
                if error.quarantines() {
                    self.halt(&error);
                }
                // Kept as changed: the next cycle tries again.
                row.exported = old;
                row.pending = Pending::Changed;
                entry = entry.failed(connector_code(&error), error.to_string());
                Written::Failed
            }
        };
        self.write_log(&entry).await?;
        let waiting = if name_waiting {
            waiting.iter().map(|id| names.source(id)).collect()
        } else {
            Vec::new()
        };
        let outcome = ReferenceOutcome {
            path: row.path.clone(),
            log_entry: Some(entry),
            waiting,
        };
        Ok(Settled { outcome, written, row })
    }

    /// Adds and removes members. Members whose target objects this job
    /// deleted are removed too (not every target drops them with the
    /// object), but a target that already did and refuses the removal is
    /// not an error: the removal is sent again without them.
    async fn write_members(
        &self,
        group_id: &str,
        add: &[String],
        remove: &[String],
        still_linked: &HashSet<String>,
    ) -> Result<(), ConnectorError> {
        if !add.is_empty() {
            self.connector.add_members(group_id, add).await?;
        }
        if remove.is_empty() {
            return Ok(());
        }
        match self.connector.remove_members(group_id, remove).await {
            Err(ConnectorError::Rejected { .. } | ConnectorError::NotFound { .. })
                if remove.len() > still_linked.len() =>
            {
                let linked: Vec<String> = remove.iter().filter(|id| still_linked.contains(*id)).cloned().collect();
                if linked.is_empty() {
                    Ok(())
                } else {
                    self.connector.remove_members(group_id, &linked).await
                }
            }
            other => other,
        }
    }
}

/// Reference rows read per query.
const REFERENCE_PAGE: u32 = 200;

/// A row settled: what became of it, and the row as it is to be stored
/// (the caller stores a page's rows together).
struct Settled {
    outcome: ReferenceOutcome,
    written: Written,
    row: ReferenceRow,
}

/// What settling a row sent to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// Nothing was out of step, or what is wanted waits for its objects.
    Nothing,
    Sent,
    /// The write failed: the row stays changed for the next cycle.
    Failed,
}

impl Written {
    fn count(self, report: &mut CycleReport) {
        match self {
            Written::Nothing => {}
            Written::Sent => report.references += 1,
            Written::Failed => report.failed_references += 1,
        }
    }
}

pub use provisio_api::jobs::on_demand::ReferenceOutcome;

/// A single-valued reference's change, as the connector writes it.
fn reference_change(path: &str, old: Option<&String>, new: Option<&String>) -> AttributeChange {
    let reference = |id: Option<&String>| id.map_or(Value::Null, |id| Value::Reference(id.clone()));
    AttributeChange {
        path: path.into(),
        old: reference(old),
        new: reference(new),
        add_only: false,
    }
}

/// What `new` adds to `old` and what it drops, each in its own order: with
/// hash sets, so a group of a hundred thousand members is diffed in linear
/// time.
pub(super) fn differences(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let old_set: HashSet<&String> = old.iter().collect();
    let new_set: HashSet<&String> = new.iter().collect();
    let added = new.iter().filter(|id| !old_set.contains(id)).cloned().collect();
    let dropped = old.iter().filter(|id| !new_set.contains(id)).cloned().collect();
    (added, dropped)
}

#[cfg(test)]
mod tests {
    use super::differences;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn differences_keep_each_sides_order() {
        let (added, dropped) = differences(&ids(&["a", "b", "c"]), &ids(&["d", "c", "a", "e"]));
        assert_eq!(added, ids(&["d", "e"]));
        assert_eq!(dropped, ids(&["b"]));
        let many: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let mut changed = many[5..].to_vec();
        changed.extend(ids(&["x", "y"]));
        let (added, dropped) = differences(&many, &changed);
        assert_eq!((added.len(), dropped.len()), (2, 5));
    }
}
