//! xAPI statements against a real LRS on loopback (npm `xapi-statements`,
//! `tests/common/lrs.rs`), on SQLite and PostgreSQL: a scenario played to
//! its ending arrives with every reply, a quiz with every answer, an
//! invalid statement is reported without holding up the rest, and an LRS
//! that is down delays but loses nothing.
#![cfg(feature = "ssr")]

mod common;

use common::learner::*;
use common::lrs::Lrs;
use common::{Backend, TestApp};
use rapport::domain::Role;
use rapport::server::config::Config;
use rapport::server::xapi::Settings;
use serde_json::Value;
use std::time::{Duration, Instant};

const PUBLIC: &str = "https://training.example.com";

fn xapi_config(endpoint: &str) -> impl FnOnce(&mut Config) + '_ {
    move |cfg: &mut Config| {
        let mut s = Settings::new(endpoint, "rapport", "secret", PUBLIC).expect("settings");
        s.timing.retry_base = Duration::from_secs(1);
        s.timing.poll = Duration::from_millis(200);
        s.timing.lease = Duration::from_secs(2);
        cfg.xapi = Some(s);
    }
}

/// Waits until no statement is waiting to be sent.
async fn drained(app: &TestApp) {
    let start = Instant::now();
    while app
        .count("SELECT COUNT(*) FROM xapi_outbox WHERE status = 'queued'")
        .await
        > 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "statements still queued"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn verb(s: &Value) -> &str {
    s["verb"]["id"]
        .as_str()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
}

/// A scenario played to its ending: attempted, a `responded` per reply,
/// `completed` with the result, all under one registration, the actor an
/// account; then a quiz with an `answered` per question and its result.
async fn a_scenario_arrives_with_every_reply(backend: Backend) {
    let lrs = Lrs::start(0).await;
    let app = TestApp::spawn_with(backend, xapi_config(&lrs.endpoint())).await;
    let me = app
        .user("learner@example.com", &[Role::Employee], None)
        .await;
    let client = app.login_as("learner@example.com").await;
    let end = play_through(&app, &client, SCENARIO).await;
    assert!(end.ending.is_some());
    let steps = app.count("SELECT COUNT(*) FROM attempt_steps").await;
    drained(&app).await;
    let got = lrs.statements().await;
    let verbs: Vec<&str> = got.iter().map(verb).collect();
    // The course was launched by this first attempt, once.
    assert_eq!(verbs[..2], ["launched", "attempted"], "{verbs:?}");
    assert_eq!(
        got[0]["object"]["id"],
        format!("{PUBLIC}/xapi/activities/{COURSE}")
    );
    assert_eq!(verbs.last(), Some(&"completed"), "{verbs:?}");
    assert_eq!(
        verbs.iter().filter(|v| **v == "responded").count() as i64,
        steps,
        "{verbs:?}"
    );
    let registration = got[1]["context"]["registration"]
        .as_str()
        .expect("registration");
    assert!(got[1..]
        .iter()
        .all(|s| s["context"]["registration"] == registration));
    for s in &got {
        assert_eq!(s["actor"]["account"]["homePage"], PUBLIC);
        assert_eq!(s["actor"]["account"]["name"], me.to_string());
        assert!(s["actor"]["mbox"].is_null(), "no email in statements");
    }
    let reply = got.iter().find(|s| verb(s) == "responded").unwrap();
    let def = &reply["object"]["definition"];
    assert_eq!(
        def["type"],
        "http://adlnet.gov/expapi/activities/cmi.interaction"
    );
    assert!(matches!(
        def["interactionType"].as_str(),
        Some("choice") | Some("long-fill-in")
    ));
    assert!(reply["result"]["response"].is_string());
    assert!(reply["object"]["id"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{PUBLIC}/xapi/activities/{COURSE}/{SCENARIO}/")));
    let ended = got.last().unwrap();
    assert_eq!(ended["result"]["completion"], true);
    // Sent once: the ids the LRS holds are the outbox's.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM xapi_outbox WHERE status = 'sent'")
            .await,
        got.len() as i64
    );

    let before = got.len();
    take_quiz(&app, &client, 100).await;
    drained(&app).await;
    let got = lrs.statements().await;
    let quiz: Vec<&str> = got[before..].iter().map(verb).collect();
    // Same course: launched only once.
    assert_eq!(quiz.first(), Some(&"attempted"), "{quiz:?}");
    assert_eq!(quiz.last(), Some(&"passed"), "{quiz:?}");
    assert!(
        quiz.iter().filter(|v| **v == "answered").count() >= 2,
        "{quiz:?}"
    );
    let answered = got[before..]
        .iter()
        .find(|s| verb(s) == "answered")
        .unwrap();
    assert_eq!(answered["result"]["success"], true);
    assert!(answered["object"]["definition"]["correctResponsesPattern"].is_array());
    app.cleanup().await;
}

/// An invalid statement is refused with the LRS's reason and not retried;
/// the valid ones beside it arrive.
async fn an_invalid_statement_is_reported(backend: Backend) {
    let lrs = Lrs::start(0).await;
    let app = TestApp::spawn_with(backend, xapi_config(&lrs.endpoint())).await;
    let t = rapport::server::now();
    let good = |id: &str| {
        serde_json::json!({
            "id": id,
            "actor": { "objectType": "Agent", "account": { "homePage": PUBLIC, "name": "1" } },
            "verb": { "id": "http://adlnet.gov/expapi/verbs/experienced", "display": { "en": "experienced" } },
            "object": { "objectType": "Activity", "id": format!("{PUBLIC}/xapi/activities/x") },
        })
        .to_string()
    };
    let rows = [
        ("6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b01", good("6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b01")),
        (
            "6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b02",
            r#"{"id":"6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b02","actor":{"mbox":"not-an-address"},"verb":{"id":"x"},"object":{"id":"y"}}"#.to_owned(),
        ),
        ("6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b03", good("6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b03")),
    ];
    let mut tx = app.db.pool.begin().await.expect("tx");
    for (id, json) in &rows {
        sqlx::query(
            "INSERT INTO xapi_outbox (statement_id, statement, next_attempt_at, created_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(id)
        .bind(json)
        .bind(t)
        .execute(&mut *tx)
        .await
        .expect("queue");
    }
    tx.commit().await.expect("commit");
    drained(&app).await;
    let (status, error): (String, Option<String>) = sqlx::query_as(
        "SELECT status, last_error FROM xapi_outbox WHERE statement_id = '6fa2a0f5-0a3c-4d6d-9d55-6c1f3a3e2b02'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("row");
    assert_eq!(status, "failed");
    let error = error.unwrap_or_default();
    assert!(error.starts_with("400"), "{error}");
    assert!(error.contains("mbox"), "the LRS's reason: {error}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM xapi_outbox WHERE status = 'sent'")
            .await,
        2
    );
    assert_eq!(lrs.statements().await.len(), 2);
    app.cleanup().await;
}

/// The LRS is down: statements wait with the reason; when it comes back,
/// each arrives once.
async fn lrs_down_then_back(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let endpoint = format!("http://127.0.0.1:{port}/xAPI");
    let app = TestApp::spawn_with(backend, xapi_config(&endpoint)).await;
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let client = app.login_as("learner@example.com").await;
    play_through(&app, &client, SCENARIO).await;
    let start = Instant::now();
    while app
        .count(
            "SELECT COUNT(*) FROM xapi_outbox WHERE status = 'queued' AND last_error IS NOT NULL",
        )
        .await
        == 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no failed attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let queued = app.count("SELECT COUNT(*) FROM xapi_outbox").await;
    assert!(queued >= 3);
    let lrs = Lrs::start(port).await;
    drained(&app).await;
    let got = lrs.statements().await;
    assert_eq!(got.len() as i64, queued);
    let mut ids: Vec<&str> = got.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as i64, queued, "nothing twice");
    app.cleanup().await;
}

/// Attempts finished before xAPI was turned on are sent when the admin
/// asks, once, however often they ask.
async fn past_attempts_are_backfilled(backend: Backend) {
    let lrs = Lrs::start(0).await;
    let mut app = TestApp::spawn(backend).await;
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let client = app.login_as("learner@example.com").await;
    play_through(&app, &client, SCENARIO).await;
    take_quiz(&app, &client, 0).await;
    let steps = app.count("SELECT COUNT(*) FROM attempt_steps").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM xapi_outbox").await, 0);
    // A second later, xAPI is turned on.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    xapi_config(&lrs.endpoint())(&mut app.config);
    app.restart().await;
    let admin = app.login_as("admin@example.com").await;
    let res = app.call(&admin, "admin_xapi_backfill", &[]).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    drained(&app).await;
    let got = lrs.statements().await;
    let verbs: Vec<&str> = got.iter().map(verb).collect();
    assert_eq!(
        verbs.iter().filter(|v| **v == "attempted").count(),
        2,
        "{verbs:?}"
    );
    assert_eq!(
        verbs
            .iter()
            .filter(|v| **v == "responded" || **v == "answered")
            .count() as i64,
        steps,
        "{verbs:?}"
    );
    assert!(
        verbs.contains(&"completed") && verbs.contains(&"failed"),
        "{verbs:?}"
    );
    // Again: nothing new.
    let res = app.call(&admin, "admin_xapi_backfill", &[]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    drained(&app).await;
    assert_eq!(lrs.statements().await.len(), got.len());
    let page = app.get(&admin, "/admin/email").await.text().await.unwrap();
    assert!(page.contains("Send past attempts"), "{page}");
    app.cleanup().await;
}

on_both_backends!(
    a_scenario_arrives_with_every_reply,
    an_invalid_statement_is_reported,
    lrs_down_then_back,
    past_attempts_are_backfilled,
);
