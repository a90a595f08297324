//! Database faults made for real, and learners answering through them:
//! - [`Proxy`]: a TCP relay between the app and PostgreSQL that can go
//!   away (every connection reset, the port refusing) and come back, as a
//!   database server that stops and restarts does, for one app only;
//! - [`Tmpfs`]: a small filesystem for a SQLite file, to fill and free;
//! - [`Learners`]: people answering a scenario step after step while it
//!   happens, recording every answer's status and wait and every step the
//!   server acknowledged, so that none can be lost unseen.

use super::learner::{COURSE, SCENARIO};
use super::TestApp;
use rapport::api::learn::StepResult;
use reqwest::Client;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A relay to `target`; [`Proxy::cut`] takes it down, [`Proxy::restore`]
/// brings it back on the same port.
pub struct Proxy {
    pub addr: SocketAddr,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (up, watch_up) = watch::channel(true);
        let task = tokio::spawn(relay(Some(listener), addr, target, watch_up));
        Proxy { addr, up, task }
    }

    /// Every relayed connection is reset and the port refuses new ones.
    pub fn cut(&self) {
        let _ = self.up.send(false);
    }

    pub fn restore(&self) {
        let _ = self.up.send(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut listener: Option<TcpListener>,
    addr: SocketAddr,
    target: SocketAddr,
    mut up: watch::Receiver<bool>,
) {
    loop {
        if !*up.borrow() {
            // Closed: the port refuses connections until restored.
            listener = None;
            if up.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match &listener {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => listener.insert(l),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        tokio::select! {
            accepted = l.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let down = up.clone();
                tokio::spawn(pipe(client, target, down));
            }
            _ = up.changed() => {}
        }
    }
}

async fn pipe(mut client: TcpStream, target: SocketAddr, mut up: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = up.wait_for(|up| !*up) => {
            // A reset, as from a server that went away. (Deprecated for
            // the blocking drop a non-zero linger causes; zero does not block.)
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
        }
    }
}

/// A tmpfs mounted at a fresh folder, unmounted when dropped.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(megabytes: u32) -> Tmpfs {
        let dir = tempfile::tempdir().expect("dir");
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={megabytes}m"))
            .arg("tmpfs")
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill its disk for real (it needs root, as CI has): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    /// Writes a file until the filesystem is full; its path.
    pub fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut f = std::fs::File::create(&path).expect("filler");
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        // The last partial block, byte by byte in small pieces.
        while f.write_all(&block[..512]).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// One answer a learner got.
#[derive(Clone, Debug)]
pub struct Answer {
    /// When it was sent, from the start of the load.
    pub sent: Duration,
    pub wait: Duration,
    /// The HTTP status; 0 when no answer came (a client timeout).
    pub status: u16,
}

/// Learners answering while a fault happens.
pub struct Learners {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Answer>>>,
    acked: Arc<Mutex<Vec<(i64, i64)>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub started: Instant,
}

impl Learners {
    /// `n` learners (created and signed in now) answering until stopped,
    /// each waiting `pause` between answers.
    pub async fn start(app: &TestApp, n: usize, pause: Duration) -> Learners {
        let mut clients = Vec::new();
        for i in 0..n {
            let email = format!("learner{i}@example.com");
            app.user(&email, &[rapport::domain::Role::Employee], None)
                .await;
            clients.push(app.login_as(&email).await);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let tasks = clients
            .into_iter()
            .map(|client| {
                let (stop, answers, acked) = (stop.clone(), answers.clone(), acked.clone());
                let base = app.base.clone();
                tokio::spawn(async move {
                    learner(base, client, stop, answers, acked, started, pause).await
                })
            })
            .collect();
        Learners {
            stop,
            answers,
            acked,
            tasks,
            started,
        }
    }

    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    /// Answers so far.
    pub fn answers(&self) -> Vec<Answer> {
        self.answers.lock().unwrap().clone()
    }

    /// Waits until a step is acknowledged after `since`; how long that took.
    pub async fn first_ok_after(&self, since: Duration, limit: Duration) -> Option<Duration> {
        let deadline = Instant::now() + limit;
        loop {
            let found = self
                .answers()
                .iter()
                .filter(|a| a.sent >= since && a.status == 200)
                .map(|a| a.sent + a.wait)
                .min();
            if let Some(at) = found {
                return Some(at.saturating_sub(since));
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops every learner; the steps the server acknowledged.
    pub async fn stop(self) -> (Vec<Answer>, Vec<(i64, i64)>) {
        self.stop.store(true, Ordering::Release);
        for t in self.tasks {
            let _ = t.await;
        }
        let answers = self.answers.lock().unwrap().clone();
        let acked = self.acked.lock().unwrap().clone();
        (answers, acked)
    }
}

async fn post(client: &Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
    match client
        .post(format!("{base}/api/{endpoint}"))
        .form(form)
        .timeout(Duration::from_secs(15))
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        }
        Err(_) => (0, String::new()),
    }
}

async fn learner(
    base: String,
    client: Client,
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Answer>>>,
    acked: Arc<Mutex<Vec<(i64, i64)>>>,
    started: Instant,
    pause: Duration,
) {
    let mut at: Option<(i64, i64)> = None;
    while !stop.load(Ordering::Acquire) {
        let sent = started.elapsed();
        let t = Instant::now();
        let (status, body) = match at {
            None => {
                post(
                    &client,
                    &base,
                    "start_scenario",
                    &[("course", COURSE), ("item", SCENARIO)],
                )
                .await
            }
            Some((attempt, step)) => {
                let (a, s) = (attempt.to_string(), step.to_string());
                post(
                    &client,
                    &base,
                    "choose",
                    &[
                        ("course", COURSE),
                        ("item", SCENARIO),
                        ("attempt", &a),
                        ("step", &s),
                        ("choice", "0"),
                    ],
                )
                .await
            }
        };
        answers.lock().unwrap().push(Answer {
            sent,
            wait: t.elapsed(),
            status,
        });
        match (status, serde_json::from_str::<StepResult>(&body)) {
            (200, Ok(r)) => {
                if let Some(step) = at.map(|(_, s)| s) {
                    acked.lock().unwrap().push((r.attempt.id, step));
                }
                at = (!r.finished).then_some((r.attempt.id, r.attempt.step));
            }
            // Not saved: the same answer again in a moment.
            (503, _) | (0, _) => {}
            // Anything else: look at the attempt afresh.
            _ => at = None,
        }
        tokio::time::sleep(pause).await;
    }
}

/// What a fault did to the learners, for the test's asserts and the
/// benchmark's table.
#[derive(Debug, Default)]
pub struct Report {
    pub fault: String,
    /// Answers by status while the fault lasted (0: no answer at all).
    pub by_status: BTreeMap<u16, usize>,
    /// The longest any answer took while it lasted.
    pub worst_wait: Duration,
    /// From the fault's start until `/healthz` said 503.
    pub health_down_after: Option<Duration>,
    /// From the fault's end until a step was saved again.
    pub recovered_after: Option<Duration>,
    /// From the fault's end until `/healthz` said 200.
    pub health_up_after: Option<Duration>,
    pub acknowledged: usize,
    /// Acknowledged steps not in the database afterwards.
    pub lost: usize,
    /// SQLite's `PRAGMA integrity_check` afterwards.
    pub integrity: Option<String>,
}

impl Report {
    pub fn during(&mut self, answers: &[Answer], from: Duration, to: Duration) {
        for a in answers.iter().filter(|a| a.sent >= from && a.sent < to) {
            *self.by_status.entry(a.status).or_default() += 1;
            self.worst_wait = self.worst_wait.max(a.wait);
        }
    }

    /// Counts acknowledged steps missing from the database.
    pub async fn check_acked(&mut self, app: &TestApp, acked: &[(i64, i64)]) {
        self.acknowledged = acked.len();
        let mut lost = 0;
        for (attempt, step) in acked {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM attempt_steps WHERE attempt_id = $1 AND step = $2",
            )
            .bind(attempt)
            .bind(step)
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
            if n == 0 {
                lost += 1;
            }
        }
        self.lost = lost;
    }

    /// Once the fault ended at `to` (it began at `from`): how long until a
    /// step was saved and `/healthz` said 200, then the learners stop and
    /// what they met is counted, and their acknowledged steps looked up.
    pub async fn after_the_fault(
        &mut self,
        app: &TestApp,
        learners: Learners,
        from: Duration,
        to: Duration,
    ) {
        self.recovered_after = learners.first_ok_after(to, Duration::from_secs(15)).await;
        let up = health_turns(app, 200, Duration::from_secs(15)).await;
        self.health_up_after = up.map(|_| learners.now().saturating_sub(to));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (answers, acked) = learners.stop().await;
        self.during(&answers, from, to);
        self.check_acked(app, &acked).await;
    }

    pub fn print(&self) {
        let ms = |d: Option<Duration>| {
            d.map_or("never".to_string(), |d| format!("{} ms", d.as_millis()))
        };
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        println!(
            "| {} | {} | {} ms | {} | {} | {} | {} of {} |",
            self.fault,
            statuses.join(", "),
            self.worst_wait.as_millis(),
            ms(self.health_down_after),
            ms(self.recovered_after),
            ms(self.health_up_after),
            self.lost,
            self.acknowledged,
        );
    }

    pub fn header() {
        println!("| fault | answers during it, by status | worst wait | /healthz 503 after | a step saved again after | /healthz 200 after | acknowledged steps lost |");
        println!("|---|---|---|---|---|---|---|");
    }
}

/// Polls `/healthz` until it answers `want`; how long that took.
pub async fn health_turns(app: &TestApp, want: u16, limit: Duration) -> Option<Duration> {
    let client = Client::new();
    let t = Instant::now();
    while t.elapsed() < limit {
        let got = client
            .get(app.url("/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        if got == want {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// PostgreSQL goes away for `outage` under `n` learners' answers, then
/// comes back (the app reaches it through a [`Proxy`]).
pub async fn postgres_outage(n: usize, outage: Duration) -> Report {
    let admin: url::Url = super::postgres_admin_url().parse().expect("url");
    let target: SocketAddr = tokio::net::lookup_host((
        admin.host_str().unwrap_or("127.0.0.1"),
        admin.port().unwrap_or(5432),
    ))
    .await
    .expect("resolve")
    .next()
    .expect("an address");
    let proxy = Proxy::start(target).await;
    let relay = proxy.addr;
    let app = TestApp::spawn_alone_with(super::Backend::Postgres, move |cfg| {
        let mut u: url::Url = cfg.database_url.parse().expect("url");
        u.set_port(Some(relay.port())).expect("port");
        u.set_host(Some("127.0.0.1")).expect("host");
        cfg.database_url = u.to_string();
    })
    .await;
    let learners = Learners::start(&app, n, Duration::from_millis(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut r = Report {
        fault: format!("PostgreSQL gone for {} s", outage.as_secs()),
        ..Report::default()
    };
    let from = learners.now();
    proxy.cut();
    r.health_down_after = health_turns(&app, 503, outage).await;
    tokio::time::sleep(outage.saturating_sub(learners.now() - from)).await;
    let to = learners.now();
    proxy.restore();
    r.after_the_fault(&app, learners, from, to).await;
    app.cleanup().await;
    r
}

/// The disk under a SQLite file fills up under `n` learners' answers, stays
/// full for `full` after the first write failed, then is freed.
pub async fn sqlite_full_disk(n: usize, full: Duration) -> Report {
    let fs = Tmpfs::mount(64);
    let path = fs.dir.path().join("rapport.db");
    let url = format!("sqlite://{}", path.display());
    let app = TestApp::spawn_alone_with(super::Backend::Sqlite, move |cfg| {
        cfg.database_url = url;
    })
    .await;
    let learners = Learners::start(&app, n, Duration::from_millis(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut r = Report {
        fault: format!("SQLite disk full for {} s", full.as_secs()),
        ..Report::default()
    };
    let from = learners.now();
    let filler = fs.fill();
    r.health_down_after = health_turns(&app, 503, Duration::from_secs(20)).await;
    tokio::time::sleep(full).await;
    let to = learners.now();
    std::fs::remove_file(&filler).expect("free the disk");
    r.after_the_fault(&app, learners, from, to).await;
    r.integrity = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&app.db.pool)
        .await
        .ok();
    app.cleanup().await;
    drop(fs);
    r
}

/// Another client takes every connection slot the app's database role has
/// and the app's own connections are ended by the server (57P01, as
/// `pg_terminate_backend` or a restart does), for `hold`; then the slots are
/// given back. The app connects as a role with a connection limit.
pub async fn postgres_slots_taken(n: usize, hold: Duration) -> Report {
    use sqlx::Connection;
    let role = format!("rapport_slots_{}", std::process::id());
    let admin = sqlx::PgPool::connect(&super::postgres_admin_url())
        .await
        .expect("PostgreSQL answers");
    let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&admin)
        .await;
    sqlx::query(&format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 14"))
        .execute(&admin)
        .await
        .expect("create a role");
    let (role_in, admin_url) = (role.clone(), super::postgres_admin_url());
    let app = TestApp::spawn_alone_with(super::Backend::Postgres, move |cfg| {
        let mut u: url::Url = cfg.database_url.parse().expect("url");
        let name = u.path().trim_start_matches('/').to_string();
        // The tweak is not async: the role gets the database on a thread
        // of its own before the app connects as that role.
        let owner = format!("ALTER DATABASE {name} OWNER TO {role_in}");
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let admin = sqlx::PgPool::connect(&admin_url).await.expect("admin");
                    sqlx::query(&owner).execute(&admin).await.expect("owner");
                    admin.close().await;
                })
        })
        .join()
        .expect("owner thread");
        u.set_username(&role_in).expect("user");
        cfg.database_url = u.to_string();
    })
    .await;
    let learners = Learners::start(&app, n, Duration::from_millis(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut r = Report {
        fault: format!(
            "PostgreSQL: every connection slot taken, the app's ended, for {} s",
            hold.as_secs()
        ),
        ..Report::default()
    };
    let from = learners.now();
    let mut as_role: url::Url = app.config.database_url.parse().expect("url");
    as_role.set_username(&role).expect("user");
    let as_role = as_role.to_string();
    let mut hog = Vec::new();
    let end_theirs = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}' AND pid <> ALL($1)"
    );
    // Take the slots the app frees as its connections end, until none is left.
    for _ in 0..40 {
        while let Ok(Ok(c)) = tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::postgres::PgConnection::connect(&as_role),
        )
        .await
        {
            hog.push(c);
        }
        let mut pids = Vec::new();
        for c in hog.iter_mut() {
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut *c)
                .await
                .expect("pid");
            pids.push(pid);
        }
        let ended: Vec<bool> = sqlx::query_scalar(&end_theirs)
            .bind(&pids)
            .fetch_all(&admin)
            .await
            .expect("terminate");
        if ended.is_empty() && hog.len() >= 14 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    r.health_down_after = health_turns(&app, 503, hold).await;
    tokio::time::sleep(hold.saturating_sub(learners.now() - from)).await;
    let to = learners.now();
    drop(hog);
    r.after_the_fault(&app, learners, from, to).await;
    app.cleanup().await;
    let _ = sqlx::query(&format!("DROP ROLE IF EXISTS {role}"))
        .execute(&admin)
        .await;
    admin.close().await;
    r
}
