//! Single sign-on through OpenID Connect (issue 20).
//!
//! - `providers`: the identity providers an admin configured (or
//!   `--sso-config` brought), checked by discovery when saved.
//! - `flow`: the authorization code flow with PKCE, `state` and `nonce`;
//!   the ID token verified (signature, issuer, audience, expiry, nonce) by
//!   the `openidconnect` crate; the person found by (issuer, subject), by
//!   verified email on a first sign-in, or created when the provider allows.
//!
//! - `net`: the HTTP client, which reaches public addresses only (unless
//!   `--sso-allow-private`), and discovery refuses keys and token endpoints
//!   on hosts other than the issuer's and the ones the admin named.
//!
//! Nothing is kept in memory between the two halves of a sign-in: the
//! pending sign-in is a row of `sso_logins` (the state stored as its
//! SHA-256), deleted by the callback that uses it, so any instance can take
//! the callback and a replayed state finds nothing. Discovery documents and
//! keys are cached per instance for ten minutes, fetched again at once when
//! a token names a key the cache does not have.

pub mod flow;
pub mod net;
mod person;
pub mod providers;

use crate::api::AppError;
use openidconnect::core::CoreProviderMetadata;
use openidconnect::{IssuerUrl, JsonWebKeySet};
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
    http: net::SsoHttp,
    allow_private: bool,
    metadata: Arc<Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>>,
    /// The origins pages let forms lead to (CSP `form-action`), read from
    /// the providers at most every few seconds.
    form_origins: Arc<Mutex<(Instant, String)>>,
    refreshing: Arc<std::sync::atomic::AtomicBool>,
}

impl Default for Sso {
    fn default() -> Self {
        Sso::new(false)
    }
}

/// Why discovery failed, in a few words for the admin page. The full
/// error goes to the log only: its details (connection refused, reset,
/// not JSON) would tell an administrator which ports of a host are open.
fn discovery_failed(issuer: &str, e: &dyn std::error::Error) -> String {
    let mut why = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        why.push_str(": ");
        why.push_str(&s.to_string());
        src = s.source();
    }
    tracing::warn!(issuer, "single sign-on discovery failed: {why}");
    format!(
        "Rapport could not read {}/.well-known/openid-configuration. Check the issuer URL, or try again if the provider is down.",
        issuer.trim_end_matches('/')
    )
}

fn private_refused(host: &str) -> String {
    format!(
        "Rapport does not connect to private, loopback or link-local addresses, and {host} is one (or resolves to one). Use the provider's public address, or start the server with --sso-allow-private for a provider on your own network."
    )
}

fn fetch_failed(issuer: &str, e: &net::FetchError) -> String {
    match e.private_host() {
        Some(host) => private_refused(host),
        None => discovery_failed(issuer, e),
    }
}

/// The host of a URL, lower case.
fn host_of(url: &url::Url) -> String {
    url.host_str().unwrap_or_default().to_ascii_lowercase()
}

/// An endpoint Rapport's server calls (keys, token) must be on the
/// issuer's host or one the admin named, by https (http only to a loopback
/// host, as for the issuer).
fn check_endpoint(
    what: &str,
    endpoint: &url::Url,
    issuer: &url::Url,
    hosts: &str,
) -> Result<(), String> {
    let host = host_of(endpoint);
    let allowed = host == host_of(issuer)
        || hosts
            .split_whitespace()
            .any(|h| h.eq_ignore_ascii_case(&host));
    if !allowed {
        return Err(format!(
            "The provider's {what} is on {host}, not on the issuer's host {}. If that is right, add {host} under “Other hosts”.",
            host_of(issuer)
        ));
    }
    if check_issuer(endpoint.as_str()).is_err() && endpoint.scheme() != "https" {
        return Err(format!(
            "The provider's {what} ({host}) is not an https:// address."
        ));
    }
    Ok(())
}

impl Sso {
    /// `allow_private`: providers may be on private, loopback and
    /// link-local addresses (`--sso-allow-private`: a provider on the
    /// company's own network, tests).
    pub fn new(allow_private: bool) -> Sso {
        Sso {
            http: net::SsoHttp::new(allow_private),
            allow_private,
            metadata: Arc::default(),
            form_origins: Arc::new(Mutex::new((
                Instant::now() - Duration::from_secs(3600),
                String::new(),
            ))),
            refreshing: Arc::default(),
        }
    }

    pub fn http(&self) -> &net::SsoHttp {
        &self.http
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// The provider's discovery document (and keys), from the cache unless
    /// it is older than ten minutes or `fresh` asks for a new one. The keys
    /// and the token endpoint must be on the issuer's host or one of
    /// `hosts` (space-separated): they are checked before the keys are
    /// fetched. Errors are short, for a page; details go to the log.
    pub async fn metadata(
        &self,
        issuer: &str,
        hosts: &str,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, String> {
        let key = format!("{issuer}\n{hosts}");
        if !fresh {
            let cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, m)) = cache.get(&key) {
                if at.elapsed() < METADATA_TTL {
                    return Ok(m.clone());
                }
            }
        }
        let m = self.discover(issuer, hosts).await?;
        let mut cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 100 {
            cache.clear();
        }
        cache.insert(key, (Instant::now(), m.clone()));
        Ok(m)
    }

    /// What `CoreProviderMetadata::discover_async` does, with the
    /// endpoints checked before the keys are fetched.
    async fn discover(&self, issuer: &str, hosts: &str) -> Result<CoreProviderMetadata, String> {
        use openidconnect::AsyncHttpClient;
        let issuer_url =
            IssuerUrl::new(issuer.to_owned()).map_err(|e| discovery_failed(issuer, &e))?;
        let doc_url = issuer_url
            .join(".well-known/openid-configuration")
            .map_err(|e| discovery_failed(issuer, &e))?;
        let request = openidconnect::http::Request::builder()
            .uri(doc_url.as_str())
            .method(openidconnect::http::Method::GET)
            .header(openidconnect::http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| discovery_failed(issuer, &e))?;
        let response = self
            .http
            .call(request)
            .await
            .map_err(|e| fetch_failed(issuer, &e))?;
        if response.status() != openidconnect::http::StatusCode::OK {
            let e = std::io::Error::other(format!("HTTP status {}", response.status()));
            return Err(discovery_failed(issuer, &e));
        }
        let m: CoreProviderMetadata =
            serde_json::from_slice(response.body()).map_err(|e| discovery_failed(issuer, &e))?;
        if m.issuer() != &issuer_url {
            return Err(format!(
                "The document at {doc_url} names another issuer ({}). Copy the issuer exactly as the provider shows it.",
                m.issuer().as_str().chars().take(200).collect::<String>()
            ));
        }
        let base = issuer_url.url();
        check_endpoint("key set (jwks_uri)", m.jwks_uri().url(), base, hosts)?;
        if let Some(t) = m.token_endpoint() {
            check_endpoint("token endpoint", t.url(), base, hosts)?;
        }
        let jwks = JsonWebKeySet::fetch_async(m.jwks_uri(), &self.http)
            .await
            .map_err(|e| match &e {
                openidconnect::DiscoveryError::Request(f) => fetch_failed(issuer, f),
                _ => discovery_failed(issuer, &e),
            })?;
        Ok(m.set_jwks(jwks))
    }

    /// Forgets a provider's cached document (after its settings change).
    pub fn forget(&self, issuer: &str) {
        let mut cache = self.metadata.lock().unwrap_or_else(|e| e.into_inner());
        let prefix = format!("{issuer}\n");
        cache.retain(|k, _| !k.starts_with(&prefix));
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
