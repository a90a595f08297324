//! The email outbox's throughput: messages queued at once, sent by the
//! app's own sender over SMTP to a real server on loopback (aiosmtpd,
//! `tests/support/smtp_sink.py`, keeping each message's bytes),
//! timed from the commit that queued them to the last recorded as sent.
//! SQLite by default; `RAPPORT_OUTBOX_DATABASE_URL=postgres://…/db` (a new
//! database) for PostgreSQL. Needs `scripts/setup --test` (aiosmtpd).
//!
//!   cargo bench --bench outbox
//!
//! Then the same for xAPI statements, posted to a real LRS on loopback (npm
//! `xapi-statements`, in memory).
//!
//! Goals (issue 19): ≥ 200 emails/s and ≥ 1,000 statements/s on this machine.

#[path = "../tests/common/lrs.rs"]
mod lrs;
#[path = "../tests/common/smtp.rs"]
mod smtp;

use rapport::server::config::Config;
use rapport::server::mail::Settings;
use rapport::server::Server;
use std::time::{Duration, Instant};

const MESSAGES: i64 = 3000;
const STATEMENTS: i64 = 10_000;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let sink = smtp::Sink::start_raw();
    let lrs = lrs::Lrs::start(0).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("RAPPORT_OUTBOX_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/outbox.db", dir.path().display()));
    let mut cfg = Config::new("127.0.0.1:0".parse().expect("addr"), url);
    cfg.site_root = dir.path().join("site");
    cfg.mail = Some(
        Settings::new(
            &sink.url(),
            "Rapport <training@example.com>",
            "https://r.example.com",
        )
        .expect("settings"),
    );
    cfg.xapi = Some(
        rapport::server::xapi::Settings::new(
            &lrs.endpoint(),
            "bench",
            "secret",
            "https://r.example.com",
        )
        .expect("xapi settings"),
    );
    let server = Server::build(cfg).await.expect("the app starts");
    assert!(server.state.xapi.settings().is_some(), "xAPI is on");
    let db = server.state.db.clone();
    let mail = server.state.mail.clone();
    let xapi = server.state.xapi.clone();
    tokio::spawn(async move {
        let _ = server.run().await;
    });
    let body = "Hello,\n\nA reminder about your course. Open it: https://r.example.com/learn/x\n";
    let html = "<p>Hello,</p><p>A reminder about your course.</p>";
    let t = rapport::server::now();
    let mut tx = db.pool.begin().await.expect("tx");
    for i in 0..MESSAGES {
        sqlx::query(
            "INSERT INTO outbox (kind, recipient, recipient_name, subject, body_text, body_html, unsubscribe, next_attempt_at, created_at) \
             VALUES ('nudge', $1, $2, 'Reminder: “Handling complaints” is overdue', $3, $4, 'https://r.example.com/unsubscribe/1.nudge.x', $5, $5)",
        )
        .bind(format!("person{i}@example.com"))
        .bind(format!("Person Ünïcode {i}"))
        .bind(body)
        .bind(html)
        .bind(t)
        .execute(&mut *tx)
        .await
        .expect("queue");
    }
    tx.commit().await.expect("commit");
    mail.wake();
    let secs = all_sent(&db, "outbox", MESSAGES).await;
    let received = sink.count();
    println!(
        "outbox {:?} ({} side by side): {MESSAGES} emails sent in {secs:.2} s = {:.0} emails/s (goal >= 200); the server received {received}",
        db.backend,
        rapport::server::mail::sender::CONCURRENCY,
        MESSAGES as f64 / secs
    );
    assert_eq!(received as i64, MESSAGES, "every message arrived once");

    let mut tx = db.pool.begin().await.expect("tx");
    for i in 0..STATEMENTS {
        let id = format!("00000000-0000-4000-8000-{i:012}");
        let statement = format!(
            r#"{{"id":"{id}","actor":{{"objectType":"Agent","account":{{"homePage":"https://r.example.com","name":"{}"}}}},"verb":{{"id":"http://adlnet.gov/expapi/verbs/responded","display":{{"en":"responded"}}}},"object":{{"objectType":"Activity","id":"https://r.example.com/xapi/activities/c/s/scene-{}","definition":{{"type":"http://adlnet.gov/expapi/activities/cmi.interaction","interactionType":"choice","choices":[{{"id":"a","description":{{"en":"I hear you."}}}},{{"id":"b","description":{{"en":"Calm down."}}}}]}}}},"result":{{"response":"a"}},"timestamp":"2026-12-04T10:00:00Z"}}"#,
            i % 500,
            i % 20
        );
        sqlx::query("INSERT INTO xapi_outbox (statement_id, statement, next_attempt_at, created_at) VALUES ($1, $2, $3, $3)")
            .bind(&id)
            .bind(statement)
            .bind(t)
            .execute(&mut *tx)
            .await
            .expect("queue");
    }
    tx.commit().await.expect("commit");
    xapi.wake();
    let secs = all_sent(&db, "xapi_outbox", STATEMENTS).await;
    let stored = lrs.statements().await.len();
    println!(
        "xapi {:?}: {STATEMENTS} statements sent in {secs:.2} s = {:.0} statements/s (goal >= 1000); the LRS returns {stored} of them on one page",
        db.backend,
        STATEMENTS as f64 / secs
    );
}

/// Seconds until `n` rows of an outbox `table` are sent (at most 300).
async fn all_sent(db: &rapport::server::db::Db, table: &str, n: i64) -> f64 {
    let start = Instant::now();
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE status = 'sent'");
    loop {
        let sent: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&db.pool)
            .await
            .expect("count");
        if sent >= n {
            return start.elapsed().as_secs_f64();
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "only {sent} of {n} sent in 300 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
