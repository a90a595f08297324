//! The email outbox's throughput: messages queued at once, sent by the
//! app's own sender over SMTP to a real server on loopback (aiosmtpd,
//! `tests/support/smtp_sink.py`, which parses and writes every message),
//! timed from the commit that queued them to the last recorded as sent.
//! SQLite by default; `RAPPORT_OUTBOX_DATABASE_URL=postgres://…/db` (a new
//! database) for PostgreSQL. Needs `scripts/setup --test` (aiosmtpd).
//!
//!   cargo bench --bench outbox
//!
//! Goal (issue 19): ≥ 200 emails/s on this machine.

#[path = "../tests/common/smtp.rs"]
mod smtp;

use rapport::server::config::Config;
use rapport::server::mail::Settings;
use rapport::server::Server;
use std::time::{Duration, Instant};

const MESSAGES: i64 = 3000;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let sink = smtp::Sink::start(0);
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
    let server = Server::build(cfg).await.expect("the app starts");
    let db = server.state.db.clone();
    let mail = server.state.mail.clone();
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
    let start = Instant::now();
    mail.wake();
    loop {
        let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .fetch_one(&db.pool)
            .await
            .expect("count");
        if sent >= MESSAGES {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "only {sent} sent in 300 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let received = sink.messages().len();
    println!(
        "outbox {:?} ({} side by side): {MESSAGES} emails sent in {secs:.2} s = {:.0} emails/s (goal >= 200); the server received {received}",
        db.backend,
        rapport::server::mail::sender::CONCURRENCY,
        MESSAGES as f64 / secs
    );
    assert_eq!(received as i64, MESSAGES, "every message arrived once");
}
