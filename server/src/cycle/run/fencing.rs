//! The run's hold on the job's lease, as every write checks it: before an
//! object is processed ([`Pipeline::check_lease`]), at each poll of a write
//! to the target ([`Pipeline::fenced`]) and as the first statement of every
//! commit ([`Pipeline::fence_in`]), so a run that lost the job (a paused or
//! cut-off instance whose lease passed to another) writes nothing more.

use super::*;

impl Pipeline {
    /// Fails once the job's lease may have passed to another run: nothing
    /// more may be written under it.
    pub(super) fn check_lease(&self) -> Result<(), CycleError> {
        match &self.lease {
            Some(lease) if !lease.is_lost() => Ok(()),
            _ => Err(CycleError::LeaseLost),
        }
    }

    /// A write to the target, fenced by the job's lease: every time it is
    /// polled, the lease is checked first, so a process paused anywhere
    /// before the request went out (and resumed after the lease passed on)
    /// drops the request unsent instead of sending it.
    pub(super) async fn fenced<T>(
        &self,
        write: impl std::future::Future<Output = Result<T, ConnectorError>>,
    ) -> Result<Result<T, ConnectorError>, CycleError> {
        let mut write = std::pin::pin!(write);
        std::future::poll_fn(|cx| {
            if let Err(lost) = self.check_lease() {
                return std::task::Poll::Ready(Err(lost));
            }
            write.as_mut().poll(cx).map(Ok)
        })
        .await
    }

    /// Fences a commit under the job's lease: the first statement of `tx`
    /// ([`JobLease::fence_in`]).
    pub(super) async fn fence_in(&self, tx: &mut sqlx::AnyConnection) -> Result<(), CycleError> {
        match &self.lease {
            Some(lease) => Ok(lease.fence_in(tx).await?),
            None => Err(CycleError::LeaseLost),
        }
    }
}
