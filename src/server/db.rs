//! The database: one code path for SQLite and PostgreSQL through `sqlx::Any`
//! (see ARCHITECTURE.md for why). Queries use `$1` placeholders, integers are
//! `i64`, flags are integers 0/1 and time is Unix seconds.

mod group;
pub mod health;

pub use group::Tx;
pub use health::{is_outage, Health};

use crate::api::AppError;
use anyhow::{bail, Context};
use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite has one writer at a time; hot write paths queue here instead
    /// of in SQLite's busy handler, which sleeps in steps of milliseconds.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite's group commit for the learner's hot writes (see `group`).
    group: Option<group::GroupWriter>,
    /// Whether the database answers and writes (see `health`).
    pub health: std::sync::Arc<Health>,
}

/// How long a request waits for a pooled connection before it is answered
/// 503. A database that went away does not make requests wait this long:
/// the probe (see `health`) finds it within a quarter of a second and
/// every waiting request is answered then. This bounds the rest: a pool
/// that cannot keep up (a burst of hundreds of writes queueing on one
/// row). `RAPPORT_DB_ACQUIRE_MS` changes it.
fn acquire_timeout() -> Duration {
    let ms = std::env::var("RAPPORT_DB_ACQUIRE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(3000);
    Duration::from_millis(ms.max(50))
}

/// Whether a connection coming back to the pool is fit to be reused. One
/// still inside a transaction is not: SQLite rolls a transaction back by
/// itself on `SQLITE_FULL` or an I/O error, the driver's `ROLLBACK` then
/// fails and it keeps counting the connection as inside one, so every
/// later `BEGIN` on it would fail ("non-zero transaction depth") until a
/// restart. Such a connection is closed; the pool opens a fresh one.
async fn fit_for_reuse(conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped transaction's `ROLLBACK` may still be queued on the
    // connection: a round trip lets it run, then the count is exact.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("a connection came back inside a transaction: closed, not reused");
        return Ok(false);
    }
    Ok(true)
}

/// Hides the password of a database URL for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        bail!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
            redact(url)
        )
    }
}

/// For SQLite, makes sure the folder of the file exists and is writable, so
/// that a bad path gives one clear message instead of a driver error.
fn prepare_sqlite_path(url: &str) -> anyhow::Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
        let probe = dir.join(".rapport-write-test");
        std::fs::write(&probe, b"")
            .with_context(|| format!("the database folder {} is not writable", dir.display()))?;
        let _ = std::fs::remove_file(probe);
    }
    // mode=rwc creates the file when it does not exist yet.
    Ok(if url.contains('?') {
        url.to_owned()
    } else {
        format!("sqlite://{path}?mode=rwc")
    })
}

/// Creates the PostgreSQL database named in the URL when the server has no
/// such database yet, so `DATABASE_URL=postgres://…/rapport rapport serve`
/// works on an empty server.
async fn ensure_postgres_database(url: &str) -> anyhow::Result<()> {
    use sqlx::migrate::MigrateDatabase;
    let exists = sqlx::Any::database_exists(url)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
    if !exists {
        sqlx::Any::create_database(url)
            .await
            .with_context(|| format!("cannot create the database at {}", redact(url)))?;
        tracing::info!("created the database at {}", redact(url));
    }
    Ok(())
}

/// Connects, applies the settings each backend needs and runs the migrations.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let backend = backend_of(url)?;
    let url = match backend {
        Backend::Sqlite => prepare_sqlite_path(url)?,
        Backend::Postgres => {
            ensure_postgres_database(url).await?;
            url.to_owned()
        }
    };
    let opts = AnyConnectOptions::from_str(&url)
        .with_context(|| format!("invalid database URL {}", redact(&url)))?;
    let pool = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(acquire_timeout())
        // An embedded file's connection cannot drop like a network one: the
        // ping sqlx sends on every acquire would only double the round trips
        // to SQLite's worker thread (each a pair of thread wake-ups).
        .test_before_acquire(backend == Backend::Postgres)
        .after_release(|conn, _meta| Box::pin(fit_for_reuse(conn)))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; FULL sync makes
                    // every acknowledged write survive a crash; the busy
                    // timeout makes writers queue instead of failing.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(opts.clone())
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(&url)))?;
    let writer = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    // RAPPORT_GROUP_COMMIT=off: a transaction per write on SQLite too, to
    // compare (`cargo bench --bench learn_load`).
    let grouping = std::env::var("RAPPORT_GROUP_COMMIT").map_or(true, |v| v != "off");
    let health = std::sync::Arc::new(Health::default());
    let group = (backend == Backend::Sqlite && grouping)
        .then(|| group::GroupWriter::start(pool.clone(), writer.clone(), health.clone()));
    let db = Db {
        pool,
        backend,
        writer,
        group,
        health,
    };
    db.migrate().await?;
    health::start_probe(
        db.pool.clone(),
        opts,
        &db.health,
        db.writer.clone(),
        backend == Backend::Sqlite,
    );
    Ok(db)
}

impl Db {
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("cannot apply the database migrations")?;
        Ok(())
    }

    /// On SQLite, waits for this instance's turn to write (hold the guard
    /// until the transaction is committed); on PostgreSQL, returns at once.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`, queueing behind other writers for up
    /// to the busy timeout): a deferred transaction that reads first and
    /// writes later fails with `SQLITE_BUSY` at once when another
    /// connection wrote in between, and no timeout helps it. On PostgreSQL a
    /// plain `BEGIN`.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Runs `work` in a transaction that writes and answers after its
    /// commit. On SQLite the transaction is the next group commit, shared
    /// with the other jobs waiting (see `group`): `work` runs after any of
    /// them, so it must read what it depends on inside the transaction, as
    /// every write here does, and it may run twice (when another job of its
    /// group fails), so it must do nothing but database work. An `Err`
    /// undoes `work`'s writes only. On PostgreSQL, a transaction of its own.
    pub async fn grouped<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut Tx) -> BoxFuture<'t, Result<T, AppError>> + Send + Sync + 'static,
    {
        if let Some(group) = &self.group {
            return group.submit(work).await;
        }
        let mut tx = self.begin_write().await.inspect_err(|e| self.note(e))?;
        let out = work(&mut tx).await?;
        tx.commit().await.inspect_err(|e| self.note(e))?;
        self.health.write_succeeded();
        Ok(out)
    }

    /// On SQLite, the groups committed, the jobs they held and the groups
    /// that ran again with savepoints, so far.
    pub fn group_stats(&self) -> Option<(u64, u64, u64)> {
        self.group.as_ref().map(|g| g.stats())
    }

    /// Records a failed begin or commit that means the database cannot
    /// write now (for `/healthz`).
    fn note(&self, e: &sqlx::Error) {
        if is_outage(e) {
            self.health.write_failed(e);
        }
    }

    /// A cheap round trip, for `/healthz`: an error when there is no
    /// answer within 0.8 s (a pool that waits for a connection included).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(Duration::from_millis(800), ping).await {
            Ok(done) => done.map(|_| ()),
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }
}
