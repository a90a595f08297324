//! Other people's pages while someone is hostile, against the optimised
//! `rapport` binary on 127.0.0.1 with a generated organisation (12,000
//! employees, 8 courses; SQLite by default, `RAPPORT_HOSTILE_DATABASE_URL=
//! postgres://…/db` for a NEW PostgreSQL database):
//!
//! 1. quiet: 10 signed-in employees load *My learning* on keep-alive
//!    connections;
//! 2. the same while two trainers' live checks run back to back on a
//!    1,000-scene scenario with loops (the score search's worst case);
//! 3. the same while a trainer pages through the history of a file with
//!    200 revisions of 1 MB, each unlike the one before;
//! 4. the same while 20 CSV exports (12 MB each) are stalled by clients
//!    that stopped reading.
//!
//! Prints p50/p99 of the employees' pages per phase and the live check's
//! own latency. `RAPPORT_LOAD_SECS` sets each phase's length (default 10).
//! The load generator shares the two cores with the server.
//!
//!   cargo bench --bench hostile_load

#[path = "support/serve.rs"]
mod serve;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "scale-test-password";
const EMPLOYEES: usize = 10;

async fn start_server() -> serve::Served {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = std::env::var("RAPPORT_HOSTILE_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/hostile.db", dir.path().display()));
    let status = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["generate", "--employees", "12000", "--courses", "8"])
        .args(["--database-url", &db])
        .env("RAPPORT_GENERATE_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .status()
        .expect("generate");
    assert!(status.success(), "rapport generate failed");
    add_long_history(&db).await;
    serve::serve(
        dir,
        serve::free_port(),
        &["--database-url", &db],
        &[],
        "warn",
        Duration::from_secs(60),
    )
    .await
}

/// The file whose history is long.
const HISTORY_FILE: &str = "empathetic-listening/01-listening-is-the-job.md";

/// 200 published revisions of about 1 MB each, every one unlike the one
/// before (a diff's worst case), written straight into the database.
async fn add_long_history(url: &str) {
    let db = rapport::server::db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for revision in 1..=200i64 {
        let mut text = String::with_capacity(1_050_000);
        while text.len() < 1_000_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(&format!("Line {seed:x} of revision {revision}.\n"));
        }
        sqlx::query(
            "INSERT INTO content_revisions (path, revision, source, origin, published_by, published_at)
             VALUES ($1, $2, $3, 'folder', NULL, $4)",
        )
        .bind(HISTORY_FILE)
        .bind(revision)
        .bind(text)
        .bind(revision)
        .execute(&db.pool)
        .await
        .expect("a revision");
    }
    db.pool.close().await;
}

async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let res = c
        .post(format!("{base}/api/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert!(res.status().is_success(), "login {email}: {}", res.status());
    c
}

/// A scenario of `n` scenes: each offers a step forward and a step back,
/// so the graph is full of loops and the route search runs to its budget.
fn big_scenario(n: usize) -> String {
    let mut s = String::from(
        "---\nid: big\nkind: scenario\ntitle: A very long call\nminutes: 30\npersona: Sam\n\
         situation: Sam calls about everything.\nmood: patient\nchannel: phone\n\
         competencies: [empathy, listening, honesty]\nscoring: choices\n---\n\n# A very long call\n\n",
    );
    for i in 0..n {
        let next = if i + 1 == n {
            "end".to_string()
        } else {
            format!("s{}", i + 1)
        };
        let back = format!("s{}", i.saturating_sub(1));
        s.push_str(&format!(
            "## Scene {i} {{#s{i}}}\n\n**Sam:** Line {i}.\n\n\
             - [Go on](#{next})\n\n  > Fine.\n\n  Effects: empathy +1\n\n\
             - [Go back](#{back})\n\n  > Back.\n\n  Effects: listening +1\n\n"
        ));
    }
    s.push_str("## The end {#end}\n\nEnding: resolved\n\nDone.\n");
    s
}

struct Figures {
    n: usize,
    p50: Duration,
    p99: Duration,
}

fn figures(mut lat: Vec<Duration>) -> Figures {
    lat.sort_unstable();
    let at = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    Figures {
        n: lat.len(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// The employees' page loads for `secs`.
async fn pages(base: &str, clients: &[reqwest::Client], secs: u64) -> Figures {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|c| {
            let url = format!("{base}/learn");
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let r = c.get(&url).send().await.expect("page");
                    assert!(r.status().is_success(), "{}", r.status());
                    r.bytes().await.expect("body");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    figures(all)
}

fn print(phase: &str, f: &Figures) {
    println!(
        "hostile_load: {phase:<52} My learning p50 {:>7.2} ms   p99 {:>7.2} ms   ({} pages)",
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.n
    );
}

#[tokio::main]
async fn main() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let secs: u64 = std::env::var("RAPPORT_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let server = start_server().await;
    let base = server.base.clone();
    let mut employees = Vec::new();
    for n in 1..=EMPLOYEES {
        employees.push(signed_in(&base, &format!("e{n:07}@scale.test")).await);
    }
    let quiet = pages(&base, &employees, secs).await;
    print("quiet", &quiet);

    // Two trainers checking a 1,000-scene scenario back to back.
    let text = Arc::new(big_scenario(1_000));
    let stop = Arc::new(AtomicBool::new(false));
    let mut checkers = Vec::new();
    for _ in 0..2 {
        let c = signed_in(&base, "admin@scale.test").await;
        let (text, stop, base) = (text.clone(), stop.clone(), base.clone());
        checkers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = c
                    .post(format!("{base}/api/author_check"))
                    .form(&[
                        ("path", "empathetic-listening/99-big.md"),
                        ("source", text.as_str()),
                    ])
                    .send()
                    .await
                    .expect("check");
                assert!(r.status().is_success(), "check: {}", r.status());
                r.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let during_checks = pages(&base, &employees, secs).await;
    stop.store(true, Ordering::Relaxed);
    let mut checks = Vec::new();
    for c in checkers {
        checks.extend(c.await.expect("checker"));
    }
    print(
        "while 2 trainers check a 1,000-scene scenario",
        &during_checks,
    );
    let checks = figures(checks);
    println!(
        "hostile_load: the live check itself: p50 {:.0} ms, p99 {:.0} ms ({} checks)",
        checks.p50.as_secs_f64() * 1000.0,
        checks.p99.as_secs_f64() * 1000.0,
        checks.n
    );

    // A trainer opening the history of a file with 200 revisions of 1 MB.
    let stop = Arc::new(AtomicBool::new(false));
    let historian = {
        let c = signed_in(&base, "admin@scale.test").await;
        let (stop, base) = (stop.clone(), base.clone());
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut shown = 200;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = c
                    .get(format!(
                        "{base}/author/history?path={}&revision={shown}",
                        HISTORY_FILE.replace('/', "%2F")
                    ))
                    .send()
                    .await
                    .expect("history");
                assert!(r.status().is_success(), "history: {}", r.status());
                r.bytes().await.expect("body");
                lat.push(t.elapsed());
                shown = if shown > 2 { shown - 1 } else { 200 };
            }
            lat
        })
    };
    let during_history = pages(&base, &employees, secs).await;
    stop.store(true, Ordering::Relaxed);
    let history = figures(historian.await.expect("historian"));
    print(
        "while a trainer reads 200 revisions of 1 MB",
        &during_history,
    );
    println!(
        "hostile_load: the history page itself: p50 {:.0} ms, p99 {:.0} ms ({} views)",
        history.p50.as_secs_f64() * 1000.0,
        history.p99.as_secs_f64() * 1000.0,
        history.n
    );

    // 20 exports that stop being read after their first bytes.
    let admin = signed_in(&base, "admin@scale.test").await;
    let cookie = {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/login"))
            .form(&[("email", "admin@scale.test"), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("rapport_session="))
            .and_then(|c| c.split(';').next())
            .expect("cookie")
            .to_string()
    };
    drop(admin);
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small window");
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
        let mut s = socket.connect(addr).await.expect("connect");
        s.write_all(
            format!(
                "GET /dashboard/export.csv HTTP/1.1\r\nHost: {addr}\r\nCookie: rapport_session={cookie}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("request");
        let mut first = [0u8; 256];
        let _ = s.read(&mut first).await.expect("first bytes");
        stalled.push(s);
    }
    let during_stalls = pages(&base, &employees, secs).await;
    print("while 20 CSV downloads stall", &during_stalls);
    drop(stalled);
}
