//! The xAPI sender: claims the oldest due statements (a batch, in the order
//! they were written), posts them to the LRS and records the outcome.
//!
//! - 200/204: sent. The LRS answers a repeated id with the same content as
//!   already stored, so a batch sent again after a crash changes nothing.
//! - 400 or 409 for a batch of several: each statement is sent alone to find
//!   the ones at fault; alone, it is `failed` with the LRS's reason and not
//!   retried.
//! - Anything else (5xx, 401/403, the LRS down): the batch waits and is
//!   retried with the doubling delay of the email outbox, `gave_up` after
//!   its attempts. Nothing is dropped while the LRS is away.
//! - Claims use a lease and `SKIP LOCKED` on PostgreSQL, as email does.

use super::On;
use crate::api::AppError;
use crate::server::db::Db;
use crate::server::mail::sender::backoff;
use crate::server::now;
use crate::server::pace::Foreground;
use std::time::Duration;

const BATCH: i64 = 50;

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub statement: String,
    pub attempts: i64,
}

pub async fn claim(db: &Db, lease: Duration, limit: i64) -> Result<Vec<Claimed>, AppError> {
    let t = now();
    let sql =
        crate::server::mail::sender::claim_sql(db, "xapi_outbox", "id", "id, statement, attempts");
    let _turn = db.write_turn().await;
    let mut rows: Vec<Claimed> = sqlx::query_as(&sql)
        .bind(t + lease.as_secs() as i64)
        .bind(t)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

enum Posted {
    Ok,
    /// The LRS refused the content (400, 409): its reason.
    Bad(String),
    /// Try again later.
    Later(String),
}

async fn post(on: &On, batch: &[&Claimed]) -> Posted {
    let s = &on.settings;
    let body = format!(
        "[{}]",
        batch
            .iter()
            .map(|c| c.statement.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let res = on
        .client
        .post(format!("{}/statements", s.endpoint))
        .basic_auth(&s.key, Some(&s.secret))
        .header("X-Experience-API-Version", &s.version)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await;
    match res {
        Err(e) => Posted::Later(format!("the LRS did not answer: {e}")),
        Ok(r) if r.status().is_success() => Posted::Ok,
        Ok(r) => {
            let status = r.status();
            let text: String = r
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(400)
                .collect();
            let why = format!("{status}: {text}");
            if status.as_u16() == 400 || status.as_u16() == 409 {
                Posted::Bad(why)
            } else {
                Posted::Later(why)
            }
        }
    }
}

/// An outcome to record: the row, its claim, the status and reason, and
/// when to try again (`None`: it is final).
struct Outcome<'a> {
    row: &'a Claimed,
    status: &'static str,
    error: Option<String>,
    next: Option<i64>,
}

impl<'a> Outcome<'a> {
    fn done(row: &'a Claimed, status: &'static str, error: Option<&str>) -> Self {
        Outcome {
            row,
            status,
            error: error.map(|e| e.chars().take(500).collect()),
            next: None,
        }
    }

    fn later(on: &On, row: &'a Claimed, why: &str) -> Self {
        let timing = &on.settings.timing;
        if row.attempts >= timing.max_attempts {
            Outcome::done(row, "gave_up", Some(why))
        } else {
            let mut o = Outcome::done(row, "queued", Some(why));
            o.next = Some(now() + backoff(timing.retry_base, row.attempts).as_secs() as i64);
            o
        }
    }
}

/// Records a batch's outcomes in one transaction, each only if its claim is
/// still the latest.
async fn record(db: &Db, outcomes: &[Outcome<'_>]) -> Result<(), AppError> {
    let t = now();
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    for o in outcomes {
        let q = match o.next {
            Some(next) => sqlx::query(
                "UPDATE xapi_outbox SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 \
                 WHERE id = $3 AND attempts = $4",
            )
            .bind(next),
            None => sqlx::query(
                "UPDATE xapi_outbox SET finished_at = $1, claimed_until = NULL, last_error = $2, status = $5 \
                 WHERE id = $3 AND attempts = $4",
            )
            .bind(t),
        };
        let q = q.bind(&o.error).bind(o.row.id).bind(o.row.attempts);
        let q = if o.next.is_none() {
            q.bind(o.status)
        } else {
            q
        };
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Claims one batch and sends it. Returns how many statements it handled.
pub(super) async fn send_due(db: &Db, on: &On, fg: &Foreground) -> Result<usize, AppError> {
    // A batch (its claim, post and record) gives way to requests first.
    fg.give_way().await;
    let batch = claim(db, on.settings.timing.lease, BATCH).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let all: Vec<&Claimed> = batch.iter().collect();
    let outcomes: Vec<Outcome> = match post(on, &all).await {
        Posted::Ok => batch
            .iter()
            .map(|c| Outcome::done(c, "sent", None))
            .collect(),
        Posted::Later(why) => {
            tracing::info!("xAPI statements not sent yet: {why}");
            batch.iter().map(|c| Outcome::later(on, c, &why)).collect()
        }
        Posted::Bad(why) if batch.len() == 1 => {
            tracing::warn!("the LRS refused a statement: {why}");
            vec![Outcome::done(&batch[0], "failed", Some(&why))]
        }
        Posted::Bad(_) => {
            // Find the statements at fault: each alone, in order.
            let mut out = Vec::with_capacity(batch.len());
            for c in &batch {
                out.push(match post(on, &[c]).await {
                    Posted::Ok => Outcome::done(c, "sent", None),
                    Posted::Bad(why) => {
                        tracing::warn!("the LRS refused a statement: {why}");
                        Outcome::done(c, "failed", Some(&why))
                    }
                    Posted::Later(why) => Outcome::later(on, c, &why),
                });
            }
            out
        }
    };
    record(db, &outcomes).await?;
    Ok(batch.len())
}

/// The xAPI sender of one instance.
pub async fn run(db: Db, xapi: super::Xapi, fg: Foreground) {
    let Some(on) = xapi.on.clone() else {
        return;
    };
    tracing::info!("xAPI on: statements go to {}", on.settings.endpoint);
    loop {
        match send_due(&db, &on, &fg).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("the xAPI sender could not claim statements: {e}"),
        }
        tokio::select! {
            _ = on.wake.notified() => {}
            _ = tokio::time::sleep(on.settings.timing.poll) => {}
        }
    }
}
