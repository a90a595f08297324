//! Email through the outbox, against a real SMTP server on loopback
//! (aiosmtpd from PyPI, `tests/support/smtp_sink.py`), on SQLite and
//! PostgreSQL: a manager's reminder arrives with its links and headers, an
//! invitation, one-click unsubscribe, a refused address, a server that is
//! down and comes back, a sender that died after its claim, a restart, two
//! instances on one database, and the scheduled reminders and digest.
#![cfg(feature = "ssr")]

mod common;

use common::learner::*;
use common::smtp::Sink;
use common::{Backend, TestApp};
use rapport::api::dashboard::NudgeResult;
use rapport::domain::Role;
use rapport::server::config::Config;
use rapport::server::mail::{schedule, Settings};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

const DAY: i64 = 86_400;
const PUBLIC: &str = "https://training.example.com";

fn mail_config(smtp: &str) -> impl FnOnce(&mut Config) + '_ {
    move |cfg: &mut Config| {
        let mut s = Settings::new(smtp, "Rapport Training <training@example.com>", PUBLIC)
            .expect("settings");
        s.timing.retry_base = Duration::from_secs(1);
        s.timing.poll = Duration::from_millis(200);
        s.timing.lease = Duration::from_secs(2);
        cfg.mail = Some(s);
    }
}

fn header<'a>(m: &'a Value, name: &str) -> &'a str {
    m["headers"][name].as_str().unwrap_or("")
}

fn text(m: &Value) -> &str {
    m["text"].as_str().unwrap_or("")
}

/// A team of three overdue on the listening course, and their manager.
async fn overdue_team(app: &TestApp, emails: [&str; 3]) -> (i64, [i64; 3]) {
    let team = app.team("Front Desk").await;
    let mut people = [0; 3];
    for (i, e) in emails.iter().enumerate() {
        people[i] = app.user(e, &[Role::Employee], Some(team)).await;
    }
    let m = app
        .user("manager@example.com", &[Role::Manager], None)
        .await;
    app.make_manager(m, team).await;
    sqlx::query("INSERT INTO assignments (team_id, course_id, due_at, assigned_by, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(team)
        .bind(COURSE)
        .bind(rapport::server::now() - 2 * DAY)
        .bind(m)
        .bind(rapport::server::now() - 10 * DAY)
        .execute(&app.db.pool)
        .await
        .expect("assign");
    rapport::server::dashboard::rebuild_all(&app.db)
        .await
        .expect("recount");
    (team, people)
}

async fn status_of(app: &TestApp, id_sql: &str) -> (String, Option<String>) {
    sqlx::query_as(&format!(
        "SELECT status, last_error FROM outbox WHERE {id_sql}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .expect("outbox row")
}

/// The manager's "Remind the overdue": a message per person with the
/// course link, the organisation, encoded names and one-click unsubscribe.
async fn reminder_arrives(backend: Backend) {
    let sink = Sink::start(0);
    let app = TestApp::spawn_with(backend, mail_config(&sink.url())).await;
    let (_, people) = overdue_team(
        &app,
        ["zoe@example.com", "li@example.com", "omar@example.com"],
    )
    .await;
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind("Zoë Ødegård-李")
        .bind(people[0])
        .execute(&app.db.pool)
        .await
        .expect("rename");
    let ma = app.login_as("manager@example.com").await;
    let r: NudgeResult = json(&app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!(r.sent, 3);
    let got = sink.wait_for(3).await;
    assert_eq!(got.len(), 3, "{got:#?}");
    let zoe = got
        .iter()
        .find(|m| m["rcpt_tos"][0] == "zoe@example.com")
        .expect("Zoë's reminder");
    assert_eq!(header(zoe, "to"), "Zoë Ødegård-李 <zoe@example.com>");
    assert_eq!(
        header(zoe, "from"),
        "Rapport Training <training@example.com>"
    );
    assert!(header(zoe, "subject").contains("is overdue"), "{zoe:#?}");
    // Non-ASCII travels as RFC 2047 encoded words: the head itself is ASCII.
    let head = zoe["raw_head"].as_str().unwrap();
    assert!(head.is_ascii(), "{head}");
    assert!(head.to_lowercase().contains("=?utf-8?"), "{head}");
    let body = text(zoe);
    assert!(body.starts_with("Hello Zoë Ødegård-李,"), "{body}");
    assert!(body.contains(&format!("{PUBLIC}/learn/{COURSE}")), "{body}");
    assert!(
        body.contains("Reminder") || body.contains("reminder"),
        "{body}"
    );
    let html = zoe["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("href=\"{PUBLIC}/learn/{COURSE}\"")),
        "{html}"
    );
    assert!(header(zoe, "message-id").starts_with("<rapport."));
    let unsub = header(zoe, "list-unsubscribe");
    assert!(
        unsub.starts_with(&format!("<{PUBLIC}/unsubscribe/")) && unsub.ends_with('>'),
        "{unsub}"
    );
    assert_eq!(
        header(zoe, "list-unsubscribe-post"),
        "List-Unsubscribe=One-Click"
    );
    // The in-app notice is still written.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE message LIKE 'Reminder from%'")
            .await,
        3
    );
    assert_eq!(
        app.count_reaches("SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 3)
            .await,
        3
    );

    // One click in the mail program (no cookies, no Origin): that kind only.
    let link = &unsub[1..unsub.len() - 1];
    let path = link.strip_prefix(PUBLIC).expect("public link");
    let anon = app.client();
    let res = anon
        .post(app.url(path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let off: Vec<(i64, String)> = sqlx::query_as("SELECT user_id, kind FROM mail_optouts")
        .fetch_all(&app.db.pool)
        .await
        .expect("optouts");
    assert_eq!(off, vec![(people[0], "nudge".to_owned())]);
    // The page says so, without signing in.
    let page = app.get(&anon, path).await.text().await.unwrap();
    assert!(
        page.contains("You will not get these emails any more"),
        "{page}"
    );
    // A forged or altered link changes nothing.
    let forged = path.replacen(&people[0].to_string(), &people[1].to_string(), 1);
    let res = anon.post(app.url(&forged)).send().await.expect("post");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = app.get(&anon, &forged).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM mail_optouts").await, 1);

    // Turned off: the next reminder of that kind is not queued.
    sqlx::query("DELETE FROM nudges")
        .execute(&app.db.pool)
        .await
        .expect("forget");
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db.pool)
        .await
        .expect("forget");
    let r: NudgeResult = json(&app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!(r.sent, 3, "the in-app notice still goes to all three");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 2);
    app.cleanup().await;
}

/// An invitation's email carries the link that lets the person in; its
/// body is erased once sent.
async fn invitation_arrives(backend: Backend) {
    let sink = Sink::start(0);
    let app = TestApp::spawn_with(backend, mail_config(&sink.url())).await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .call(
            &admin,
            "admin_create_user",
            &[
                ("email", "new.person@example.com"),
                ("name", "Renée Nouveau"),
                ("roles[role_employee]", "on"),
            ],
        )
        .await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.contains("emailed=1"), "{location}");
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m["rcpt_tos"][0], "new.person@example.com");
    assert!(
        m["headers"]["list-unsubscribe"].is_null(),
        "no unsubscribe from invitations"
    );
    let body = text(m);
    let start = body.find(&format!("{PUBLIC}/invite/")).expect("the link");
    let link = body[start..].split_whitespace().next().unwrap();
    let path = link.strip_prefix(PUBLIC).unwrap();
    let page = app.get(&app.client(), path).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Renée Nouveau"));
    // The stored copy no longer holds the link.
    assert_eq!(
        app.count_reaches(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invite' AND body_text = '' AND status = 'sent'",
            1
        )
        .await,
        1,
        "the body was not erased"
    );
    // A person whose company signs them in (passwords off for the domain):
    // the email says so and asks for no password.
    sqlx::query(
        "INSERT INTO sso_providers (slug, label, issuer, client_id, client_secret, domains, passwords_off, created_at, updated_at) \
         VALUES ('contoso', 'Contoso', 'http://127.0.0.1:9/', 'app', 's', 'contoso.com', 1, 0, 0)",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.call(
        &admin,
        "admin_create_user",
        &[
            ("email", "cy@contoso.com"),
            ("name", "Cy Okafor"),
            ("roles[role_employee]", "on"),
        ],
    )
    .await;
    let got = sink.wait_for(2).await;
    let m = got
        .iter()
        .find(|m| m["rcpt_tos"][0] == "cy@contoso.com")
        .expect("the company invitation");
    let body = text(m);
    assert!(
        body.contains("You sign in with your Contoso account: there is no password to choose."),
        "{body}"
    );
    assert!(!body.contains("Choose your password"), "{body}");
    assert!(body.contains(&format!("{PUBLIC}/invite/")), "{body}");
    app.cleanup().await;
}

/// A refused address fails alone, with the server's reason; a temporary
/// refusal is retried and finally given up.
async fn refused_addresses_fail_alone(backend: Backend) {
    let sink = Sink::start(0);
    let app = TestApp::spawn_with(backend, |cfg: &mut Config| {
        mail_config(&sink.url())(cfg);
        cfg.mail.as_mut().unwrap().timing.max_attempts = 2;
    })
    .await;
    overdue_team(
        &app,
        [
            "good.one@example.com",
            "refuse.me@example.com",
            "later.please@example.com",
        ],
    )
    .await;
    let ma = app.login_as("manager@example.com").await;
    let r: NudgeResult = json(&app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!(r.sent, 3);
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["rcpt_tos"][0], "good.one@example.com");
    let start = Instant::now();
    loop {
        let refused = status_of(&app, "recipient = 'refuse.me@example.com'").await;
        let later = status_of(&app, "recipient = 'later.please@example.com'").await;
        if refused.0 == "failed" && later.0 == "gave_up" {
            assert!(
                refused.1.as_deref().unwrap_or("").contains("550"),
                "{refused:?}"
            );
            assert!(
                later.1.as_deref().unwrap_or("").contains("451"),
                "{later:?}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "refused {refused:?}, later {later:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("SELECT attempts FROM outbox WHERE recipient = 'later.please@example.com'")
            .await,
        2
    );
    // The admin's page shows the outcome and the reason.
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let page = app
        .get(&admin, "/admin/email?status=failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("refuse.me@example.com") && page.contains("550"),
        "{page}"
    );
    assert!(!page.contains("good.one@example.com"), "filtered by status");
    // Nobody else may see it.
    let res = app.call(&ma, "admin_outbox", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.cleanup().await;
}

/// The SMTP server is down: messages wait and are retried; when it comes
/// back each arrives exactly once.
async fn server_down_then_back(backend: Backend) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().unwrap().port()
    };
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, mail_config(&url)).await;
    overdue_team(&app, ["a@example.com", "b@example.com", "c@example.com"]).await;
    let ma = app.login_as("manager@example.com").await;
    let r: NudgeResult = json(&app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!(r.sent, 3);
    let start = Instant::now();
    while app
        .count("SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND attempts >= 1 AND last_error IS NOT NULL")
        .await
        < 3
    {
        assert!(start.elapsed() < Duration::from_secs(10), "no failed attempt recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sink = Sink::start(port);
    let got = sink.wait_for(3).await;
    assert_eq!(got.len(), 3);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 3, "nothing twice");
    assert_eq!(
        app.count_reaches("SELECT COUNT(*) FROM outbox WHERE status = 'sent'", 3)
            .await,
        3
    );
    app.cleanup().await;
}

/// What a sender killed between its claim and the send leaves behind (a
/// claimed row, nothing sent) is sent once its lease runs out; a restart
/// sends nothing again.
async fn crash_after_claim_and_restart(backend: Backend) {
    let sink = Sink::start(0);
    let mut app = TestApp::spawn_with(backend, mail_config(&sink.url())).await;
    let t = rapport::server::now();
    sqlx::query(
        "INSERT INTO outbox (kind, recipient, recipient_name, subject, body_text, body_html, \
         next_attempt_at, created_at, claimed_until, attempts) \
         VALUES ('nudge', 'held@example.com', 'Held', 'Held', 'text', '<p>html</p>', $1, $1, $2, 1)",
    )
    .bind(t)
    .bind(t + 2)
    .execute(&app.db.pool)
    .await
    .expect("a claimed row");
    // Timestamps are whole seconds: the lease ends more than 1 s from now
    // whatever the fraction of this second, and the sender polls every
    // 200 ms, so it would have looked four times by then.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(
        sink.messages().is_empty(),
        "a held message waits for its lease"
    );
    let got = sink.wait_for(1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        app.count("SELECT attempts FROM outbox WHERE recipient = 'held@example.com'")
            .await,
        2
    );
    // The restart comes after the outcome is recorded (a kill between the
    // send and that record is the claim-lease case above, not this one).
    assert_eq!(
        app.count_reaches(
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'held@example.com' AND status = 'sent'",
            1
        )
        .await,
        1
    );
    app.restart().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 1, "a restart sends nothing twice");
    app.cleanup().await;
}

/// Two instances on one database, each with its sender: every one of 150
/// queued messages arrives once.
async fn two_instances_send_each_once(backend: Backend) {
    let sink = Sink::start(0);
    let app = TestApp::spawn_with(backend, mail_config(&sink.url())).await;
    let (_other, handle) = app.another_instance().await;
    let t = rapport::server::now();
    let mut tx = app.db.pool.begin().await.expect("tx");
    for i in 0..150 {
        sqlx::query(
            "INSERT INTO outbox (kind, recipient, recipient_name, subject, body_text, body_html, next_attempt_at, created_at) \
             VALUES ('nudge', $1, 'Someone', $2, 'text', '<p>html</p>', $3, $3)",
        )
        .bind(format!("p{i}@example.com"))
        .bind(format!("Message {i}"))
        .bind(t)
        .execute(&mut *tx)
        .await
        .expect("queue");
    }
    tx.commit().await.expect("commit");
    let got = sink.wait_for(150).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got_after = sink.messages();
    assert_eq!(got.len(), 150);
    assert_eq!(got_after.len(), 150, "nothing twice");
    let mut to: Vec<String> = got_after
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 150);
    handle.abort();
    app.cleanup().await;
}

/// Due soon, overdue today and the weekly digest: queued once however often
/// the schedule runs, and nothing for someone who turned the kind off.
async fn scheduled_reminders_and_digest(backend: Backend) {
    let sink = Sink::start(0);
    let app = TestApp::spawn_with(backend, mail_config(&sink.url())).await;
    let (team, people) =
        overdue_team(&app, ["x@example.com", "y@example.com", "z@example.com"]).await;
    let t = rapport::server::now();
    // One course overdue since an hour ago, another due in two days.
    sqlx::query("UPDATE assignments SET due_at = $1")
        .bind(t - 3600)
        .execute(&app.db.pool)
        .await
        .expect("due");
    sqlx::query("INSERT INTO assignments (team_id, course_id, due_at, assigned_by, created_at) VALUES ($1, 'handling-complaints', $2, NULL, $3)")
        .bind(team)
        .bind(t + 2 * DAY)
        .bind(t)
        .execute(&app.db.pool)
        .await
        .expect("assign");
    rapport::server::dashboard::rebuild_all(&app.db)
        .await
        .expect("recount");
    // z turned due-date reminders off on My account.
    let z = app.login_as("z@example.com").await;
    let res = app
        .call(
            &z,
            "set_mail_prefs",
            &[
                ("email[nudge]", "on"),
                ("email[digest]", "on"),
                ("email[certificate]", "on"),
                ("email[overdue]", "on"),
            ],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let week_monday = {
        let days = t.div_euclid(DAY);
        (days - (days + 3).rem_euclid(7)) * DAY
    };
    let (due, d0) = schedule::run_once(&app.state, t).await.expect("schedule");
    assert_eq!(due, 5, "3 overdue and 2 due soon (z turned that kind off)");
    assert_eq!(
        d0,
        usize::from(t - week_monday >= 7 * 3600),
        "this week's digest"
    );
    let again = schedule::run_once(&app.state, t + 600)
        .await
        .expect("schedule");
    assert_eq!(again, (0, 0), "nothing twice");
    let got = sink.wait_for(5 + d0).await;
    assert_eq!(got.len(), 5 + d0);
    let soon: Vec<&Value> = got
        .iter()
        .filter(|m| header(m, "subject").contains("is due on"))
        .collect();
    assert_eq!(soon.len(), 2);
    assert!(soon.iter().all(|m| m["rcpt_tos"][0] != "z@example.com"));
    assert!(soon[0]["text"]
        .as_str()
        .unwrap()
        .contains(&format!("{PUBLIC}/learn/handling-complaints")));
    assert_eq!(
        got.iter()
            .filter(|m| header(m, "subject").contains("is now overdue"))
            .count(),
        3
    );
    let _ = people;

    // Next week's digest, on the first run after Monday 07:00 UTC.
    let next = week_monday + 7 * DAY;
    let (_, d) = schedule::run_once(&app.state, next + 6 * 3600)
        .await
        .expect("schedule");
    assert_eq!(d, 0, "not before 07:00 on Monday");
    let (_, d) = schedule::run_once(&app.state, next + 8 * 3600)
        .await
        .expect("schedule");
    assert_eq!(d, 1);
    let (_, d) = schedule::run_once(&app.state, next + 9 * 3600)
        .await
        .expect("schedule");
    assert_eq!(d, 0, "one digest a week");
    let start = Instant::now();
    let digests = loop {
        let d: Vec<Value> = sink
            .messages()
            .into_iter()
            .filter(|m| m["rcpt_tos"][0] == "manager@example.com")
            .collect();
        if d.len() > d0 || start.elapsed() > Duration::from_secs(20) {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(digests.len(), d0 + 1);
    let digest = digests.last().unwrap();
    assert!(header(digest, "subject").contains("overdue"), "{digest:#?}");
    assert!(text(digest).contains("Front Desk"), "{}", text(digest));
    assert!(text(digest).contains(&format!("{PUBLIC}/dashboard")));
    app.cleanup().await;
}

/// Without SMTP configured, nothing is queued and the settings say so.
async fn email_off_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    overdue_team(&app, ["a@example.com", "b@example.com", "c@example.com"]).await;
    let ma = app.login_as("manager@example.com").await;
    let r: NudgeResult = json(&app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!(r.sent, 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let page = app.get(&admin, "/admin/email").await.text().await.unwrap();
    assert!(page.contains("Email is off"), "{page}");
    let page = app.get(&ma, "/account").await.text().await.unwrap();
    assert!(page.contains("does not send email"), "{page}");
    app.cleanup().await;
}

on_both_backends!(
    reminder_arrives,
    invitation_arrives,
    refused_addresses_fail_alone,
    server_down_then_back,
    crash_after_claim_and_restart,
    two_instances_send_each_once,
    scheduled_reminders_and_digest,
    email_off_changes_nothing,
);
