//! A cycle's writes a page at a time: the log entries of a page's objects
//! are kept until the page is done and then written in one transaction,
//! with the cycle's progress and where an initial cycle resumes (an inbound
//! request's, with its records' outcomes), so a page costs one commit for
//! them instead of one per object. Links are written as each object is
//! applied, right after the target's create: a run that dies between the
//! two leaves one account the next run matches (while its object is live);
//! a link written later than that would leave the accounts of objects
//! deleted before the next run unlinked, and never disabled.

use super::*;

impl Pipeline {
    /// Writes a log entry now, or, in a cycle, keeps it for the page's
    /// write ([`Pipeline::page_done`]).
    pub(super) async fn write_log(&self, entry: &LogEntry) -> Result<(), CycleError> {
        if let Some(unwritten) = &self.unwritten_logs
            && let Ok(mut unwritten) = unwritten.lock()
        {
            unwritten.push(entry.clone());
            return Ok(());
        }
        Ok(self.store.logs().append(std::slice::from_ref(entry)).await?)
    }

    /// The log entries kept so far, to be written by the caller.
    pub(super) fn take_unwritten_logs(&self) -> Vec<LogEntry> {
        match &self.unwritten_logs {
            Some(unwritten) => unwritten
                .lock()
                .map(|mut kept| std::mem::take(&mut *kept))
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// The page is done: its kept log entries and, when given, the cycle's
    /// count of objects done, in one transaction.
    pub(super) async fn page_done(&self, objects_done: Option<u64>) -> Result<(), CycleError> {
        self.initial_page_done(objects_done, None).await
    }

    /// [`Pipeline::page_done`] for a page of an initial cycle, saving where
    /// it resumes: after `last`, that page's last object.
    pub(super) async fn initial_page_done(
        &self,
        objects_done: Option<u64>,
        last: Option<(ObjectType, &str)>,
    ) -> Result<(), CycleError> {
        let entries = self.take_unwritten_logs();
        if entries.is_empty() && objects_done.is_none() && last.is_none() {
            return Ok(());
        }
        let mut tx = self.store.writer().begin().await.map_err(ServerError::from)?;
        crate::logs::Logs::append_in(&mut tx, &entries).await?;
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
