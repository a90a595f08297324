//! Every page answers completely, request after request, with several
//! browsers at once. Guards against server-rendering faults that drop or
//! stall a small fraction of responses (one was a reactive value read after
//! an `.await` in a page the router had already disposed).
#![cfg(feature = "ssr")]

mod common;

use common::{Backend, TestApp};
use rapport::domain::Role;
use std::sync::Arc;
use std::time::Duration;

const PAGES: [&str; 10] = [
    "/",
    "/login",
    "/account",
    "/team",
    "/admin/users",
    "/admin/users/1",
    "/admin/teams",
    "/admin/teams/1",
    "/invite/not-a-token",
    "/no/such/page",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_completely_under_concurrent_load() {
    let app = Arc::new(TestApp::spawn(Backend::Sqlite).await);
    let team = app.team("Contact Centre").await;
    app.user(
        "admin@example.com",
        &[Role::Admin, Role::Manager],
        Some(team),
    )
    .await;
    app.user("dana@example.com", &[Role::Employee], Some(team))
        .await;
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let client = match t % 3 {
                0 => app.client(),
                1 => app.login_as("admin@example.com").await,
                _ => app.login_as("dana@example.com").await,
            };
            for i in 0..120 {
                let path = PAGES[(i + t) % PAGES.len()];
                let res = client
                    .get(app.url(path))
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("GET {path} #{i}: {e:?}"));
                let status = res.status();
                assert!(status.as_u16() < 500, "GET {path}: {status}");
                res.text()
                    .await
                    .unwrap_or_else(|e| panic!("GET {path} #{i} ({status}) body cut short: {e:?}"));
            }
        }));
    }
    for task in tasks {
        task.await.expect("no request stalled");
    }
    if let Ok(app) = Arc::try_unwrap(app) {
        app.cleanup().await;
    }
}

/// Generating the route list sets Leptos' process-wide "suppress resource
/// loads" flag; a page rendered meanwhile, by any server of the process,
/// would wait forever. The list is generated once per process, so asking
/// for it again (as every new server does) while pages render stalls
/// nothing. With a fresh generation per call, pages here stalled within a
/// few dozen requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_starting_does_not_stall_pages() {
    let app = TestApp::spawn_alone(Backend::Sqlite).await;
    let team = app.team("Contact Centre").await;
    app.user("dana@example.com", &[Role::Employee], Some(team))
        .await;
    let dana = app.login_as("dana@example.com").await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let starter = {
        let stop = stop.clone();
        let runtime = tokio::runtime::Handle::current();
        std::thread::spawn(move || {
            let _in_runtime = runtime.enter();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 2_000 {
                // What `Server::build` does for every new server.
                assert!(!rapport::server::http::routes().is_empty());
                n += 1;
            }
            n
        })
    };
    for i in 0..150 {
        // "/" and "/account" load their data through resources.
        let path = if i % 2 == 0 { "/" } else { "/account" };
        let res = dana
            .get(app.url(path))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} #{i} stalled: {e:?}"));
        assert_eq!(res.status().as_u16(), 200, "GET {path}");
        res.text()
            .await
            .unwrap_or_else(|e| panic!("GET {path} #{i} body cut short: {e:?}"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let asked = starter.join().expect("the starter thread");
    println!("the route list was asked for {asked} times while 150 pages rendered");
    app.cleanup().await;
}
