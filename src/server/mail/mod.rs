//! Email to people outside the app: reminders, invitations, certificates
//! and digests (issue 19).
//!
//! An event writes its message into the `outbox` table in the same
//! transaction as the event itself (`Mail::queue`), rendered once, so a
//! rolled-back event sends nothing and a committed one is never lost. The
//! sender (`sender`) claims due messages, sends them over SMTP and records
//! each outcome; it runs in every app instance and claims with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has one writer), so each
//! message goes to one sender. See ARCHITECTURE.md for the delivery rules.

mod render;
pub mod schedule;
pub mod sender;
mod token;

use crate::api::AppError;
use crate::server::db::{Backend, Db};
use crate::server::now;
use anyhow::{bail, Context};
pub use render::Body;
use sqlx::AnyConnection;
use std::sync::Arc;
use std::time::Duration;
pub(crate) use token::{hmac, shared_secret};

/// The kinds of email, each of which a person can turn off (except
/// invitations, which go to someone who cannot sign in yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A manager's "Remind the overdue".
    Nudge,
    /// A few days before a due date.
    DueSoon,
    /// On the day a course becomes overdue.
    Overdue,
    /// A manager's weekly digest of their teams.
    Digest,
    /// A certificate on completing a course.
    Certificate,
    /// An invitation or password-reset link.
    Invite,
}

impl Kind {
    pub const OPTIONAL: [Kind; 5] = [
        Kind::Nudge,
        Kind::DueSoon,
        Kind::Overdue,
        Kind::Digest,
        Kind::Certificate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nudge => "nudge",
            Kind::DueSoon => "due_soon",
            Kind::Overdue => "overdue",
            Kind::Digest => "digest",
            Kind::Certificate => "certificate",
            Kind::Invite => "invite",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Invite]
            .into_iter()
            .chain(Kind::OPTIONAL)
            .find(|k| k.as_str() == s)
    }

    /// How the kind is named on *My account* and on the unsubscribe page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Nudge => "Reminders from my manager about overdue courses",
            Kind::DueSoon => "A reminder a few days before a course is due",
            Kind::Overdue => "A reminder on the day a course becomes overdue",
            Kind::Digest => "The weekly digest of my teams (managers)",
            Kind::Certificate => "My certificate when I complete a course",
            Kind::Invite => "Invitations and password links",
        }
    }

    pub fn optional(self) -> bool {
        self != Kind::Invite
    }
}

/// Where and how the outbox sends, parsed from the command line.
#[derive(Clone, Debug)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://` to a loopback host (a local relay, a test server): no TLS.
    Plain,
}

impl SmtpTarget {
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtps://…` (TLS),
    /// plain `smtp://` only to a loopback host.
    pub fn parse(raw: &str) -> anyhow::Result<SmtpTarget> {
        let url = url::Url::parse(raw).with_context(|| {
            format!(
                "--smtp-url {:?} is not a URL (e.g. smtp://user:pass@mail.example.com:587)",
                redact(raw)
            )
        })?;
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => bail!("--smtp-url needs a host"),
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback());
        let (security, default_port) = match url.scheme() {
            "smtps" => (Security::Implicit, 465),
            "smtp" if loopback => (Security::Plain, 25),
            "smtp" => (Security::StartTls, 587),
            other => bail!("--smtp-url must start with smtp:// or smtps://, not {other}://"),
        };
        let decode = |s: &str| {
            percent_decode(s).with_context(|| "--smtp-url: the user or password is not valid UTF-8")
        };
        let credentials = if url.username().is_empty() {
            None
        } else {
            Some((
                decode(url.username())?,
                decode(url.password().unwrap_or(""))?,
            ))
        };
        Ok(SmtpTarget {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            credentials,
        })
    }

    /// For the admin's settings page and the logs: no password.
    pub fn describe(&self) -> String {
        let how = match self.security {
            Security::StartTls => "STARTTLS",
            Security::Implicit => "TLS",
            Security::Plain => "no TLS (loopback)",
        };
        format!("{}:{} ({how})", self.host, self.port)
    }
}

fn percent_decode(s: &str) -> anyhow::Result<String> {
    Ok(percent_encoding::percent_decode_str(s)
        .decode_utf8()?
        .into_owned())
}

/// An SMTP URL with its password hidden.
pub fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// The outbox's timing, adjustable for tests.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The first retry after a temporary failure; each later one doubles,
    /// up to an hour.
    pub retry_base: Duration,
    /// How long a sender holds a claimed message.
    pub lease: Duration,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
    /// How often the sender looks for due messages when nothing woke it.
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            retry_base: Duration::from_secs(60),
            lease: Duration::from_secs(300),
            max_attempts: 8,
            poll: Duration::from_secs(5),
        }
    }
}

/// Email settings of a running server.
#[derive(Clone, Debug)]
pub struct Settings {
    pub smtp: SmtpTarget,
    /// `Name <address>` of the sender.
    pub from: String,
    /// The address people use, without a trailing slash, for links.
    pub public_url: String,
    pub timing: Timing,
    /// Days before a due date for the reminder.
    pub due_soon_days: i64,
}

impl Settings {
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> anyhow::Result<Settings> {
        let smtp = SmtpTarget::parse(smtp_url)?;
        from.parse::<lettre::message::Mailbox>().with_context(|| {
            format!(
                "--mail-from {from:?} is not an address like \"Rapport <training@example.com>\""
            )
        })?;
        Ok(Settings {
            smtp,
            from: from.to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            timing: Timing::default(),
            due_soon_days: 3,
        })
    }
}

/// The server's email: off (no SMTP configured), or its settings and the
/// key that signs unsubscribe links. Cheap to clone.
#[derive(Clone, Default)]
pub struct Mail {
    on: Option<Arc<On>>,
}

struct On {
    settings: Settings,
    key: Vec<u8>,
    transport: sender::Transport,
    /// Wakes this instance's sender when a message was queued here.
    wake: tokio::sync::Notify,
}

impl Mail {
    /// Email on: reads (or makes) the signing key every instance shares.
    pub async fn start(db: &Db, settings: Settings) -> anyhow::Result<Mail> {
        let transport = sender::transport(&settings)
            .with_context(|| format!("cannot set up SMTP to {}", settings.smtp.describe()))?;
        let key = token::shared_secret(db, "unsubscribe_key")
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the unsubscribe key: {e}"))?;
        Ok(Mail {
            on: Some(Arc::new(On {
                settings,
                key,
                transport,
                wake: tokio::sync::Notify::new(),
            })),
        })
    }

    pub fn settings(&self) -> Option<&Settings> {
        self.on.as_ref().map(|o| &o.settings)
    }

    /// An absolute link to a path of the app.
    pub fn link(&self, path: &str) -> Option<String> {
        self.settings().map(|s| format!("{}{path}", s.public_url))
    }

    /// The token of the unsubscribe link for a person and kind.
    pub fn unsubscribe_token(&self, user_id: i64, kind: Kind) -> Option<String> {
        self.on.as_ref().map(|o| token::sign(&o.key, user_id, kind))
    }

    /// Whose kind of email an unsubscribe token stops, if it is genuine.
    pub fn verify_unsubscribe(&self, t: &str) -> Option<(i64, Kind)> {
        self.on.as_ref().and_then(|o| token::verify(&o.key, t))
    }

    /// Writes a message into the outbox, in the caller's transaction. Does
    /// nothing when email is off, when the person turned this kind off, or
    /// when a message with the same `dedupe` key exists. True if queued.
    pub async fn queue(&self, conn: &mut AnyConnection, m: Outgoing<'_>) -> Result<bool, AppError> {
        let Some(on) = &self.on else {
            return Ok(false);
        };
        let org: Option<String> = sqlx::query_scalar("SELECT name FROM organisation WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
        let org = org.unwrap_or_else(|| "Rapport".into());
        let unsubscribe = m
            .kind
            .optional()
            .then(|| {
                m.user_id.map(|u| {
                    format!(
                        "{}/unsubscribe/{}",
                        on.settings.public_url,
                        token::sign(&on.key, u, m.kind)
                    )
                })
            })
            .flatten();
        let (text, html) = render::render(
            &org,
            &on.settings.public_url,
            m.to_name,
            &m.body,
            unsubscribe.as_deref(),
            m.kind,
        );
        let t = now();
        let done = sqlx::query(
            "INSERT INTO outbox (kind, user_id, recipient, recipient_name, subject, body_text, body_html, \
             unsubscribe, dedupe_key, next_attempt_at, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10 \
             WHERE NOT EXISTS (SELECT 1 FROM mail_optouts o WHERE o.user_id = $2 AND o.kind = $1) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(m.kind.as_str())
        .bind(m.user_id)
        .bind(m.to)
        .bind(m.to_name)
        .bind(&m.subject)
        .bind(text)
        .bind(html)
        .bind(unsubscribe)
        .bind(m.dedupe)
        .bind(t)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Tells this instance's sender that there is something to send (after
    /// the queuing transaction committed).
    pub fn wake(&self) {
        if let Some(on) = &self.on {
            on.wake.notify_one();
        }
    }
}

/// A message to queue.
pub struct Outgoing<'a> {
    pub kind: Kind,
    pub user_id: Option<i64>,
    pub to: &'a str,
    pub to_name: &'a str,
    pub subject: String,
    pub body: Body,
    pub dedupe: Option<String>,
}

/// The kinds a person has turned off.
pub async fn optouts(db: &Db, user_id: i64) -> Result<Vec<Kind>, AppError> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT kind FROM mail_optouts WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().filter_map(|k| Kind::parse(k)).collect())
}

/// Sets several kinds at once (`true`: turned off), in one transaction.
pub async fn set_optouts(db: &Db, user_id: i64, choices: &[(Kind, bool)]) -> Result<(), AppError> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    for (kind, off) in choices {
        if *off {
            sqlx::query(
                "INSERT INTO mail_optouts (user_id, kind, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, kind) DO NOTHING",
            )
            .bind(user_id)
            .bind(kind.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("DELETE FROM mail_optouts WHERE user_id = $1 AND kind = $2")
                .bind(user_id)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Messages per status.
pub async fn outbox_counts(db: &Db) -> Result<Vec<(String, i64)>, AppError> {
    Ok(
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// The most recent messages, of one status or all.
pub async fn outbox_recent(
    db: &Db,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<crate::api::mail::OutboxRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, created_at, kind, recipient, subject, status, attempts, last_error, finished_at \
         FROM outbox WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(status.unwrap_or(""))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// What `Backend` the claim SQL is written for.
fn skip_locked(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let t = SmtpTarget::parse("smtp://me%40x.org:p%2Fw+d@mail.example.com").unwrap();
        assert_eq!(t.security, Security::StartTls);
        assert_eq!(t.port, 587);
        assert_eq!(t.credentials, Some(("me@x.org".into(), "p/w+d".into())));
        let t = SmtpTarget::parse("smtps://mail.example.com").unwrap();
        assert_eq!((t.security, t.port), (Security::Implicit, 465));
        let t = SmtpTarget::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((t.security, t.port), (Security::Plain, 2525));
        assert!(t.credentials.is_none());
        assert_eq!(
            SmtpTarget::parse("smtp://localhost").unwrap().security,
            Security::Plain
        );
        assert!(SmtpTarget::parse("http://mail.example.com").is_err());
        assert!(SmtpTarget::parse("not a url").is_err());
        assert_eq!(redact("smtp://u:secret@h:587"), "smtp://u:***@h:587");
    }

    #[test]
    fn kinds_round_trip() {
        for k in [Kind::Invite].into_iter().chain(Kind::OPTIONAL) {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("other"), None);
        assert!(!Kind::Invite.optional());
    }

    #[test]
    fn settings_check_the_sender() {
        assert!(Settings::new(
            "smtp://127.0.0.1:25",
            "Rapport <t@example.com>",
            "http://x/"
        )
        .is_ok());
        assert!(Settings::new("smtp://127.0.0.1:25", "not an address", "http://x").is_err());
        let s = Settings::new("smtp://127.0.0.1:25", "t@example.com", "http://x/").unwrap();
        assert_eq!(s.public_url, "http://x");
    }
}
