//! A cycle's writes a page at a time: the log entries of a page's objects
//! are kept until the page is done and then written in one transaction,
//! with the cycle's progress (an inbound request's, with its records'
//! outcomes), so a page costs one commit for them instead of one per
//! object. Links and escrows are still written as each object is
//! applied: a crash between a target's write and its link is the window the
//! re-match on the next run closes (see docs/architecture.md).

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
        let entries = self.take_unwritten_logs();
        if entries.is_empty() && objects_done.is_none() {
            return Ok(());
        }
        let mut tx = self.store.writer().begin().await.map_err(ServerError::from)?;
        crate::logs::Logs::append_in(&mut tx, &entries).await?;
        if let Some(done) = objects_done {
            self.state.progress_in(&mut tx, done).await?;
        }
        tx.commit().await.map_err(ServerError::from)?;
        Ok(())
    }
}
