//! `rapport serve`: its flags (also environment variables) and the start.

use super::DbArgs;
use crate::server::config::{Config, DEFAULT_DATABASE_URL};
use crate::server::{accounts, demo, Server};
use anyhow::{bail, Context};
use clap::{Args, Parser};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RAPPORT_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Folder of course content.
    #[arg(long = "content", env = "RAPPORT_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Folder of the built site (wasm, CSS, assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Create the demo organisation (idempotent) and print its logins.
    #[arg(long)]
    pub demo: bool,
    /// The address people use, e.g. https://rapport.example.com. With https,
    /// cookies are Secure and carry the __Host- prefix.
    #[arg(long, env = "RAPPORT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Trust X-Forwarded-For from a reverse proxy in front of Rapport: the
    /// client address is the one the proxy appended (the right end).
    #[arg(long, env = "RAPPORT_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// How many proxies in a row append to X-Forwarded-For (implies
    /// --trust-proxy): the client address is this many entries from the right.
    #[arg(long, env = "RAPPORT_PROXY_HOPS", value_parser = clap::value_parser!(u8).range(1..=16))]
    pub proxy_hops: Option<u8>,
    /// Folder of the sentence-embedding model for typed replies (installed
    /// by scripts/setup; default: ~/.cache/rapport/models/all-MiniLM-L6-v2).
    #[arg(long, env = "RAPPORT_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Do not load the model: typed-reply scenes offer their list of replies.
    #[arg(long)]
    pub no_model: bool,
    /// The SMTP server for email: smtp://user:pass@host:587 (STARTTLS
    /// required), smtps://user:pass@host:465 (TLS); plain smtp:// only to a
    /// loopback host. Needs --mail-from and --public-url. Without it no
    /// email is sent. With a password, set it as RAPPORT_SMTP_URL (a flag
    /// shows in the process list and is refused).
    #[arg(long, env = "RAPPORT_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Who email comes from, e.g. "Rapport <training@example.com>".
    #[arg(long, env = "RAPPORT_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Days before a due date when a learner is reminded by email.
    #[arg(long, env = "RAPPORT_DUE_REMINDER_DAYS", default_value_t = 3,
          value_parser = clap::value_parser!(i64).range(1..=60))]
    pub due_reminder_days: i64,
    /// A learning record store's xAPI endpoint, e.g.
    /// https://lrs.example.com/xAPI: learners' statements are sent there.
    /// Needs --xapi-key, --xapi-secret and --public-url.
    #[arg(long, env = "RAPPORT_XAPI_ENDPOINT")]
    pub xapi_endpoint: Option<String>,
    #[arg(long, env = "RAPPORT_XAPI_KEY", default_value = "")]
    pub xapi_key: String,
    /// A file holding the LRS's client secret (or set RAPPORT_XAPI_SECRET):
    /// never a flag of its own, which anyone on the machine could read in
    /// the process list.
    #[arg(long, env = "RAPPORT_XAPI_SECRET_FILE")]
    pub xapi_secret_file: Option<PathBuf>,
    /// Single sign-on providers for automated deployments: a JSON file with
    /// a list of providers (label, issuer, client_id, client_secret,
    /// domains, passwords_off, allow_create, trust_email, sync_mapping,
    /// default_role, map_claim, map_rules), saved at start; the admin page
    /// shows them read-only.
    #[arg(long, env = "RAPPORT_SSO_CONFIG")]
    pub sso_config: Option<PathBuf>,
    /// Let single sign-on reach providers on private, loopback and
    /// link-local addresses (a provider on your own network). Without it
    /// the issuer, its keys and its token endpoint must be public
    /// addresses, so the issuer field cannot reach into this server's
    /// network.
    #[arg(long, env = "RAPPORT_SSO_ALLOW_PRIVATE")]
    pub sso_allow_private: bool,
    /// The xAPI version sent to the LRS.
    #[arg(long, env = "RAPPORT_XAPI_VERSION", default_value = "1.0.3")]
    pub xapi_version: String,
    /// Who statements name: `account` (this server and the person's id) or
    /// `email` (their address and name).
    #[arg(long, env = "RAPPORT_XAPI_ACTOR", default_value = "account",
          value_parser = ["account", "email"])]
    pub xapi_actor: String,
}

/// `rapport` with no subcommand serves with the defaults (and environment).
#[derive(Parser, Debug)]
struct ServeDefaults {
    #[command(flatten)]
    args: ServeArgs,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeDefaults::parse_from(["rapport"]).args
    }
}

/// The LRS's secret: RAPPORT_XAPI_SECRET, else the first line of
/// --xapi-secret-file, else none.
fn xapi_secret(args: &ServeArgs) -> anyhow::Result<String> {
    if let Some(s) = std::env::var("RAPPORT_XAPI_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        return Ok(s);
    }
    match &args.xapi_secret_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("--xapi-secret-file {}: cannot be read", path.display())
            })?;
            Ok(text.lines().next().unwrap_or("").trim().to_owned())
        }
        None => Ok(String::new()),
    }
}

pub fn config_from(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut cfg = Config::new(args.addr, args.db.database_url.clone());
    cfg.content_dir = args.content.clone();
    cfg.site_root = args.site_root.clone();
    cfg.model_dir = (!args.no_model).then(|| {
        args.model_dir
            .clone()
            .unwrap_or_else(crate::server::understanding::default_dir)
    });
    cfg.sso_allow_private = args.sso_allow_private;
    cfg.proxy_hops = match (args.proxy_hops, args.trust_proxy) {
        (Some(n), _) => usize::from(n),
        (None, true) => 1,
        (None, false) => 0,
    };
    if let Some(url) = &args.public_url {
        let parsed =
            url::Url::parse(url).with_context(|| format!("--public-url {url:?} is not a URL"))?;
        cfg.secure_cookies = parsed.scheme() == "https";
        cfg.public_url = Some(url.trim_end_matches('/').to_owned());
    }
    if let Some(path) = &args.sso_config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--sso-config {}: cannot read the file", path.display()))?;
        cfg.sso_providers = serde_json::from_str(&text).with_context(|| {
            format!(
                "--sso-config {}: not a JSON list of providers (label, issuer, client_id, client_secret, domains, …)",
                path.display()
            )
        })?;
    }
    if let Some(smtp) = &args.smtp_url {
        let from_env = std::env::var("RAPPORT_SMTP_URL").ok().as_deref() == Some(smtp.as_str());
        let has_password = url::Url::parse(smtp).is_ok_and(|u| u.password().is_some());
        if has_password && !from_env {
            bail!("--smtp-url carries a password, which anyone on this machine can read in the process list: set RAPPORT_SMTP_URL in the environment instead");
        }
        let Some(from) = &args.mail_from else {
            bail!("--smtp-url needs --mail-from (who email comes from, e.g. \"Rapport <training@example.com>\")");
        };
        let Some(public) = &args.public_url else {
            bail!("--smtp-url needs --public-url (the address people use, for the links in email)");
        };
        let mut mail = crate::server::mail::Settings::new(smtp, from, public)?;
        mail.due_soon_days = args.due_reminder_days;
        cfg.mail = Some(mail);
    }
    if let Some(endpoint) = &args.xapi_endpoint {
        let Some(public) = &args.public_url else {
            bail!(
                "--xapi-endpoint needs --public-url (this server's address names its activities)"
            );
        };
        let mut x = crate::server::xapi::Settings::new(
            endpoint,
            &args.xapi_key,
            &xapi_secret(args)?,
            public,
        )?;
        x.version = args.xapi_version.clone();
        if args.xapi_actor == "email" {
            x.actor = crate::server::xapi::ActorMode::Email;
        }
        cfg.xapi = Some(x);
    }
    Ok(cfg)
}

pub(super) async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = config_from(&args)?;
    if !cfg.site_root.join("pkg").exists() {
        tracing::warn!(
            "the site folder {} has no pkg/: pages will work without JavaScript and styles; build the site with `scripts/build`",
            cfg.site_root.display()
        );
    }
    let server = Server::build(cfg).await?;
    if args.demo {
        let logins = demo::seed(
            &server.state.db,
            &server.state.passwords,
            std::env::var("RAPPORT_DEMO_PASSWORD").ok(),
        )
        .await?;
        demo::seed_learning(&server.state.db, &server.state.content.get()).await?;
        println!(
            "\nDemo organisation ready. Sign in at http://{}/login with:",
            server.addr
        );
        for role in ["employee", "trainer", "manager", "admin"] {
            println!("  {role:<9} {role}@demo.test");
        }
        println!(
            "  password  {}{}\n",
            logins.password,
            if logins.generated {
                "   (generated for this run; set RAPPORT_DEMO_PASSWORD to choose it)"
            } else {
                ""
            }
        );
    } else if accounts::count_admins(&server.state.db)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        == 0
    {
        println!(
            "\nNo administrator exists yet. Create one with:\n  rapport admin create --email you@example.com --name \"Your Name\"{}\n",
            if args.db.database_url == DEFAULT_DATABASE_URL { String::new() } else { " --database-url …".to_owned() }
        );
    }
    println!("Rapport is listening on http://{}", server.addr);
    server.run().await
}
