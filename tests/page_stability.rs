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
