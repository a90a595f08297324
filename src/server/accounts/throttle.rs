//! Sign-in and invitation throttling in the database, so the limits hold
//! across instances and under concurrent requests.

use crate::api::AppError;
use crate::server::db::Db;
use crate::server::now;
use sqlx::{Any, Transaction};

/// Locks `bucket`'s row in `throttle_locks` until `tx` ends (an upsert: a
/// row lock on PostgreSQL, the database's write lock on SQLite), so that
/// what `tx` counts and records next is decided one request after another,
/// on one instance or many.
pub async fn lock_bucket(
    tx: &mut Transaction<'_, Any>,
    bucket: &str,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO throttle_locks (bucket, touched_at) VALUES ($1, $2)
         ON CONFLICT (bucket) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .bind(bucket)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a place in each bucket's window and tells whether every bucket
/// still had room. One transaction first locks each bucket's row in
/// `throttle_locks` (an upsert: a row lock on PostgreSQL, the database's
/// write lock on SQLite), then counts and records the attempt; parallel
/// attempts on a bucket, on one instance or many, are decided one after
/// another, so exactly `limit` per window get through. A refused attempt
/// records nothing. The rows stay as failures unless `release_attempt`
/// takes them back.
pub async fn reserve_attempt(
    db: &Db,
    buckets: &[(&str, i64)],
    at: i64,
    since: i64,
) -> Result<(Vec<i64>, bool), AppError> {
    let mut tx = db.begin_write().await?;
    // Always in the order given (account before address), so two attempts
    // never wait for each other's locks in a cycle.
    for (b, _) in buckets {
        lock_bucket(&mut tx, b, at).await?;
    }
    for (b, limit) in buckets {
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE bucket = $1 AND at > $2")
                .bind(*b)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        if taken >= *limit {
            tx.rollback().await?;
            return Ok((Vec::new(), false));
        }
    }
    let mut ids = Vec::with_capacity(buckets.len());
    for (b, _) in buckets {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (bucket, at) VALUES ($1, $2) RETURNING id",
        )
        .bind(*b)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok((ids, true))
}

/// Takes back the places `reserve_attempt` took (the attempt succeeded).
pub async fn release_attempt(db: &Db, ids: &[i64]) -> Result<(), AppError> {
    for id in ids {
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(*id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn clear_failures(db: &Db, bucket: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_failures WHERE bucket = $1")
        .bind(bucket)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Removes what has expired: old throttle rows, ended sessions, stale invites.
pub async fn cleanup(db: &Db, cfg: &crate::server::config::Config) -> Result<(), AppError> {
    let t = now();
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(t - cfg.throttle_window_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM throttle_locks WHERE touched_at < $1")
        .bind(t - cfg.throttle_window_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(t - cfg.session_idle_secs)
        .bind(t - cfg.session_max_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM invites WHERE expires_at < $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM sso_logins WHERE created_at < $1")
        .bind(t - crate::server::sso::LOGIN_TTL_SECS)
        .execute(&db.pool)
        .await?;
    Ok(())
}
