//! xAPI statements to the company's learning record store (issue 19).
//!
//! What a learner does is written as statements into `xapi_outbox` in the
//! same transaction as the step itself (a rolled-back step records
//! nothing), each with a UUID made once, so a retried send is the same
//! statement to the LRS. The sender (`sender`) posts them in batches, in the
//! order they were written, and records each outcome. See ARCHITECTURE.md.
//!
//! The actor is an `account` (this server's address and the person's id),
//! not the email, unless the admin chose email (`--xapi-actor email`).
//! Typed replies are sent as what they were understood as (the authored
//! reply), never the learner's own words: those are shown only to them.

pub mod backfill;
pub mod sender;
pub mod statements;

use crate::api::AppError;
use crate::server::db::Db;
use crate::server::now;
use anyhow::{bail, Context};
use sqlx::AnyConnection;
use std::sync::Arc;

/// How the person appears in statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorMode {
    /// `account { homePage: public URL, name: user id }`.
    Account,
    /// `mbox: mailto:…` and the name.
    Email,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The LRS's xAPI endpoint, without a trailing slash (`…/xAPI`).
    pub endpoint: String,
    pub key: String,
    pub secret: String,
    /// `X-Experience-API-Version`.
    pub version: String,
    pub actor: ActorMode,
    /// This server's address: activity ids and the actor's home page.
    pub public_url: String,
    pub timing: crate::server::mail::Timing,
}

impl Settings {
    pub fn new(
        endpoint: &str,
        key: &str,
        secret: &str,
        public_url: &str,
    ) -> anyhow::Result<Settings> {
        let url = url::Url::parse(endpoint)
            .with_context(|| format!("--xapi-endpoint {endpoint:?} is not a URL"))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            // The secret travels in every request: in clear only to this machine.
            "http" if loopback => {}
            "http" => bail!("--xapi-endpoint must be https:// (plain http:// only to a loopback address such as a local LRS): the LRS's secret is sent with every statement"),
            _ => bail!("--xapi-endpoint must be an https:// address"),
        }
        if key.is_empty() || secret.is_empty() {
            bail!(
                "--xapi-endpoint needs --xapi-key and its secret, in RAPPORT_XAPI_SECRET or --xapi-secret-file (the LRS's client credentials)"
            );
        }
        Ok(Settings {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            secret: secret.to_owned(),
            version: "1.0.3".into(),
            actor: ActorMode::Account,
            public_url: public_url.trim_end_matches('/').to_owned(),
            timing: crate::server::mail::Timing::default(),
        })
    }
}

/// The server's xAPI: off, or on with its settings. Cheap to clone.
#[derive(Clone, Default)]
pub struct Xapi {
    on: Option<Arc<On>>,
}

struct On {
    settings: Settings,
    /// When xAPI was first turned on for this database: attempts started
    /// before it can be back-filled.
    enabled_at: i64,
    /// Makes an attempt's registration UUID from its id.
    key: Vec<u8>,
    client: reqwest::Client,
    wake: tokio::sync::Notify,
}

/// One statement, ready to queue.
#[derive(Clone, Debug)]
pub struct Statement {
    pub id: String,
    pub json: String,
}

impl Xapi {
    pub async fn start(db: &Db, settings: Settings) -> anyhow::Result<Xapi> {
        let key = crate::server::mail::shared_secret(db, "xapi_registration_key")
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the xAPI key: {e}"))?;
        let enabled_at = first_enabled(db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot record when xAPI was turned on: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot set up the HTTP client for the LRS")?;
        Ok(Xapi {
            on: Some(Arc::new(On {
                settings,
                enabled_at,
                key,
                client,
                wake: tokio::sync::Notify::new(),
            })),
        })
    }

    pub fn settings(&self) -> Option<&Settings> {
        self.on.as_ref().map(|o| &o.settings)
    }

    /// The statement builder, when xAPI is on.
    pub fn builder(&self) -> Option<statements::Builder<'_>> {
        self.on.as_ref().map(|o| statements::Builder {
            settings: &o.settings,
            key: &o.key,
            t: now(),
            fixed: None,
        })
    }

    /// A builder for back-filling one attempt: statements dated `t`, with
    /// ids that are the same every time.
    pub fn backfill_builder(&self, attempt: i64, t: i64) -> Option<statements::Builder<'_>> {
        self.on.as_ref().map(|o| statements::Builder {
            settings: &o.settings,
            key: &o.key,
            t,
            fixed: Some((attempt, std::cell::Cell::new(0))),
        })
    }

    /// When xAPI was first turned on for this database.
    pub fn enabled_at(&self) -> Option<i64> {
        self.on.as_ref().map(|o| o.enabled_at)
    }

    /// Writes statements into the outbox, in the caller's transaction.
    /// Returns how many were new (an id already queued is skipped).
    pub async fn queue(
        &self,
        conn: &mut AnyConnection,
        user_id: i64,
        statements: &[Statement],
    ) -> Result<usize, AppError> {
        if self.on.is_none() {
            return Ok(0);
        }
        let t = now();
        let mut added = 0;
        for s in statements {
            added += sqlx::query(
                "INSERT INTO xapi_outbox (user_id, statement_id, statement, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (statement_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(&s.id)
            .bind(&s.json)
            .bind(t)
            .execute(&mut *conn)
            .await?
            .rows_affected() as usize;
        }
        Ok(added)
    }

    /// Tells this instance's sender there is something to send.
    pub fn wake(&self) {
        if let Some(on) = &self.on {
            on.wake.notify_one();
        }
    }
}

/// The first time any instance started with xAPI on (kept in `server_secrets`).
async fn first_enabled(db: &Db) -> Result<i64, AppError> {
    {
        let _turn = db.write_turn().await;
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES ('xapi_enabled_at', $1) ON CONFLICT (name) DO NOTHING",
        )
        .bind(now().to_string())
        .execute(&db.pool)
        .await?;
    }
    let v: String =
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'xapi_enabled_at'")
            .fetch_one(&db.pool)
            .await?;
    Ok(v.parse().unwrap_or(0))
}

/// Statements per status, for the admin's page.
pub async fn outbox_counts(db: &Db) -> Result<Vec<(String, i64)>, AppError> {
    Ok(
        sqlx::query_as("SELECT status, COUNT(*) FROM xapi_outbox GROUP BY status ORDER BY status")
            .fetch_all(&db.pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_need_credentials_and_http() {
        assert!(Settings::new("http://127.0.0.1:8081/xAPI/", "k", "s", "https://r/").is_ok());
        let s = Settings::new("https://lrs.example.com/xAPI/", "k", "s", "https://r/").unwrap();
        assert_eq!(s.endpoint, "https://lrs.example.com/xAPI");
        assert_eq!(s.public_url, "https://r");
        assert!(Settings::new("ftp://lrs", "k", "s", "https://r").is_err());
        // The secret in clear only to this machine.
        assert!(Settings::new("http://lrs.example.com/xAPI", "k", "s", "https://r").is_err());
        assert!(Settings::new("http://localhost:8081/xAPI", "k", "s", "https://r").is_ok());
        assert!(Settings::new("http://[::1]:8081/xAPI", "k", "s", "https://r").is_ok());
        assert!(Settings::new("http://lrs", "", "s", "https://r").is_err());
        assert!(Settings::new("not a url", "k", "s", "https://r").is_err());
    }
}
