//! The scheduler: one task for the whole server that runs the cycles of
//! every job whose stored state is `running` and that this instance owns
//! (and, for an inbound job, its worker instead:
//! [`crate::cycle::inbound_worker`]). A lone server owns every job; several
//! instances on one database spread them ([`crate::cycle::ownership`]).
//!
//! Every few seconds ([`SchedulerOptions::poll`], [`POLL`] unless set
//! otherwise) it renews the instance's heartbeat, reads the jobs table,
//! settles which jobs this instance owns and gives each owned running job
//! without one a worker (a worker whose job moved to another instance ends
//! after its cycle's current page); a job created, changed, started or
//! restarted through the API is picked up that way, without a server
//! restart. A worker runs one cycle at a time for its job (cycles of
//! different jobs run concurrently):
//!
//! - when the job starts (or the server does): an initial cycle if the
//!   job's initial cycle is not done, else an incremental one;
//! - then an incremental cycle every `schedule.interval_seconds`;
//! - with `schedule.realtime`, also within half a second of a directory
//!   change: it waits for the change, then for [`QUIET`] without another
//!   one (at most [`MAX_DELAY`] in all), so a burst becomes one cycle (both
//!   are [`SchedulerOptions`] too);
//! - on a new `restart_requested_at`: [`CycleState::restart`] then an
//!   initial cycle. A restart requested while the server was down, or
//!   while the job was stopped, counts when no cycle started after it. An
//!   explicit restart records one, and so does a change to the job's
//!   mappings or scoping ([`crate::jobs::needs_restart`]): a running job
//!   restarts after its current cycle (within a poll when idle), a
//!   stopped one when it is started.
//!
//! The worker reads the job again before every cycle and ends when the job
//! is stopped or deleted: a stopped job starts no new cycle, and a cycle
//! already running ends after its current page (checked every poll). A cycle that is skipped (quarantine) is tried
//! again at the next interval, or at the quarantine's next retry if that is
//! sooner; when a quarantined job's target or secrets change, at once
//! (the cycle retries a refusal of credentials then). Errors are logged and never end the scheduler; a failing job
//! does not hold the others up. Aborting the scheduler's task (server
//! shutdown) aborts its workers too.
//!
//! [`CycleState::restart`]: crate::cycle::state::CycleState::restart

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use provisio_api::jobs::status::RunStatus;
use provisio_api::jobs::{JobState, JobSummary};
use provisio_engine::job::{Direction, MIN_INTERVAL_SECONDS};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, sleep_until};

use crate::cycle::instances::Instance;
use crate::cycle::ownership;
use crate::cycle::run::{CycleError, Mode, RunOptions, run_cycle_with};
use crate::events::Events;
use crate::jobs::{JobError, Jobs};
use crate::store::Store;

/// How often the jobs table is read, and how often a waiting worker checks
/// its job's state.
pub const POLL: Duration = Duration::from_secs(2);
/// How long a realtime job waits after a directory change for another one.
pub const QUIET: Duration = Duration::from_millis(100);
/// The longest a realtime job lets a burst of changes delay its cycle:
/// under a steady stream of changes, a cycle starts this often, so a
/// change reaches the target within it and one cycle's time.
pub const MAX_DELAY: Duration = Duration::from_millis(250);

/// How the scheduler paces itself: [`POLL`], [`QUIET`] and [`MAX_DELAY`]
/// by default, as `provisio serve` runs it. Tests shorten them and count
/// the passes, so they wait for what the scheduler does rather than for
/// fixed times.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// How often the jobs table is read, a waiting worker (and an inbound
    /// job's worker) looks at its job, and a running cycle checks whether
    /// its job was stopped.
    pub poll: Duration,
    /// How long a realtime job waits after a directory change for another one.
    pub quiet: Duration,
    /// The longest a realtime job lets a burst of changes delay its cycle.
    pub max_delay: Duration,
    /// Told the number of passes over the jobs table so far after each one
    /// (a pass gives every running job without one its worker, and notes
    /// the workers that ended): an event to wait for.
    pub passes: Option<watch::Sender<u64>>,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            poll: POLL,
            quiet: QUIET,
            max_delay: MAX_DELAY,
            passes: None,
        }
    }
}

impl SchedulerOptions {
    /// When a burst of directory changes that began at `first` and last
    /// changed at `last` is over: [`quiet`](Self::quiet) after the last
    /// change, but no later than [`max_delay`](Self::max_delay) after the first.
    pub fn settled_at(&self, first: Instant, last: Instant) -> Instant {
        (last + self.quiet).min(first + self.max_delay)
    }
}

/// What a worker does when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Forget the progress ([`crate::cycle::state::CycleState::restart`]),
    /// then run an initial cycle.
    Restart,
    /// Run a cycle of this mode.
    Run(Mode),
    /// Nothing is due.
    Wait,
}

/// The worker's decision: a pending restart first; else, when a cycle is
/// due (the interval passed or the directory changed), an initial cycle
/// until one is done, then incremental ones.
pub fn next_step(restart_pending: bool, initial_done: bool, due: bool, changed: bool) -> Step {
    if restart_pending {
        Step::Restart
    } else if !(due || changed) {
        Step::Wait
    } else if initial_done {
        Step::Run(Mode::Incremental)
    } else {
        Step::Run(Mode::Initial)
    }
}

/// Whether a restart requested at `requested` is still to be done, given
/// the last one done (in this process) and when the job's last cycle began.
pub fn restart_pending(
    requested: Option<DateTime<Utc>>,
    handled: Option<DateTime<Utc>>,
    last_cycle_started: Option<DateTime<Utc>>,
) -> bool {
    match requested {
        None => false,
        Some(requested) => match handled {
            Some(handled) => requested > handled,
            None => last_cycle_started.is_none_or(|started| requested > started),
        },
    }
}

/// Runs the scheduler until its task is aborted: on each pass it renews
/// `instance`'s heartbeat, settles which running jobs this instance owns
/// ([`crate::cycle::ownership`]), gives each owned job without one a
/// worker, and tells the workers of jobs it no longer owns to end (after
/// their cycle's current page; the new owner resumes from there).
pub async fn run_forever(store: Store, jobs: Jobs, events: Events, instance: Instance, options: SchedulerOptions) {
    let mut workers: JoinSet<()> = JoinSet::new();
    let mut by_task: HashMap<tokio::task::Id, String> = HashMap::new();
    // Each job's worker, with the flag that ends it when the job moves.
    let mut active: HashMap<String, Arc<AtomicBool>> = HashMap::new();
    let mut passes: u64 = 0;
    loop {
        // Reap the workers that ended (job stopped, deleted or moved).
        while let Some(ended) = workers.try_join_next_with_id() {
            let id = match ended {
                Ok((id, ())) => id,
                Err(e) => {
                    tracing::error!(error = %e, "a scheduler worker failed");
                    e.id()
                }
            };
            if let Some(job) = by_task.remove(&id) {
                active.remove(&job);
            }
        }
        match owned_jobs(&store, &jobs, &instance).await {
            Ok(owned) => {
                for (job_id, moved) in &active {
                    if !owned.iter().any(|job| &job.id == job_id) && !moved.swap(true, Ordering::Relaxed) {
                        tracing::info!(job = %job_id, "the job is no longer this instance's: its worker ends");
                    }
                }
                instance.set_held_jobs(owned.iter().map(|job| job.id.clone()).collect());
                for job in owned {
                    if active.contains_key(&job.id) {
                        continue;
                    }
                    tracing::info!(job = %job.id, name = %job.name, "scheduling the job");
                    let moved = Arc::new(AtomicBool::new(false));
                    let handle = if job.direction == Direction::Inbound {
                        workers.spawn(crate::cycle::inbound_worker::run(
                            store.clone(),
                            jobs.clone(),
                            job.id.clone(),
                            events.uploads(),
                            moved.clone(),
                            options.poll,
                        ))
                    } else {
                        workers.spawn(run_job(
                            store.clone(),
                            jobs.clone(),
                            job.id.clone(),
                            events.changes(),
                            moved.clone(),
                            options.clone(),
                        ))
                    };
                    by_task.insert(handle.id(), job.id.clone());
                    active.insert(job.id, moved);
                }
            }
            Err(e) => tracing::warn!(error = %e, "the scheduler could not read the jobs or their owners"),
        }
        passes += 1;
        if let Some(counter) = &options.passes {
            counter.send_replace(passes);
        }
        sleep(options.poll).await;
    }
}

/// The running jobs this instance owns after this pass's heartbeat and moves.
async fn owned_jobs(
    store: &Store,
    jobs: &Jobs,
    instance: &Instance,
) -> Result<Vec<JobSummary>, Box<dyn std::error::Error>> {
    instance.heartbeat().await?;
    let running: Vec<JobSummary> = jobs
        .list()
        .await?
        .into_iter()
        .filter(|job| job.state == JobState::Running)
        .collect();
    let ids: Vec<String> = running.iter().map(|job| job.id.clone()).collect();
    let live = instance.live().await?;
    let moves = ownership::plan(instance.id(), &ids, &live, &ownership::owners(store).await?);
    let owned = ownership::apply(store, instance.id(), moves).await?;
    Ok(running.into_iter().filter(|job| owned.contains(&job.id)).collect())
}

fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Raises `stop` once the job is stopped, deleted or moved to another
/// instance, checking every `poll`; the running cycle ends after its
/// current page.
async fn watch_for_stop(jobs: Jobs, job_id: String, moved: Arc<AtomicBool>, stop: Arc<AtomicBool>, poll: Duration) {
    loop {
        sleep(poll).await;
        if moved.load(Ordering::Relaxed) {
            tracing::info!(job = %job_id, "the job moved to another instance: its cycle ends after the current page");
            stop.store(true, Ordering::Relaxed);
            return;
        }
        match jobs.get(&job_id).await {
            Ok(job) if job.state == JobState::Running => {}
            Err(e) if !matches!(e, JobError::NotFound { .. }) => {}
            _ => {
                tracing::info!(job = %job_id, "the job was stopped: its cycle ends after the current page");
                stop.store(true, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// One job's loop; returns when the job is no longer running, or no longer
/// this instance's (`moved`).
async fn run_job(
    store: Store,
    jobs: Jobs,
    job_id: String,
    mut changes: watch::Receiver<i64>,
    moved: Arc<AtomicBool>,
    options: SchedulerOptions,
) {
    let poll = options.poll;
    let state = store.cycle_state(&job_id);
    changes.borrow_and_update();
    let mut changes_open = true;
    let mut handled_restart: Option<DateTime<Utc>> = None;
    // Run at once when the job starts.
    let mut next_due = Instant::now();
    let mut changed = false;
    // The job's `connection_changed_at` as last read: a change wakes a
    // quarantined job, whose cycle then decides whether to retry at once.
    let mut connection_seen: Option<Option<String>> = None;
    loop {
        if moved.load(Ordering::Relaxed) {
            return;
        }
        let job = match jobs.get(&job_id).await {
            Ok(job) => job,
            Err(JobError::NotFound { .. }) => {
                tracing::info!(job = %job_id, "the job is gone: no more cycles");
                return;
            }
            Err(e) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the job");
                sleep(poll).await;
                continue;
            }
        };
        if job.state != JobState::Running {
            tracing::info!(job = %job_id, "the job is stopped: no more cycles");
            return;
        }
        let schedule = job.definition.schedule;
        let interval = Duration::from_secs(schedule.interval_seconds.max(MIN_INTERVAL_SECONDS));
        let status = match state.status().await {
            Ok(status) => status,
            Err(e) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the job's cycle state");
                sleep(poll).await;
                continue;
            }
        };
        if connection_seen
            .replace(job.connection_changed_at.clone())
            .is_some_and(|seen| seen != job.connection_changed_at)
            && status.status == RunStatus::Quarantined
        {
            tracing::info!(job = %job_id, "the quarantined job's connection changed: trying it now");
            next_due = Instant::now();
        }
        let requested = parse_time(job.restart_requested_at.as_deref());
        let pending = restart_pending(requested, handled_restart, status.last_cycle_started_at);
        let due = Instant::now() >= next_due;
        let step = next_step(pending, status.initial_done, due, changed);
        let mode = match step {
            Step::Wait => None,
            Step::Run(mode) => Some(mode),
            Step::Restart => match state.restart().await {
                Ok(()) => {
                    tracing::info!(job = %job_id, "restarting the job: an initial cycle");
                    handled_restart = requested;
                    Some(Mode::Initial)
                }
                Err(e) => {
                    tracing::error!(job = %job_id, error = %e, "could not restart the job");
                    None
                }
            },
        };
        if let Some(mode) = mode {
            changed = false;
            // Changes committed from here on are for the next cycle (this
            // one reads the change log as it is when it starts).
            changes.borrow_and_update();
            next_due = Instant::now() + interval;
            let stop = Arc::new(AtomicBool::new(false));
            let watcher = tokio::spawn(watch_for_stop(
                jobs.clone(),
                job_id.clone(),
                moved.clone(),
                stop.clone(),
                poll,
            ));
            let options = RunOptions {
                stop: Some(stop),
                // Another run holds the job (on-demand here, a cycle on
                // another instance): try again at the next interval.
                lease_wait: Some(Duration::from_secs(1)),
                ..RunOptions::default()
            };
            let result = run_cycle_with(&store, &jobs, &job_id, mode, &options).await;
            watcher.abort();
            match result {
                Ok(report) => {
                    if let Some(reason) = &report.skipped {
                        tracing::info!(job = %job_id, reason = %reason, "cycle skipped");
                        if let Ok(status) = state.status().await
                            && let Some(retry) = status.next_retry_at
                        {
                            let wait = (retry - Utc::now()).to_std().unwrap_or_default();
                            next_due = next_due.min(Instant::now() + wait);
                        }
                    } else {
                        tracing::info!(
                            job = %job_id, ?mode, cycle = %report.cycle_id, objects = report.objects,
                            failures = report.failures, "cycle finished"
                        );
                    }
                }
                Err(CycleError::Busy(e)) => {
                    tracing::info!(job = %job_id, ?mode, reason = %e, "cycle not run: another run holds the job");
                    // Soon again, rather than a whole interval later.
                    next_due = Instant::now() + poll;
                }
                Err(e) => tracing::error!(job = %job_id, ?mode, error = %e, "cycle failed"),
            }
            continue;
        }

        // Wait for the interval, a directory change (realtime) or the next
        // look at the job's state.
        let realtime = schedule.realtime && changes_open;
        tokio::select! {
            _ = sleep_until(next_due) => {}
            _ = sleep(poll) => {}
            result = changes.changed(), if realtime => match result {
                Ok(()) => {
                    let first = Instant::now();
                    let mut last = first;
                    loop {
                        changes.borrow_and_update();
                        tokio::select! {
                            _ = sleep_until(options.settled_at(first, last)) => break,
                            result = changes.changed() => match result {
                                Ok(()) => last = Instant::now(),
                                Err(_) => break,
                            },
                        }
                    }
                    changed = true;
                }
                Err(_) => changes_open = false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_comes_first_then_initial_until_done() {
        assert_eq!(next_step(true, true, false, false), Step::Restart);
        assert_eq!(next_step(true, false, true, true), Step::Restart);
        assert_eq!(next_step(false, false, true, false), Step::Run(Mode::Initial));
        assert_eq!(next_step(false, false, false, true), Step::Run(Mode::Initial));
        assert_eq!(next_step(false, true, true, false), Step::Run(Mode::Incremental));
        assert_eq!(next_step(false, true, false, true), Step::Run(Mode::Incremental));
        assert_eq!(next_step(false, true, false, false), Step::Wait);
        assert_eq!(next_step(false, false, false, false), Step::Wait);
    }

    #[test]
    fn a_burst_settles_after_a_quiet_spell_but_within_a_quarter_second() {
        let options = SchedulerOptions::default();
        let first = Instant::now();
        assert_eq!(options.settled_at(first, first), first + QUIET);
        let last = first + Duration::from_millis(100);
        assert_eq!(options.settled_at(first, last), last + QUIET);
        let late = first + Duration::from_millis(200);
        assert_eq!(options.settled_at(first, late), first + MAX_DELAY);
    }

    #[test]
    fn shorter_options_settle_a_burst_sooner() {
        let options = SchedulerOptions {
            quiet: Duration::from_millis(10),
            max_delay: Duration::from_millis(30),
            ..SchedulerOptions::default()
        };
        let first = Instant::now();
        assert_eq!(options.settled_at(first, first), first + Duration::from_millis(10));
        let late = first + Duration::from_millis(25);
        assert_eq!(options.settled_at(first, late), first + Duration::from_millis(30));
    }

    #[test]
    fn the_defaults_are_the_served_ones() {
        let options = SchedulerOptions::default();
        assert_eq!(
            (options.poll, options.quiet, options.max_delay),
            (POLL, QUIET, MAX_DELAY)
        );
        assert_eq!(POLL, Duration::from_secs(2));
        assert!(QUIET < MAX_DELAY && MAX_DELAY <= Duration::from_millis(250));
        assert!(options.passes.is_none());
    }

    #[test]
    fn a_restart_is_done_once() {
        let t = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0);
        assert!(!restart_pending(None, None, None));
        assert!(restart_pending(t(10), None, None));
        assert!(restart_pending(t(10), None, t(5)));
        assert!(!restart_pending(t(10), None, t(11)));
        assert!(!restart_pending(t(10), t(10), t(5)));
        assert!(restart_pending(t(20), t(10), t(30)));
    }
}
