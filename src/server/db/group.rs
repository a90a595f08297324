//! Group commit on SQLite. The learner's hot writes (starting an attempt,
//! saving a step) hand their work to one writer task, which runs every job
//! that is waiting in one transaction and commits once: one `fsync` for the
//! whole group instead of one per step. Each caller gets its answer only
//! after the commit that made its work durable, so durability is exactly
//! that of one transaction per step (`synchronous = FULL`).
//!
//! A group first runs its jobs one after the other with nothing between
//! them (three statements for a step instead of five). When every job
//! succeeds, that is the group. When one fails (a replayed or stale step,
//! a panic), the whole transaction is rolled back and the group runs again
//! with each job inside its own savepoint, so the failed job undoes only
//! itself and the others are kept: a job must therefore be safe to run
//! twice, which it is as long as it only writes to the database. A job
//! that panicked is not run again. A commit that fails fails every job of
//! the group, and none of them was acknowledged.
//!
//! The writer does not wait to fill a group: it takes what is queued, and
//! what arrives while a group commits forms the next one. One learner alone
//! pays one commit, as before; a hundred share a handful.

use super::health::{is_outage, Health};
use crate::api::AppError;
use crate::server::sql::internal;
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{Any, AnyPool, Transaction};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// The transaction a job writes in.
pub type Tx = Transaction<'static, Any>;

/// At most this many jobs share one commit: bounds how long one group holds
/// the write lock, and how much one failed commit turns away.
const MAX_GROUP: usize = 64;
/// Jobs waiting for the writer; a caller beyond this waits to hand its job in.
const QUEUE: usize = 1024;

/// Runs a job's work once more in the given transaction; whether it succeeded.
type Run = Box<dyn for<'t> FnMut(&'t mut Tx) -> BoxFuture<'t, bool> + Send>;

/// One caller's work, type-erased: `run` runs it in the group's transaction
/// (keeping its result for `answer`) and says whether it succeeded; `answer`
/// hands the caller that result once the group's commit is known.
struct Job {
    run: Run,
    answer: Box<dyn FnOnce(Result<(), AppError>) + Send>,
    panicked: bool,
}

impl Job {
    /// Runs the job; whether to keep its writes (false after a panic too).
    async fn attempt(&mut self, tx: &mut Tx) -> bool {
        match AssertUnwindSafe((self.run)(tx)).catch_unwind().await {
            Ok(kept) => kept,
            Err(_) => {
                tracing::error!("a write job panicked; its writes are rolled back");
                self.panicked = true;
                false
            }
        }
    }
}

#[derive(Clone)]
pub(super) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
    stats: Arc<Stats>,
}

/// How many groups were committed, how many jobs they held and how many
/// groups had to run again with savepoints, for the load benchmark and the
/// tests.
#[derive(Debug, Default)]
pub(super) struct Stats {
    groups: AtomicU64,
    jobs: AtomicU64,
    reruns: AtomicU64,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter").finish_non_exhaustive()
    }
}

impl GroupWriter {
    /// Starts the writer task. `turn` is the lock every SQLite writer of this
    /// instance takes, so a group and the other writes take turns instead of
    /// meeting in SQLite's busy handler.
    pub(super) fn start(pool: AnyPool, turn: Arc<Mutex<()>>, health: Arc<Health>) -> GroupWriter {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(Stats::default());
        tokio::spawn(run(pool, turn, queue, stats.clone(), health));
        GroupWriter { jobs, stats }
    }

    /// Groups committed, the jobs they held, and the groups run twice.
    pub(super) fn stats(&self) -> (u64, u64, u64) {
        (
            self.stats.groups.load(Ordering::Relaxed),
            self.stats.jobs.load(Ordering::Relaxed),
            self.stats.reruns.load(Ordering::Relaxed),
        )
    }

    /// Runs `work` in the next group and answers after its commit. `work`
    /// may run twice (see the module's comment): it must only write to the
    /// database.
    pub(super) async fn submit<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut Tx) -> BoxFuture<'t, Result<T, AppError>> + Send + Sync + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, AppError>>();
        let out = Arc::new(std::sync::Mutex::new(None::<Result<T, AppError>>));
        let (work, slot) = (Arc::new(work), out.clone());
        let job = Job {
            run: Box::new(move |tx: &mut Tx| {
                let (work, slot) = (work.clone(), slot.clone());
                Box::pin(async move {
                    let result = work(tx).await;
                    let kept = result.is_ok();
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(result);
                    }
                    kept
                })
            }),
            answer: Box::new(move |committed| {
                let result = out.lock().ok().and_then(|mut s| s.take());
                let _ = reply.send(match (committed, result) {
                    (Ok(()), Some(result)) => result,
                    (Err(e), _) => Err(e),
                    (Ok(()), None) => Err(AppError::Internal),
                });
            }),
            panicked: false,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| internal("the database writer has stopped"))?;
        // Dropped unanswered: the job panicked or its group could not begin
        // (both logged by the writer).
        answer.await.unwrap_or(Err(AppError::Internal))
    }
}

async fn run(
    pool: AnyPool,
    turn: Arc<Mutex<()>>,
    mut queue: mpsc::Receiver<Job>,
    stats: Arc<Stats>,
    health: Arc<Health>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let _turn = turn.lock().await;
        let n = group.len() as u64;
        let g = Group {
            pool: &pool,
            stats: &stats,
            health: &health,
        };
        if g.commit_group(std::mem::take(&mut group)).await {
            stats.groups.fetch_add(1, Ordering::Relaxed);
            stats.jobs.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// What a group's writer works with.
struct Group<'a> {
    pool: &'a AnyPool,
    stats: &'a Stats,
    health: &'a Health,
}

impl Group<'_> {
    /// Runs and commits one group; whether it was committed.
    async fn commit_group(&self, mut jobs: Vec<Job>) -> bool {
        let mut tx = match self.begin().await {
            Ok(tx) => tx,
            Err(e) => return answer(jobs, Err(e)),
        };
        let mut failed = false;
        for job in jobs.iter_mut() {
            if !job.attempt(&mut tx).await {
                failed = true;
                break;
            }
        }
        if !failed {
            return self.commit(tx, jobs).await;
        }
        // Rolled back here, not on drop, so the next `BEGIN IMMEDIATE` does not
        // meet this one's lock.
        let _ = tx.rollback().await;
        if jobs.len() == 1 {
            // Alone, its own error is its answer; nothing else to keep.
            let job = jobs.pop().expect("one job");
            if job.panicked {
                return false;
            }
            (job.answer)(Ok(()));
            return true;
        }
        self.stats.reruns.fetch_add(1, Ordering::Relaxed);
        let mut tx = match self.begin().await {
            Ok(tx) => tx,
            Err(e) => return answer(jobs, Err(e)),
        };
        let mut answered = Vec::with_capacity(jobs.len());
        for mut job in jobs {
            if job.panicked {
                // Not run again; dropping it answers its caller with an error.
                continue;
            }
            if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *tx).await {
                tracing::error!(error = %e, "cannot open a savepoint");
                answered.push(job);
                return answer(answered, Err(self.failed(&e)));
            }
            let keep = job.attempt(&mut tx).await;
            let close = if keep {
                sqlx::query("RELEASE job").execute(&mut *tx).await
            } else {
                let undone = sqlx::query("ROLLBACK TO job").execute(&mut *tx).await;
                match undone {
                    Ok(_) => sqlx::query("RELEASE job").execute(&mut *tx).await,
                    Err(e) => Err(e),
                }
            };
            if let Err(e) = close {
                tracing::error!(error = %e, "cannot close a savepoint");
                answered.push(job);
                return answer(answered, Err(self.failed(&e)));
            }
            if !job.panicked {
                answered.push(job);
            }
        }
        self.commit(tx, answered).await
    }

    async fn begin(&self) -> Result<Tx, AppError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| {
            tracing::error!(error = %e, "cannot begin a group of writes");
            self.failed(&e)
        })
    }

    /// Commits and answers every job; whether the commit succeeded.
    async fn commit(&self, tx: Tx, jobs: Vec<Job>) -> bool {
        let committed = match tx.commit().await {
            Ok(()) => {
                self.health.write_succeeded();
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "a group of writes could not be committed");
                Err(self.failed(&e))
            }
        };
        answer(jobs, committed)
    }

    /// The answer for the jobs of a group that could not be written: 503
    /// when the database cannot write now (recorded for `/healthz`).
    fn failed(&self, e: &sqlx::Error) -> AppError {
        if is_outage(e) {
            self.health.write_failed(e);
            AppError::Unavailable
        } else {
            AppError::Internal
        }
    }
}

/// Answers every job with the group's outcome; whether it was a commit.
fn answer(jobs: Vec<Job>, committed: Result<(), AppError>) -> bool {
    let ok = committed.is_ok();
    for job in jobs {
        (job.answer)(committed.clone());
    }
    ok
}

#[cfg(test)]
mod tests {
    use crate::api::AppError;
    use crate::server::db::{connect, Db};

    async fn scratch() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = connect(&format!("sqlite://{}/group.db", dir.path().display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE scratch (n INTEGER PRIMARY KEY)")
            .execute(&db.pool)
            .await
            .unwrap();
        (db, dir)
    }

    async fn insert(db: &Db, n: i64, fail: bool) -> Result<i64, AppError> {
        db.grouped(move |tx| {
            Box::pin(async move {
                sqlx::query("INSERT INTO scratch (n) VALUES ($1)")
                    .bind(n)
                    .execute(&mut **tx)
                    .await?;
                if fail {
                    return Err(AppError::Conflict(format!("{n} refused")));
                }
                Ok(n)
            })
        })
        .await
    }

    async fn stored(db: &Db) -> Vec<i64> {
        sqlx::query_scalar("SELECT n FROM scratch ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_share_commits_and_a_failed_one_undoes_only_itself() {
        let (db, _dir) = scratch().await;
        let tasks: Vec<_> = (0..300i64)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { (n, insert(&db, n, n % 3 == 0).await) })
            })
            .collect();
        for t in tasks {
            let (n, result) = t.await.unwrap();
            match result {
                Ok(got) => assert_eq!(got, n),
                Err(AppError::Conflict(m)) => {
                    assert_eq!(n % 3, 0);
                    assert_eq!(m, format!("{n} refused"));
                }
                Err(e) => panic!("{n}: {e:?}"),
            }
        }
        // What was answered Ok is stored, and nothing else.
        let want: Vec<i64> = (0..300).filter(|n| n % 3 != 0).collect();
        assert_eq!(stored(&db).await, want);
        let (groups, jobs, reruns) = db.group_stats().unwrap();
        assert_eq!(jobs, 300);
        assert!(groups < jobs, "300 jobs at once took {groups} commits");
        assert!(
            reruns > 0,
            "a group with a failed job runs again with savepoints"
        );
        // Jobs that all succeed share commits without savepoints: no group
        // runs twice.
        let tasks: Vec<_> = (1000..1300i64)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { insert(&db, n, false).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (groups_after, _, reruns_after) = db.group_stats().unwrap();
        assert_eq!(reruns_after, reruns);
        assert!(groups_after - groups < 300);
        assert_eq!(stored(&db).await.len(), want.len() + 300);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_comes_after_the_commit_and_a_panic_is_contained() {
        let (db, _dir) = scratch().await;
        // Answered Ok means committed: another connection sees it at once.
        insert(&db, 1, false).await.unwrap();
        assert_eq!(stored(&db).await, vec![1]);
        // A job that panics gets an error; its writes are undone; the
        // writer carries on.
        let panicked = db
            .grouped(|tx| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO scratch (n) VALUES (2)")
                        .execute(&mut **tx)
                        .await?;
                    if std::hint::black_box(true) {
                        panic!("a bug in a job");
                    }
                    Ok(())
                })
            })
            .await;
        assert!(matches!(panicked, Err(AppError::Internal)));
        insert(&db, 3, false).await.unwrap();
        // A unique violation is the job's own error, not the group's.
        assert!(insert(&db, 3, false).await.is_err());
        insert(&db, 4, false).await.unwrap();
        assert_eq!(stored(&db).await, vec![1, 3, 4]);
    }
}
