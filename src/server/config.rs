//! Runtime configuration of a server, built from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    pub content_dir: PathBuf,
    pub site_root: PathBuf,
    /// True when the site is served over HTTPS (set by `--public-url https://…`):
    /// cookies then get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    /// How many reverse proxies append to `X-Forwarded-For` (0: the header
    /// is ignored). The client address is taken that many entries from the
    /// right, never from the part the client itself could write.
    pub proxy_hops: usize,
    /// A session ends after this long without a request.
    pub session_idle_secs: i64,
    /// A session ends this long after sign-in, however active.
    pub session_max_secs: i64,
    /// Failed sign-ins allowed per account in the throttle window.
    pub max_failures_per_account: i64,
    /// Failed sign-ins allowed per client address in the throttle window.
    pub max_failures_per_ip: i64,
    pub throttle_window_secs: i64,
    /// The sentence-embedding model for typed replies; `None`: typed-reply
    /// scenes offer their list of replies.
    pub model_dir: Option<PathBuf>,
    /// Email (`--smtp-url`, `--mail-from`, `--public-url`); `None`: no email.
    pub mail: Option<crate::server::mail::Settings>,
    /// xAPI statements to an LRS (`--xapi-endpoint` …); `None`: none sent.
    pub xapi: Option<crate::server::xapi::Settings>,
    /// The address people use (`--public-url`, no trailing slash): links
    /// in email, the single sign-on callback.
    pub public_url: Option<String>,
    /// Single sign-on providers from configuration (`--sso-config`),
    /// saved at start.
    pub sso_providers: Vec<crate::api::sso::ProviderForm>,
    /// Single sign-ons begun and not yet back, at most, per provider (each
    /// holds a small row for `sso::LOGIN_TTL_SECS`); past it, "Sign in with
    /// …" of that provider asks to try again in a minute. A flood through
    /// one provider leaves the others alone.
    pub sso_pending_max: i64,
    /// Single sign-ons begun and not yet back, at most, per client address
    /// (an IPv6 address counts by its /64): one address cannot use up a
    /// provider's `sso_pending_max`.
    pub sso_pending_per_address: i64,
    /// Single sign-on may reach private, loopback and link-local addresses
    /// (`--sso-allow-private`): a provider on the company's own network.
    /// Off, the issuer, keys and token endpoint must be public.
    pub sso_allow_private: bool,
}

impl Config {
    pub fn new(addr: SocketAddr, database_url: String) -> Config {
        Config {
            addr,
            database_url,
            content_dir: PathBuf::from("content"),
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
            proxy_hops: 0,
            session_idle_secs: 8 * 3600,
            session_max_secs: 7 * 24 * 3600,
            max_failures_per_account: 10,
            max_failures_per_ip: 100,
            throttle_window_secs: 15 * 60,
            model_dir: None,
            mail: None,
            xapi: None,
            public_url: None,
            sso_pending_max: 10_000,
            sso_pending_per_address: 100,
            sso_allow_private: false,
            sso_providers: Vec::new(),
        }
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-rapport_session"
        } else {
            "rapport_session"
        }
    }
}

/// The default database: an SQLite file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/rapport.db";
