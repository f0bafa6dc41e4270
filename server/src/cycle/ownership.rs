//! Which instance runs which job: the running jobs are spread over the
//! live instances ([`crate::cycle::instances`]), each instance running at
//! most its share, `ceil(jobs / instances)`. Ownership is sticky: a job
//! stays with its instance until that instance dies, stops, or holds more
//! than its share (an instance joined); then it is free, and instances
//! below their share claim free jobs, each in its own order (rendezvous
//! hashing of instance and job), so instances claiming at once rarely
//! reach for the same one. Claims are compare-and-set statements on
//! `job_owners`, so at most one claim of a job succeeds; a job's lease
//! still keeps any two runs of it apart while ownership moves.

use std::collections::{HashMap, HashSet};

use provisio_api::jobs::status::JobHolder;
use sqlx::{AssertSqlSafe, Row as _};

use crate::ServerError;
use crate::cycle::lease::TIME_TO_LIVE;
use crate::store::{Store, database_now_ms};

/// What one instance does with ownership on a pass.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moves {
    /// Jobs this instance owns and keeps.
    pub keep: Vec<String>,
    /// Jobs this instance owns beyond its share: to give up.
    pub release: Vec<String>,
    /// Free jobs to claim, each with its owner as read (a dead instance),
    /// `None` when it had none.
    pub claim: Vec<(String, Option<String>)>,
}

/// The plan of instance `me` given the running jobs, the live instances and
/// each job's owner as read.
pub fn plan(me: &str, running: &[String], live: &[String], owners: &HashMap<String, String>) -> Moves {
    let live: HashSet<&str> = live.iter().map(String::as_str).chain([me]).collect();
    let share = running.len().div_ceil(live.len());
    let by_rank = |jobs: &mut Vec<&String>| jobs.sort_by_key(|job| std::cmp::Reverse(rank(me, job)));
    let mut mine: Vec<&String> = running
        .iter()
        .filter(|job| owners.get(*job).is_some_and(|o| o == me))
        .collect();
    by_rank(&mut mine);
    let mut free: Vec<&String> = running
        .iter()
        .filter(|job| owners.get(*job).is_none_or(|owner| !live.contains(owner.as_str())))
        .collect();
    by_rank(&mut free);
    let keep = mine.len().min(share);
    Moves {
        keep: mine[..keep].iter().map(|job| (*job).clone()).collect(),
        release: mine[keep..].iter().map(|job| (*job).clone()).collect(),
        claim: free
            .into_iter()
            .take(share - keep)
            .map(|job| (job.clone(), owners.get(job).cloned()))
            .collect(),
    }
}

/// How much `instance` wants `job` (rendezvous hashing): the same on every
/// instance, spread evenly. FNV-1a with a final mix, not the standard
/// library's hasher, whose output may change between releases.
fn rank(instance: &str, job: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in instance.bytes().chain([0]).chain(job.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // splitmix64's finaliser: FNV's low bits alone are poorly mixed.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The owners of jobs as stored.
pub async fn owners(store: &Store) -> Result<HashMap<String, String>, ServerError> {
    let rows = sqlx::query("SELECT job_id, instance_id FROM job_owners")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("job_id")?, row.try_get("instance_id")?)))
        .collect()
}

/// Carries out `moves` for instance `me`: returns the jobs it owns now
/// (those kept and those whose claim succeeded).
pub async fn apply(store: &Store, me: &str, moves: Moves) -> Result<Vec<String>, ServerError> {
    for job in &moves.release {
        sqlx::query("DELETE FROM job_owners WHERE job_id = $1 AND instance_id = $2")
            .bind(job)
            .bind(me)
            .execute(store.pool())
            .await?;
    }
    let mut owned = moves.keep;
    for (job, previous) in moves.claim {
        let claimed = match previous {
            None => {
                sqlx::query(
                    "INSERT INTO job_owners (job_id, instance_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
                )
                .bind(&job)
                .bind(me)
                .execute(store.pool())
                .await?
            }
            Some(previous) => {
                sqlx::query("UPDATE job_owners SET instance_id = $2 WHERE job_id = $1 AND instance_id = $3")
                    .bind(&job)
                    .bind(me)
                    .bind(previous)
                    .execute(store.pool())
                    .await?
            }
        };
        if claimed.rows_affected() == 1 {
            owned.push(job);
        }
    }
    Ok(owned)
}

/// The live instance that owns `job_id`, if one does.
pub async fn holder(store: &Store, job_id: &str) -> Result<Option<JobHolder>, ServerError> {
    let now = database_now_ms(store.backend());
    let sql = format!(
        "SELECT i.id, i.host, i.listen FROM job_owners o JOIN instances i ON i.id = o.instance_id \
         WHERE o.job_id = $1 AND i.heartbeat_ms >= {now} - $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(job_id)
        .bind(i64::try_from(TIME_TO_LIVE.as_millis()).unwrap_or(i64::MAX))
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| {
        Ok(JobHolder {
            instance: row.try_get("id")?,
            host: row.try_get("host")?,
            listen: row.try_get("listen")?,
        })
    })
    .transpose()
}

/// Forgets the owner of a job (deleted with it, in its transaction).
pub(crate) fn purge<'c>(
    connection: &'c mut sqlx::AnyConnection,
    job_id: &'c str,
) -> futures_util::future::BoxFuture<'c, Result<(), ServerError>> {
    Box::pin(async move {
        sqlx::query("DELETE FROM job_owners WHERE job_id = $1")
            .bind(job_id)
            .execute(connection)
            .await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("job-{i}")).collect()
    }

    /// Every instance plans and applies in turn, as their passes would,
    /// until nothing moves; returns each job's owner.
    fn settle(running: &[String], live: &[String], owners: &mut HashMap<String, String>) {
        for _ in 0..10 {
            let mut moved = false;
            for me in live {
                let moves = plan(me, running, live, owners);
                moved |= !moves.release.is_empty() || !moves.claim.is_empty();
                for job in moves.release {
                    owners.remove(&job);
                }
                for (job, previous) in moves.claim {
                    if owners.get(&job) == previous.as_ref() {
                        owners.insert(job, me.clone());
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("ownership did not settle: {owners:?}");
    }

    fn loads(live: &[String], owners: &HashMap<String, String>) -> Vec<usize> {
        live.iter()
            .map(|i| owners.values().filter(|o| *o == i).count())
            .collect()
    }

    #[test]
    fn jobs_are_spread_evenly_and_each_has_one_owner() {
        let live: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let running = jobs(6);
        let mut owners = HashMap::new();
        settle(&running, &live, &mut owners);
        assert_eq!(owners.len(), 6);
        assert_eq!(loads(&live, &owners), [2, 2, 2]);
    }

    #[test]
    fn a_lone_instance_runs_every_job_and_shares_them_when_another_joins() {
        let running = jobs(5);
        let mut owners = HashMap::new();
        settle(&running, &["a".to_owned()], &mut owners);
        assert_eq!(owners.values().filter(|o| *o == "a").count(), 5);
        let live: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let before = owners.clone();
        settle(&running, &live, &mut owners);
        assert_eq!(loads(&live, &owners), [3, 2]);
        // Sticky: only the jobs that had to move did.
        let moved = running.iter().filter(|j| before[*j] != owners[*j]).count();
        assert_eq!(moved, 2);
    }

    #[test]
    fn a_dead_instances_jobs_go_to_the_live_ones() {
        let running = jobs(6);
        let mut owners = HashMap::new();
        let three: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        settle(&running, &three, &mut owners);
        let two: Vec<String> = ["a", "b"].map(String::from).to_vec();
        settle(&running, &two, &mut owners);
        assert_eq!(loads(&two, &owners), [3, 3]);
    }

    #[test]
    fn stopped_jobs_free_their_share() {
        let live: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let mut owners = HashMap::new();
        settle(&jobs(4), &live, &mut owners);
        // Two jobs stop: each instance keeps at most its share of the rest.
        let running: Vec<String> = jobs(4).into_iter().skip(2).collect();
        let moves = plan("a", &running, &live, &owners);
        assert!(moves.keep.len() + moves.claim.len() <= 1);
    }

    #[test]
    fn ranks_are_stable_and_differ_by_instance() {
        assert_eq!(rank("a", "job"), rank("a", "job"));
        assert_ne!(rank("a", "job"), rank("b", "job"));
        assert_ne!(rank("ab", "c"), rank("a", "bc"));
    }
}
