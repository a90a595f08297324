//! Single sign-on through OpenID Connect (issue 20).
//!
//! - `providers`: the identity providers an admin configured (or
//!   `--sso-config` brought), checked by discovery when saved.
//! - `flow`: the authorization code flow with PKCE, `state` and `nonce`;
//!   the ID token verified (signature, issuer, audience, expiry, nonce) by
//!   the `openidconnect` crate; the person found by (issuer, subject), by
//!   verified email on a first sign-in, or created when the provider allows.
//!
//! Nothing is kept in memory between the two halves of a sign-in: the
//! pending sign-in is a row of `sso_logins` (the state stored as its
//! SHA-256), deleted by the callback that uses it, so any instance can take
//! the callback and a replayed state finds nothing. Discovery documents and
//! keys are cached per instance for ten minutes, fetched again at once when
//! a token names a key the cache does not have.

pub mod flow;
mod person;
pub mod providers;

use crate::api::AppError;
use openidconnect::core::CoreProviderMetadata;
use openidconnect::IssuerUrl;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use providers::Provider;

/// How long a discovery document and its keys are trusted before they are
/// fetched again.
const METADATA_TTL: Duration = Duration::from_secs(600);
/// How long a person may take at their provider.
pub const LOGIN_TTL_SECS: i64 = 600;

/// Shared by every request of an instance. Cheap to clone.
#[derive(Clone)]
pub struct Sso {
    http: openidconnect::reqwest::Client,
    metadata: Arc<Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>>,
    /// The origins pages let forms lead to (CSP `form-action`), read from
    /// the providers at most every few seconds.
    form_origins: Arc<Mutex<(Instant, String)>>,
    refreshing: Arc<std::sync::atomic::AtomicBool>,
}

impl Default for Sso {
    fn default() -> Self {
        // Never follow redirects (the crate's advice against SSRF), and
        // never wait long for a provider.
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the HTTP client for single sign-on");
        Sso {
            http,
            metadata: Arc::default(),
            form_origins: Arc::new(Mutex::new((
                Instant::now() - Duration::from_secs(3600),
                String::new(),
            ))),
            refreshing: Arc::default(),
        }
    }
}

/// Why a provider could not be reached or read, in words for a page.
fn describe_discovery<E: std::error::Error>(issuer: &str, e: &E) -> String {
    let mut why = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        why.push_str(": ");
        why.push_str(&s.to_string());
        src = s.source();
    }
    let why: String = why.chars().take(300).collect();
    format!(
        "Rapport could not read {}/.well-known/openid-configuration ({why}). Check the issuer URL, or try again if the provider is down.",
        issuer.trim_end_matches('/')
    )
}

impl Sso {
    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

    /// The provider's discovery document (and keys), from the cache unless
    /// it is older than ten minutes or `fresh` asks for a new one.
    pub async fn metadata(
        &self,
        issuer: &str,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, String> {
        if !fresh {
            let cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, m)) = cache.get(issuer) {
                if at.elapsed() < METADATA_TTL {
                    return Ok(m.clone());
                }
            }
        }
        let url = IssuerUrl::new(issuer.to_owned()).map_err(|e| describe_discovery(issuer, &e))?;
        let m = CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| describe_discovery(issuer, &e))?;
        let mut cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 100 {
            cache.clear();
        }
        cache.insert(issuer.to_owned(), (Instant::now(), m.clone()));
        Ok(m)
    }

    /// Forgets a provider's cached document (after its settings change).
    pub fn forget(&self, issuer: &str) {
        let mut cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        cache.remove(issuer);
    }

    /// The providers' sign-in origins for the pages' `form-action` (a form
    /// that leads to a provider, directly or by redirect, needs its origin
    /// there), ready for the policy. Answers from memory at once; when the
    /// list is older than 5 seconds, one task reads it again in the
    /// background (providers saved on another instance).
    pub fn form_origins(&self, db: &crate::server::db::Db) -> String {
        let (stale, list) = {
            let cached = self.form_origins.lock().unwrap_or_else(|e| e.into_inner());
            (
                cached.0.elapsed() >= Duration::from_secs(5),
                cached.1.clone(),
            )
        };
        if stale
            && !self
                .refreshing
                .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            let (this, db) = (self.clone(), db.clone());
            tokio::spawn(async move {
                this.refresh_form_origins(&db).await;
                this.refreshing
                    .store(false, std::sync::atomic::Ordering::Release);
            });
        }
        list
    }

    /// Reads the providers' origins now (at start, after a save).
    pub async fn refresh_form_origins(&self, db: &crate::server::db::Db) {
        let origins = match providers::auth_origins(db).await {
            Ok(o) => o,
            Err(_) => return,
        };
        let joined = origins
            .iter()
            .filter(|o| is_policy_safe(o))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        *self.form_origins.lock().unwrap_or_else(|e| e.into_inner()) = (Instant::now(), joined);
    }
}

/// An origin that can go into a policy as it is (scheme, host, port).
fn is_policy_safe(o: &str) -> bool {
    (o.starts_with("https://") || o.starts_with("http://"))
        && o.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '[' | ']'))
}

/// `https://host[:port]` of a URL.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.origin() {
        url::Origin::Tuple(..) => Some(u.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// An issuer must be HTTPS, except on this machine (a test provider, a
/// local bridge).
pub fn check_issuer(issuer: &str) -> Result<String, AppError> {
    let issuer = issuer.trim();
    let u = url::Url::parse(issuer).map_err(|_| {
        AppError::Invalid(format!(
            "“{issuer}” is not a URL. The issuer looks like https://login.example.com/…"
        ))
    })?;
    let loopback = matches!(u.host(), Some(url::Host::Domain("localhost")))
        || matches!(u.host(), Some(url::Host::Ipv4(a)) if a.is_loopback())
        || matches!(u.host(), Some(url::Host::Ipv6(a)) if a.is_loopback());
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(AppError::Invalid(
            "The issuer must start with https:// (plain http is accepted only on this machine)."
                .into(),
        )),
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(AppError::Invalid(
            "The issuer has no ?query or #fragment; copy it from the provider's discovery document."
                .into(),
        ));
    }
    Ok(issuer.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_https_except_on_this_machine() {
        assert!(check_issuer("https://login.microsoftonline.com/abc/v2.0").is_ok());
        assert!(check_issuer("http://127.0.0.1:8080").is_ok());
        assert!(check_issuer("http://localhost:1234/realms/x").is_ok());
        assert!(check_issuer("http://idp.example.com").is_err());
        assert!(check_issuer("ftp://idp.example.com").is_err());
        assert!(check_issuer("not a url").is_err());
        assert!(check_issuer("https://idp.example.com/?x=1").is_err());
    }

    #[test]
    fn origins_for_the_policy() {
        assert_eq!(
            origin_of("https://login.example.com:8443/oauth2/authorize?x=1").as_deref(),
            Some("https://login.example.com:8443")
        );
        assert!(is_policy_safe("http://127.0.0.1:4000"));
        assert!(!is_policy_safe("https://x; script-src *"));
    }
}
