//! A cycle's writes a page at a time: the links to the objects a page
//! created and its log entries are kept until the page is done and then
//! written in one transaction, with the cycle's progress, where an initial
//! cycle resumes (an inbound request's log entries, with its records'
//! outcomes) and the end of the page's create intents, so a page costs one
//! commit instead of one or two per object. A crash before that commit
//! loses the page's links and entries, never an account: the next cycle
//! reconciles the intents, matching each object (deleted ones too) and
//! linking the account it finds (`run/intents.rs`). Links found by
//! matching, and escrows, are written as each object is applied.

use super::*;

impl Pipeline {
    /// Writes a log entry now, or, in a cycle, keeps it for the page's
    /// write ([`Pipeline::page_done`]).
    pub(super) async fn write_log(&self, entry: &LogEntry) -> Result<(), CycleError> {
        if keep(&self.unwritten_logs, entry.clone()) {
            return Ok(());
        }
        Ok(self.store.logs().append(std::slice::from_ref(entry)).await?)
    }

    /// Keeps a link to an object this run created for the page's write;
    /// false when links are written at once (not a cycle nor an inbound
    /// request).
    pub(super) fn keep_link(&self, kind: ObjectType, source_id: &str, target_id: &str) -> bool {
        keep(
            &self.unwritten_links,
            (kind, source_id.to_owned(), target_id.to_owned()),
        )
    }

    /// The links kept so far, to be written by the caller.
    pub(super) fn take_unwritten_links(&self) -> Vec<(ObjectType, String, String)> {
        take_kept(&self.unwritten_links)
    }

    /// The log entries kept so far, to be written by the caller.
    pub(super) fn take_unwritten_logs(&self) -> Vec<LogEntry> {
        take_kept(&self.unwritten_logs)
    }

    /// The page is done: its kept log entries and, when given, the cycle's
    /// count of objects done, in one transaction.
    pub(super) async fn page_done(&self, objects_done: Option<u64>) -> Result<(), CycleError> {
        self.initial_page_done(objects_done, None).await
    }

    /// [`Pipeline::page_done`] for a page of an initial cycle, saving where
    /// it resumes: after `last`, that page's last object. The page's create
    /// intents are dropped with it: every object it created is linked.
    pub(super) async fn initial_page_done(
        &self,
        objects_done: Option<u64>,
        last: Option<(ObjectType, &str)>,
    ) -> Result<(), CycleError> {
        let entries = self.take_unwritten_logs();
        let links = self.take_unwritten_links();
        let intents = self.take_page_intents();
        if entries.is_empty() && links.is_empty() && objects_done.is_none() && last.is_none() && intents.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.writer().begin().await.map_err(ServerError::from)?;
        self.state.link_created_in(&mut tx, &links, self.now()).await?;
        crate::logs::Logs::append_in(&mut tx, &entries).await?;
        self.state.drop_create_intents_in(&mut tx, &intents).await?;
        if let Some(done) = objects_done {
            self.state.progress_in(&mut tx, done).await?;
        }
        if let Some((kind, after)) = last {
            self.state.save_initial_cursor_in(&mut tx, kind, after).await?;
        }
        tx.commit().await.map_err(ServerError::from)?;
        Ok(())
    }
}

/// Keeps `item` for the page's write; false when this run keeps none
/// (`slot` is `None`) and it is to be written at once.
fn keep<T>(slot: &Option<std::sync::Mutex<Vec<T>>>, item: T) -> bool {
    match slot.as_ref().map(std::sync::Mutex::lock) {
        Some(Ok(mut kept)) => {
            kept.push(item);
            true
        }
        _ => false,
    }
}

/// What `slot` kept so far, taken.
fn take_kept<T>(slot: &Option<std::sync::Mutex<Vec<T>>>) -> Vec<T> {
    slot.as_ref()
        .and_then(|kept| kept.lock().ok().map(|mut kept| std::mem::take(&mut *kept)))
        .unwrap_or_default()
}
