//! Managers' dashboards at the size of a large company: 100,000 employees,
//! 50 courses (`rapport generate`), against the optimised `rapport` binary
//! on 127.0.0.1. SQLite by default (a file kept in
//! `target/bench-dashboard/`, generated on the first run);
//! `RAPPORT_DASH_DATABASE_URL=postgres://…/db` runs it on PostgreSQL (the
//! database is generated when it holds no generated organisation).
//!
//! Measures, one request at a time (full page renders, as a browser gets
//! them):
//! * the organisation overview (`/dashboard` as an administrator: every
//!   team's figures, the heat map's first page, trend, competencies);
//! * a manager's overview of their own team;
//! * one team's drill-down (`/dashboard/teams/ID`) and one person's;
//! * the full CSV export of the organisation (`/dashboard/export.csv`),
//!   read to the end, in rows per second.
//!
//!   cargo bench --bench dashboard
//!
//! Goals (issue 5): overview p95 < 200 ms, drill-down p95 < 50 ms, export
//! ≥ 100,000 rows/s.

#[path = "support/serve.rs"]
mod serve;

use std::process::Command;
use std::time::{Duration, Instant};

const PASSWORD: &str = "scale-test-password";
const EMPLOYEES: &str = "100000";
const COURSES: &str = "50";

fn database_url() -> String {
    std::env::var("RAPPORT_DASH_DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dashboard");
        std::fs::create_dir_all(&dir).expect("bench folder");
        format!("sqlite://{}/dashboard.db", dir.display())
    })
}

/// Generates the organisation unless the database already holds one.
fn ensure_generated(db: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["generate", "--employees", EMPLOYEES, "--courses", COURSES])
        .args(["--database-url", db])
        .env("RAPPORT_GENERATE_PASSWORD", PASSWORD)
        .env("RUST_LOG", "error")
        .output()
        .expect("run rapport generate");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        println!("{}", text.trim());
    } else if err.contains("already holds a generated organisation") {
        println!("Using the organisation already generated in {db}.");
    } else {
        panic!("rapport generate failed: {err}");
    }
}

async fn start_server(db: &str) -> serve::Served {
    serve::serve(
        tempfile::tempdir().expect("temp dir"),
        serve::free_port(),
        &["--database-url", db],
        &[],
        "error",
        Duration::from_secs(120),
    )
    .await
}

async fn sign_in(base: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()
        .expect("client");
    let res = client
        .post(format!("{base}/api/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert!(
        res.status().is_success(),
        "sign in as {email}: {}",
        res.status()
    );
    client
}

/// Times `n` sequential GETs of `path` after 3 unmeasured ones.
async fn time_page(client: &reqwest::Client, base: &str, path: &str, n: usize) -> Vec<Duration> {
    let url = format!("{base}{path}");
    let mut out = Vec::with_capacity(n);
    for i in 0..n + 3 {
        let t = Instant::now();
        let res = client.get(&url).send().await.expect("request");
        let status = res.status();
        let body = res.bytes().await.expect("body");
        let took = t.elapsed();
        assert!(status.is_success(), "{path}: {status}");
        assert!(body.len() > 1000, "{path}: a real page");
        if i >= 3 {
            out.push(took);
        }
    }
    out
}

fn report(name: &str, mut lat: Vec<Duration>, goal_ms: Option<f64>) {
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1];
    let p95 = ms(pick(0.95));
    let verdict = match goal_ms {
        Some(g) if p95 < g => format!("  (goal p95 < {g} ms: met)"),
        Some(g) => format!("  (goal p95 < {g} ms: NOT met)"),
        None => String::new(),
    };
    println!(
        "{name:<42} n={:<3} p50 {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms{verdict}",
        lat.len(),
        ms(pick(0.5)),
        p95,
        ms(*lat.last().expect("samples"))
    );
}

#[tokio::main]
async fn main() {
    let db = database_url();
    let backend = if db.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "Dashboards at scale on {backend} ({})",
        db.split('@').next_back().unwrap_or("")
    );
    let t = Instant::now();
    ensure_generated(&db);
    println!("(setup {:.1} s)", t.elapsed().as_secs_f64());
    let server = start_server(&db).await;
    let base = server.base.clone();

    let admin = sign_in(&base, "admin@scale.test").await;
    let manager = sign_in(&base, "m00001@scale.test").await;
    // The manager's team and one of its people, from the manager's own page.
    let page = manager
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .expect("manager overview")
        .text()
        .await
        .expect("page");
    let team = page
        .split("/dashboard/teams/")
        .nth(1)
        .and_then(|s| s.split(['"', '?']).next())
        .expect("a team link")
        .to_owned();
    let team_page = manager
        .get(format!("{base}/dashboard/teams/{team}"))
        .send()
        .await
        .expect("team page")
        .text()
        .await
        .expect("page");
    let person = team_page
        .split("/dashboard/people/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a person link")
        .to_owned();

    report(
        "organisation overview (admin, all teams)",
        time_page(&admin, &base, "/dashboard", 40).await,
        Some(200.0),
    );
    report(
        "overview filtered (admin, one course, overdue)",
        time_page(
            &admin,
            &base,
            "/dashboard?course=scale-007&status=overdue",
            40,
        )
        .await,
        Some(200.0),
    );
    report(
        "overview page 100 of the heat map (admin)",
        time_page(&admin, &base, "/dashboard?page=100", 40).await,
        Some(200.0),
    );
    report(
        "manager overview (own team)",
        time_page(&manager, &base, "/dashboard", 40).await,
        Some(200.0),
    );
    report(
        "team drill-down (manager)",
        time_page(&manager, &base, &format!("/dashboard/teams/{team}"), 60).await,
        Some(50.0),
    );
    report(
        "person drill-down (manager)",
        time_page(&manager, &base, &format!("/dashboard/people/{person}"), 60).await,
        Some(50.0),
    );

    // The whole organisation as CSV, read to the end.
    for run in 1..=2 {
        let t = Instant::now();
        let mut res = admin
            .get(format!("{base}/dashboard/export.csv"))
            .send()
            .await
            .expect("export");
        assert!(res.status().is_success());
        let first = t.elapsed();
        let (mut bytes, mut lines) = (0usize, 0usize);
        while let Some(chunk) = res.chunk().await.expect("chunk") {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let secs = t.elapsed().as_secs_f64();
        let rows = lines.saturating_sub(1);
        println!(
            "full CSV export, run {run}: {rows} rows, {:.1} MB in {secs:.2} s = {:.0} rows/s (first byte after {:.0} ms){}",
            bytes as f64 / 1e6,
            rows as f64 / secs,
            first.as_secs_f64() * 1000.0,
            if rows as f64 / secs >= 100_000.0 { "  (goal ≥ 100,000 rows/s: met)" } else { "  (goal ≥ 100,000 rows/s: NOT met)" }
        );
    }
    drop(server);
}
