//! Test harness: starts the real application on 127.0.0.1 port 0 against a
//! fresh database (a temporary SQLite file, or a throw-away PostgreSQL
//! database) and talks to it over HTTP like a browser would.
#![allow(dead_code)]

pub mod faults;
pub mod learner;
pub mod lrs;
pub mod oidc;
pub mod smtp;

use rapport::domain::{Email, PersonName, Role, Roles, TeamName};
use rapport::server::config::Config;
use rapport::server::db::Db;
use rapport::server::{accounts, Server};
use reqwest::{Client, Response, StatusCode};
use std::net::SocketAddr;
use std::sync::OnceLock;

pub const PASSWORD: &str = "a-good-test-password";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests connect. They fail (never skip) when it does
/// not answer: CI must not pass without having run them.
pub fn postgres_admin_url() -> String {
    std::env::var("RAPPORT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn test_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| rapport::server::password::hash_blocking(PASSWORD).expect("hash"))
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub db: Db,
    pub backend: Backend,
    pg_database: Option<String>,
    url: String,
    /// The configuration the app started with (kept for `restart`).
    pub config: Config,
    /// The running app's state (its database, content and email).
    pub state: rapport::server::AppState,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
    _turn: Turn,
}

/// Tests of one binary run in parallel, each with its own server and
/// database. A test whose assertions measure time, or that drives a limit
/// shared by the whole process (the export and check semaphores), asks for
/// the process to itself with [`TestApp::spawn_alone`]: it waits until the
/// other apps are gone and keeps new ones out until it is done.
///
/// (Two servers in one process used to stall about one run in eight: each
/// server generated the route list, which sets Leptos' process-wide
/// "suppress resource loads" flag, and a page another server rendered at
/// that moment waited forever. `server::http::routes` now generates the
/// list once per process.)
fn apps() -> std::sync::Arc<tokio::sync::RwLock<()>> {
    static LOCK: OnceLock<std::sync::Arc<tokio::sync::RwLock<()>>> = OnceLock::new();
    LOCK.get_or_init(|| std::sync::Arc::new(tokio::sync::RwLock::new(())))
        .clone()
}

/// Holds a share of the process, or all of it.
#[allow(dead_code)]
enum Turn {
    Shared(tokio::sync::OwnedRwLockReadGuard<()>),
    Alone(tokio::sync::OwnedRwLockWriteGuard<()>),
}

fn random_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), nanos, rand_u32())
}

fn rand_u32() -> u32 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    RandomState::new().build_hasher().finish() as u32
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let turn = Turn::Shared(apps().read_owned().await);
        Self::start(backend, tweak, turn).await
    }

    /// An app with the process to itself (see [`apps`]).
    #[allow(dead_code)]
    pub async fn spawn_alone(backend: Backend) -> TestApp {
        Self::spawn_alone_with(backend, |_| {}).await
    }

    #[allow(dead_code)]
    pub async fn spawn_alone_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let turn = Turn::Alone(apps().write_owned().await);
        Self::start(backend, tweak, turn).await
    }

    async fn start(backend: Backend, tweak: impl FnOnce(&mut Config), turn: Turn) -> TestApp {
        // Warnings and errors (an `Internal` answer logs its cause) go to
        // the test's captured output, so a failing test shows why.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_max_level(tracing::Level::WARN)
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_database) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/test.db", dir.path().display()), None),
            Backend::Postgres => {
                let name = format!("rapport_test_{}", random_suffix());
                let admin = admin_pool().await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "PostgreSQL at {} must answer for these tests: {e}",
                            postgres_admin_url()
                        )
                    });
                admin.close().await;
                let base = postgres_admin_url();
                let url = match base.rfind('/') {
                    Some(i) => format!("{}/{name}", &base[..i]),
                    None => panic!("bad RAPPORT_TEST_POSTGRES_URL"),
                };
                (url, Some(name))
            }
        };
        let mut cfg = Config::new("127.0.0.1:0".parse().expect("addr"), url.clone());
        cfg.site_root = dir.path().join("site");
        // The test providers listen on loopback.
        cfg.sso_allow_private = true;
        tweak(&mut cfg);
        let config = cfg.clone();
        let server = Server::build(cfg).await.expect("the app starts");
        let addr = server.addr;
        let db = server.state.db.clone();
        let state = server.state.clone();
        let server = tokio::spawn(async move {
            let _ = server.run().await;
        });
        TestApp {
            addr,
            base: format!("http://{addr}"),
            db,
            backend,
            pg_database,
            url,
            config,
            state,
            server,
            _dir: dir,
            _turn: turn,
        }
    }

    /// Stops the server and starts a new one on the same database (on a new
    /// port, so clients must sign in again, as on another device).
    pub async fn restart(&mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
        let server = Server::build(self.config.clone())
            .await
            .expect("the app restarts");
        self.addr = server.addr;
        self.base = format!("http://{}", server.addr);
        self.db = server.state.db.clone();
        self.state = server.state.clone();
        self.server = tokio::spawn(async move {
            let _ = server.run().await;
        });
    }

    /// Starts another instance of the app on the same database (as behind
    /// a load balancer), with the same configuration. It runs until the
    /// handle is aborted.
    #[allow(dead_code)]
    pub async fn another_instance(
        &self,
    ) -> (rapport::server::AppState, tokio::task::JoinHandle<()>) {
        let server = Server::build(self.config.clone())
            .await
            .expect("a second instance starts");
        let state = server.state.clone();
        (
            state,
            tokio::spawn(async move {
                let _ = server.run().await;
            }),
        )
    }

    /// Drops the throw-away PostgreSQL database.
    pub async fn cleanup(self) {
        self.db.pool.close().await;
        if let Some(name) = &self.pg_database {
            let admin = admin_pool().await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }

    /// A browser-like client with its own cookie jar that does not follow
    /// redirects, so tests can see them.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls a server function the way the page's code does (form-encoded, JSON back).
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{endpoint}: {e}"))
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn submit(
        &self,
        client: &Client,
        endpoint: &str,
        form: &[(&str, &str)],
        from_page: &str,
    ) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(from_page))
            .header("origin", self.base.clone())
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"))
    }

    pub async fn team(&self, name: &str) -> i64 {
        let mut tx = self.db.begin_write().await.expect("tx");
        let id = accounts::insert_team(&mut tx, &TeamName::parse(name).expect("name"))
            .await
            .expect("team");
        tx.commit().await.expect("commit");
        id
    }

    /// Creates a person with `PASSWORD` directly in the database.
    pub async fn user(&self, email: &str, roles: &[Role], team: Option<i64>) -> i64 {
        let mut tx = self.db.begin_write().await.expect("tx");
        let name = email
            .split('@')
            .next()
            .unwrap_or("someone")
            .replace('.', " ");
        let id = accounts::insert_user(
            &mut tx,
            &Email::parse(email).expect("email"),
            &PersonName::parse(&name).expect("name"),
            Some(test_hash()),
            team,
            &Roles::new(roles.iter().copied()),
        )
        .await
        .expect("user");
        tx.commit().await.expect("commit");
        id
    }

    pub async fn make_manager(&self, user_id: i64, team_id: i64) {
        sqlx::query("INSERT INTO team_managers (team_id, user_id) VALUES ($1, $2)")
            .bind(team_id)
            .bind(user_id)
            .execute(&self.db.pool)
            .await
            .expect("manager");
    }

    /// Signs in and returns the client holding the session cookie.
    pub async fn login_as(&self, email: &str) -> Client {
        let client = self.client();
        let res = self
            .call(
                &client,
                "login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "login as {email}: {}",
            res.text().await.unwrap_or_default()
        );
        client
    }

    pub async fn whoami(&self, client: &Client) -> Option<String> {
        let res = self.call(client, "me", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value = res.json().await.expect("json");
        v.get("email").and_then(|e| e.as_str()).map(str::to_owned)
    }

    pub async fn text(&self, sql: &str) -> String {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("text")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }

    /// The count once it reaches `want`, or what it is after 10 s: for
    /// what a background task records a moment after the effect a test
    /// sees (a sink holds the email before the sender marks it sent).
    pub async fn count_reaches(&self, sql: &str, want: i64) -> i64 {
        let start = std::time::Instant::now();
        loop {
            let n = self.count(sql).await;
            if n == want || start.elapsed() > std::time::Duration::from_secs(10) {
                return n;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&postgres_admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} must answer for these tests: {e}",
                postgres_admin_url()
            )
        })
}

/// The session cookie a response set, if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rapport_session="))
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim_start_matches("rapport_session=")
                .to_owned()
        })
}

/// Runs each named `async fn(&TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
    };
}

/// Runs each named `async fn(Backend)` once on SQLite and once on
/// PostgreSQL, for tests that start the app themselves (with a tweaked
/// configuration, or more than once).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}
