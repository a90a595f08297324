//! The outbox sender: claims due messages, sends each over SMTP and records
//! its outcome.
//!
//! - A claim sets `claimed_until` (the lease) and counts the attempt, in one
//!   statement; on PostgreSQL the rows are locked with `SKIP LOCKED`, so two
//!   instances never claim the same message. A sender that dies after its
//!   claim sent nothing; the message is claimed again when the lease ends.
//! - Messages of a batch are sent side by side: a refused address or a slow
//!   answer holds up only its own message.
//! - A 5xx answer is final (`failed`, with the server's words). Anything
//!   else (a 4xx, a connection that fails) is retried with a doubling delay,
//!   until `max_attempts` (`gave_up`).
//! - Each message carries a Message-ID made from its row, the same on every
//!   attempt, so the one case no outbox can close (the server accepted the
//!   message, then this process died before recording it) shows to the
//!   receiving system as the same message twice.

use super::{skip_locked, Kind, Mail, On, Security, Settings};
use crate::api::AppError;
use crate::server::db::Db;
use crate::server::now;
use crate::server::pace::Foreground;
use futures::StreamExt;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Messages sent side by side (also the SMTP connections kept open).
pub const CONCURRENCY: usize = 16;
/// Messages claimed at a time.
const BATCH: i64 = 64;

pub(super) fn transport(s: &Settings) -> anyhow::Result<Transport> {
    let t = &s.smtp;
    let builder = match t.security {
        Security::StartTls => Transport::starttls_relay(&t.host)?,
        Security::Implicit => Transport::relay(&t.host)?,
        Security::Plain => Transport::builder_dangerous(&t.host),
    };
    let mut builder = builder
        .port(t.port)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(CONCURRENCY as u32));
    if let Some((user, pass)) = &t.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(builder.build())
}

/// The statement that claims up to `$3` due rows of an outbox `table` for a
/// lease ending at `$1` (`$2`: now), counting the attempt: one statement,
/// rows locked with `SKIP LOCKED` on PostgreSQL (SQLite has one writer).
pub(crate) fn claim_sql(db: &Db, table: &str, order: &str, returning: &str) -> String {
    format!(
        "UPDATE {table} SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM {table} WHERE status = 'queued' AND next_attempt_at <= $2 \
                      AND (claimed_until IS NULL OR claimed_until <= $2) \
                      ORDER BY {order} LIMIT $3{}) \
         RETURNING {returning}",
        skip_locked(db.backend)
    )
}

/// A message a sender holds.
#[derive(sqlx::FromRow, Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub unsubscribe: Option<String>,
    /// With this claim; a later claim of the same row counts higher, so a
    /// sender whose lease ran out cannot overwrite the newer outcome.
    pub attempts: i64,
    pub created_at: i64,
}

/// Claims up to `limit` due messages for `lease`.
pub async fn claim(db: &Db, lease: Duration, limit: i64) -> Result<Vec<Claimed>, AppError> {
    let t = now();
    let sql = claim_sql(
        db,
        "outbox",
        "next_attempt_at, id",
        "id, kind, user_id, recipient, recipient_name, subject, body_text, body_html, \
         unsubscribe, attempts, created_at",
    );
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

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The server refused it for good (5xx), or the address is not one.
    Refused(String),
    /// Try again later.
    Retry(String),
    /// The person turned this kind of email off after it was queued.
    Skipped,
}

fn build(s: &Settings, m: &Claimed) -> Result<Message, String> {
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|e| format!("the sender address is not valid: {e}"))?;
    let to_addr: lettre::Address = m
        .recipient
        .parse()
        .map_err(|e| format!("{:?} is not an email address: {e}", m.recipient))?;
    let domain = from.email.domain().to_owned();
    let to = Mailbox::new(Some(m.recipient_name.clone()), to_addr);
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!(
            "<rapport.{}.{}@{domain}>",
            m.id, m.created_at
        )));
    if let Some(u) = &m.unsubscribe {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{u}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    b.multipart(MultiPart::alternative_plain_html(
        m.body_text.clone(),
        m.body_html.clone(),
    ))
    .map_err(|e| format!("the message cannot be built: {e}"))
}

/// Sends one claimed message.
pub async fn send(transport: &Transport, s: &Settings, m: &Claimed) -> Outcome {
    let msg = match build(s, m) {
        Ok(msg) => msg,
        Err(e) => return Outcome::Refused(e),
    };
    match transport.send(msg).await {
        Ok(_) => Outcome::Sent,
        Err(e) if e.is_permanent() => Outcome::Refused(e.to_string()),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// The delay before attempt `attempts + 1`.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(3600))
}

/// Records an outcome, unless a newer claim of the message exists.
/// Invitation bodies hold a sign-in link: they are erased once the message
/// is done with.
pub async fn record(db: &Db, s: &Settings, m: &Claimed, outcome: &Outcome) -> Result<(), AppError> {
    let t = now();
    let erase = "body_text = CASE WHEN kind = 'invite' THEN '' ELSE body_text END, \
                 body_html = CASE WHEN kind = 'invite' THEN '' ELSE body_html END";
    let (sql, error, next): (String, Option<&str>, i64) = match outcome {
        Outcome::Sent => (
            format!("UPDATE outbox SET status = 'sent', finished_at = $1, claimed_until = NULL, last_error = $2, {erase} WHERE id = $3 AND attempts = $4"),
            None,
            0,
        ),
        Outcome::Skipped => (
            format!("UPDATE outbox SET status = 'skipped', finished_at = $1, claimed_until = NULL, last_error = $2, {erase} WHERE id = $3 AND attempts = $4"),
            Some("turned off by the recipient"),
            0,
        ),
        Outcome::Refused(why) => (
            format!("UPDATE outbox SET status = 'failed', finished_at = $1, claimed_until = NULL, last_error = $2, {erase} WHERE id = $3 AND attempts = $4"),
            Some(why.as_str()),
            0,
        ),
        Outcome::Retry(why) if m.attempts >= s.timing.max_attempts => (
            format!("UPDATE outbox SET status = 'gave_up', finished_at = $1, claimed_until = NULL, last_error = $2, {erase} WHERE id = $3 AND attempts = $4"),
            Some(why.as_str()),
            0,
        ),
        Outcome::Retry(why) => (
            "UPDATE outbox SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3 AND attempts = $4".to_owned(),
            Some(why.as_str()),
            t + backoff(s.timing.retry_base, m.attempts).as_secs() as i64,
        ),
    };
    let first = if next > 0 { next } else { t };
    let error = error.map(|e| e.chars().take(500).collect::<String>());
    let (id, attempts) = (m.id, m.attempts);
    // Through the group commit: the outcomes of messages sent side by side
    // share one SQLite transaction, each still answered after its commit.
    db.grouped(move |tx| {
        let (sql, error) = (sql.clone(), error.clone());
        Box::pin(async move {
            sqlx::query(&sql)
                .bind(first)
                .bind(error)
                .bind(id)
                .bind(attempts)
                .execute(&mut **tx)
                .await?;
            Ok(())
        })
    })
    .await
}

/// The kinds each of these people turned off.
async fn optouts_of(db: &Db, batch: &[Claimed]) -> Result<Vec<(i64, String)>, AppError> {
    let mut ids: Vec<i64> = batch.iter().filter_map(|m| m.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT user_id, kind FROM mail_optouts WHERE user_id IN ({})",
        crate::server::sql::placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&db.pool).await?)
}

/// Claims one batch and sends it. Returns how many messages it handled.
pub(super) async fn send_due(db: &Db, on: &On, fg: &Foreground) -> Result<usize, AppError> {
    let s = &on.settings;
    let batch = claim(db, s.timing.lease, BATCH).await?;
    if batch.is_empty() {
        return Ok(0);
    }
    let off = optouts_of(db, &batch).await?;
    let n = batch.len();
    futures::stream::iter(batch)
        .for_each_concurrent(CONCURRENCY, |m| {
            let off = &off;
            async move {
                let turned_off = m
                    .user_id
                    .is_some_and(|u| off.iter().any(|(ou, k)| *ou == u && *k == m.kind))
                    && Kind::parse(&m.kind).is_some_and(Kind::optional);
                let outcome = if turned_off {
                    Outcome::Skipped
                } else {
                    fg.give_way().await;
                    send(&on.transport, s, &m).await
                };
                match &outcome {
                    Outcome::Sent | Outcome::Skipped => {}
                    Outcome::Refused(why) => tracing::warn!(id = m.id, "email refused: {why}"),
                    Outcome::Retry(why) => {
                        tracing::info!(id = m.id, attempt = m.attempts, "email not sent yet: {why}")
                    }
                }
                if let Err(e) = record(db, s, &m, &outcome).await {
                    tracing::warn!(id = m.id, "cannot record an email's outcome: {e}");
                }
            }
        })
        .await;
    Ok(n)
}

/// The sender of one instance: sends what is due, then waits to be woken
/// (a message queued here) or for the next poll (one queued elsewhere, a
/// retry coming due). Each message gives way to requests in flight first
/// (`server::pace`).
pub async fn run(db: Db, mail: Mail, fg: Foreground) {
    let Some(on) = mail.on.clone() else {
        return;
    };
    tracing::info!(
        "email on: sending through {} as {}",
        on.settings.smtp.describe(),
        on.settings.from
    );
    loop {
        match send_due(&db, &on, &fg).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("the outbox sender could not claim messages: {e}"),
        }
        tokio::select! {
            _ = on.wake.notified() => {}
            _ = tokio::time::sleep(on.settings.timing.poll) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let b = Duration::from_secs(60);
        assert_eq!(backoff(b, 1), Duration::from_secs(60));
        assert_eq!(backoff(b, 2), Duration::from_secs(120));
        assert_eq!(backoff(b, 4), Duration::from_secs(480));
        assert_eq!(backoff(b, 30), Duration::from_secs(3600));
        assert_eq!(backoff(b, 0), Duration::from_secs(60));
    }
}
