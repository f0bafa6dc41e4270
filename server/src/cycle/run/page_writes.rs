//! A cycle's writes a page at a time: the links to the objects a page
//! created, its log entries and what the directory names for its objects'
//! references are kept until the page is done and then written in one
//! transaction, with the cycle's progress, where an initial cycle resumes
//! (an inbound request's, with its records' outcomes) and the end of the
//! page's create intents (an incremental batch's, with the watermark past
//! it), so a page costs one commit instead of one or two per object. Every
//! page's commit is fenced by the job's lease: a run that lost the job (a
//! paused instance whose lease passed to another) commits nothing. A crash before that commit loses the page's links, entries
//! and references, never an account: the next cycle reconciles the
//! intents, matching each object (deleted ones too) and linking the account
//! it finds (`run/intents.rs`), and takes the page's objects again (its
//! cursor or watermark did not move), recording their references then.
//! Links found by matching, and escrows, are written as each object is
//! applied.

use std::sync::{Mutex, PoisonError};

use super::*;
use crate::cycle::state::WantedReference;

/// What a page keeps until its write.
#[derive(Default)]
pub(super) struct Kept {
    logs: Mutex<Vec<LogEntry>>,
    /// Links to the objects the page created.
    links: Mutex<Vec<(ObjectType, String, String)>>,
    /// What the directory names for the page's objects' references.
    references: Mutex<Vec<WantedReference>>,
}

impl Pipeline {
    /// Writes a log entry now, or, in a cycle, keeps it for the page's
    /// write ([`Pipeline::page_done`]).
    pub(super) async fn write_log(&self, entry: &LogEntry) -> Result<(), CycleError> {
        match self.kept.as_ref().map(|k| &k.logs) {
            Some(kept) => {
                keep(kept, entry.clone());
                Ok(())
            }
            None => Ok(self.store.logs().append(std::slice::from_ref(entry)).await?),
        }
    }

    /// Records a reference attribute's value now, or, in a cycle, keeps it
    /// for the page's write.
    pub(super) async fn want_reference(&self, wanted: WantedReference) -> Result<(), CycleError> {
        if let Some(kept) = self.kept.as_ref() {
            keep(&kept.references, wanted);
            return Ok(());
        }
        let WantedReference {
            object_type,
            source_id,
            path,
            target_id,
            desired,
        } = wanted;
        Ok(self
            .state
            .want_references(object_type, &source_id, &path, &target_id, &desired)
            .await?)
    }

    /// Keeps a link to an object this run created for the page's write;
    /// false when links are written at once (not a cycle nor an inbound
    /// request).
    pub(super) fn keep_link(&self, kind: ObjectType, source_id: &str, target_id: &str) -> bool {
        let Some(kept) = self.kept.as_ref() else {
            return false;
        };
        keep(&kept.links, (kind, source_id.to_owned(), target_id.to_owned()));
        true
    }

    /// Writes what the page kept (links, log entries, references) in the
    /// caller's transaction.
    pub(super) async fn write_kept_in(&self, tx: &mut sqlx::AnyConnection) -> Result<(), CycleError> {
        let Some(kept) = &self.kept else {
            return Ok(());
        };
        self.state
            .link_created_in(tx, &take_kept(&kept.links), self.now())
            .await?;
        crate::logs::Logs::append_in(tx, &take_kept(&kept.logs)).await?;
        self.state.want_references_in(tx, &take_kept(&kept.references)).await?;
        Ok(())
    }

    /// Whether the page kept anything to write.
    fn kept_anything(&self) -> bool {
        self.kept
            .as_ref()
            .is_some_and(|kept| holds(&kept.logs) || holds(&kept.links) || holds(&kept.references))
    }

    /// The page is done: its kept log entries and, when given, the cycle's
    /// count of objects done, in one transaction.
    pub(super) async fn page_done(&self, objects_done: Option<u64>) -> Result<(), CycleError> {
        self.commit_page(objects_done, PageEnd::Within).await
    }

    /// [`Pipeline::page_done`] for a page of an initial cycle, saving where
    /// it resumes: after `last`, that page's last object.
    pub(super) async fn initial_page_done(
        &self,
        objects_done: u64,
        last: Option<(ObjectType, &str)>,
    ) -> Result<(), CycleError> {
        let end = match last {
            Some((kind, after)) => PageEnd::ResumeAfter(kind, after),
            None => PageEnd::Within,
        };
        self.commit_page(Some(objects_done), end).await
    }

    /// [`Pipeline::page_done`] for a batch of an incremental cycle, moving
    /// the watermark past it in the same commit.
    pub(super) async fn batch_done(&self, objects_done: u64, watermark: i64) -> Result<(), CycleError> {
        self.commit_page(Some(objects_done), PageEnd::Watermark(watermark))
            .await
    }

    /// The initial cycle is done: later cycles take the directory's changes
    /// after `watermark` (the latest change when it began).
    pub(super) async fn initial_done(&self, watermark: i64) -> Result<(), CycleError> {
        self.commit_page(None, PageEnd::InitialDone(watermark)).await
    }

    /// Writes the page in one transaction fenced by the job's lease
    /// ([`Pipeline::fence_in`]): a run that lost the job commits nothing.
    /// The page's create intents are dropped with it: every object it
    /// created is linked.
    async fn commit_page(&self, objects_done: Option<u64>, end: PageEnd<'_>) -> Result<(), CycleError> {
        let intents = self.take_page_intents();
        if !self.kept_anything() && objects_done.is_none() && matches!(end, PageEnd::Within) && intents.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.writer().begin().await.map_err(ServerError::from)?;
        self.fence_in(&mut tx).await?;
        self.write_kept_in(&mut tx).await?;
        self.state.drop_create_intents_in(&mut tx, &intents).await?;
        if let Some(done) = objects_done {
            self.state.progress_in(&mut tx, done).await?;
        }
        match end {
            PageEnd::Within => {}
            PageEnd::ResumeAfter(kind, after) => self.state.save_initial_cursor_in(&mut tx, kind, after).await?,
            PageEnd::Watermark(to) => {
                self.state.advance_watermark_in(&mut tx, to).await?;
            }
            PageEnd::InitialDone(to) => {
                self.state.advance_watermark_in(&mut tx, to).await?;
                self.state.mark_initial_done_in(&mut tx).await?;
            }
        }
        tx.commit().await.map_err(ServerError::from)?;
        Ok(())
    }
}

/// Where a committed page leaves its run.
enum PageEnd<'a> {
    /// Nothing to record beyond the page's writes.
    Within,
    /// An initial cycle resumes after this object.
    ResumeAfter(ObjectType, &'a str),
    /// An incremental cycle handled every change up to this one.
    Watermark(i64),
    /// The initial cycle is done; incremental ones start after this change.
    InitialDone(i64),
}

/// Keeps `item` for the page's write (taken, not copied: a big group's
/// references are its whole member list).
fn keep<T>(slot: &Mutex<Vec<T>>, item: T) {
    // A panic elsewhere cannot leave a pushed-to Vec half-written.
    slot.lock().unwrap_or_else(PoisonError::into_inner).push(item);
}

/// Whether `slot` keeps anything.
fn holds<T>(slot: &Mutex<Vec<T>>) -> bool {
    slot.lock().is_ok_and(|kept| !kept.is_empty())
}

/// What was kept in `slot`, leaving it empty.
fn take_kept<T>(slot: &Mutex<Vec<T>>) -> Vec<T> {
    slot.lock()
        .map(|mut kept| std::mem::take(&mut *kept))
        .unwrap_or_default()
}
