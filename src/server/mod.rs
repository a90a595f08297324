//! Everything that only runs on the server: configuration, the database,
//! authentication, the HTTP stack and the command line.

pub mod accounts;
pub mod auth;
pub mod authoring;
pub mod cli;
pub mod compose;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod generate;
pub mod guard;
pub mod http;
pub mod learning;
pub mod mail;
pub mod pace;
pub mod password;
pub mod site;
pub mod sql;
pub mod sso;
pub mod understanding;
pub mod xapi;

use std::sync::Arc;

/// Shared by every request. Cheap to clone: everything inside is a handle.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<config::Config>,
    pub passwords: password::Hasher,
    pub leptos_options: leptos::config::LeptosOptions,
    /// The loaded courses; see `crate::content::store`.
    pub content: crate::content::store::Content,
    /// The model for typed replies, when it could be loaded.
    pub understanding: understanding::Understanding,
    /// The bundle's and stylesheet's names in the site folder.
    pub assets: Arc<site::SiteAssets>,
    /// Email, when an SMTP server is configured.
    pub mail: mail::Mail,
    /// xAPI statements, when an LRS is configured.
    pub xapi: xapi::Xapi,
    /// Requests in flight, which the outbox senders give way to.
    pub foreground: pace::Foreground,
    /// Single sign-on: the HTTP client and the providers' cached documents.
    pub sso: sso::Sso,
}

impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Seconds since the Unix epoch, UTC. The one clock of the server.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A server ready to run: database connected and migrated, port bound.
/// Split from `run` so tests can start the real app on port 0.
pub struct Server {
    pub state: AppState,
    pub addr: std::net::SocketAddr,
    listener: tokio::net::TcpListener,
}

impl Server {
    pub async fn build(config: config::Config) -> anyhow::Result<Server> {
        use anyhow::Context;
        let db = db::connect(&config.database_url).await?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (is another program using that port?)",
                    config.addr
                )
            })?;
        let addr = listener
            .local_addr()
            .context("cannot read the listening address")?;
        let assets = site::SiteAssets::read(&config.site_root);
        let leptos_options = leptos::config::LeptosOptions::builder()
            .output_name(assets.bundle.as_str())
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(leptos::config::Env::PROD)
            .build();
        let passwords = password::Hasher::new().map_err(|e| anyhow::anyhow!("{e}"))?;
        // A broken file is logged and skipped; only a database failure
        // while recording versions stops the start.
        let content = crate::content::store::load(&db, &config.content_dir)
            .await
            .map_err(|e| anyhow::anyhow!("cannot record the content versions: {e}"))?;
        // Databases from before the dashboards have progress but no aggregates yet.
        dashboard::build_if_missing(&db)
            .await
            .map_err(|e| anyhow::anyhow!("cannot count the dashboards: {e}"))?;
        let understanding = match &config.model_dir {
            Some(dir) => understanding::Understanding::load(dir).await,
            None => understanding::Understanding::default(),
        };
        let mail = match &config.mail {
            Some(settings) => mail::Mail::start(&db, settings.clone()).await?,
            None => mail::Mail::default(),
        };
        let xapi = match &config.xapi {
            Some(settings) => xapi::Xapi::start(&db, settings.clone()).await?,
            None => xapi::Xapi::default(),
        };
        let sso = sso::Sso::new(config.sso_allow_private);
        for form in &config.sso_providers {
            let mut form = form.clone();
            form.id = sso::providers::by_slug(
                &db,
                &crate::domain::sso::slug_of(form.slug.as_deref().unwrap_or(&form.label)),
            )
            .await
            .map_err(|e| anyhow::anyhow!("reading the single sign-on providers: {e}"))?
            .map(|p| p.id);
            if let Err(e) = sso::providers::save(&db, &sso, None, &form, true).await {
                // A provider that is down at start is not fatal: say why and go on.
                tracing::warn!(
                    "single sign-on provider {:?} from --sso-config was not saved: {e}",
                    form.label
                );
            }
        }
        sso.refresh_form_origins(&db).await;
        let state = AppState {
            sso,
            foreground: pace::Foreground::default(),
            xapi,
            mail,
            understanding,
            db,
            config: Arc::new(config),
            passwords,
            leptos_options,
            assets: Arc::new(assets),
            content,
        };
        Ok(Server {
            state,
            addr,
            listener,
        })
    }

    /// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
    pub async fn run(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let fg = state.foreground.clone();
        tokio::spawn(mail::sender::run(
            state.db.clone(),
            state.mail.clone(),
            fg.clone(),
        ));
        tokio::spawn(mail::schedule::run(state.clone()));
        tokio::spawn(xapi::sender::run(state.db.clone(), state.xapi.clone(), fg));
        // Content published on another instance: picked up within seconds.
        tokio::spawn({
            let state = state.clone();
            async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(3));
                loop {
                    tick.tick().await;
                    if let Err(e) = state.content.reload_if_changed(&state.db).await {
                        tracing::warn!("checking for newly published content failed: {e}");
                    }
                }
            }
        });
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                let _ = accounts::cleanup(&state.db, &state.config).await;
                match dashboard::renew_expired(&state.db, now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("re-opened {n} expired recurring courses"),
                    Err(e) => tracing::warn!("renewing recurring courses failed: {e}"),
                }
            }
        });
        let app = http::router(self.state);
        // TCP_NODELAY on every connection: without it a response written in
        // two pieces (head, then body) waits for the browser's delayed ACK,
        // about 40 ms per static file on a keep-alive connection.
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {e}");
            }
        });
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| anyhow::anyhow!("the server stopped: {e}"))
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
