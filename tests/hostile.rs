//! Hostile input, hostile timing and hostile markup, over HTTP on SQLite and
//! PostgreSQL: author text that would overflow a stack, parallel password
//! guesses, forged proxy headers, made-up invitation tokens, large bodies
//! from people who may not author, markup that tries to leave a textarea,
//! spreadsheet formulas in exports, and downloads that stop reading.
#![cfg(feature = "ssr")]

mod common;

use common::learner::json;
use common::{Backend, TestApp, PASSWORD};
use rapport::api::authoring::{CheckResult, EditorData};
use rapport::domain::Role;
use reqwest::{Client, StatusCode};
use std::time::{Duration, Instant};

const FILE: &str = "empathetic-listening/03-the-third-call.md";

async fn trainer(app: &TestApp) -> Client {
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    app.login_as("trainer@example.com").await
}

/// The published text of the shipped scenario with its first customer line
/// preceded by a condition of `depth` nested parts.
async fn scenario_with_condition(app: &TestApp, client: &Client, condition: &str) -> String {
    let ed: EditorData = json(app, client, "author_open", &[("path", FILE)]).await;
    let (before, after) = ed.text.split_once("**Dana:**").expect("a customer line");
    format!("{before}{{if {condition}}} **Dana:**{after}")
}

/// A scene paragraph starting `{if ((((…` (or `not not …`) hundreds of
/// thousands deep: the live check, a save, reopening the draft and the
/// library answer with a positioned error, and the server keeps serving.
async fn deep_conditions_are_errors_not_crashes(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let t = trainer(&app).await;
    for deep in [
        format!(
            "{}visited notes{}",
            "(".repeat(200_000),
            ")".repeat(200_000)
        ),
        format!("{}visited notes", "not ".repeat(150_000)),
    ] {
        let text = scenario_with_condition(&app, &t, &deep).await;
        assert!(text.len() < 1024 * 1024, "within the file size limit");
        let line = text
            .lines()
            .position(|l| l.starts_with("{if "))
            .expect("the line")
            + 1;
        let check: CheckResult = json(
            &app,
            &t,
            "author_check",
            &[("path", FILE), ("source", &text)],
        )
        .await;
        let err = check
            .diagnostics
            .iter()
            .find(|d| d.error)
            .unwrap_or_else(|| panic!("an error: {:?}", check.diagnostics));
        assert_eq!(
            err.message, "conditions may nest at most 16 levels",
            "{err:?}"
        );
        assert_eq!(err.line, line, "{err:?}");
        assert!(err.col > 4, "points into the condition: {err:?}");
        // Saved as a draft (nothing lost), and opening it again is fine.
        let res = app
            .call(
                &t,
                "author_save",
                &[
                    ("path", FILE),
                    ("source", &text),
                    ("base", &open_base(&app, &t).await),
                    ("intent", "save"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let ed: EditorData = json(&app, &t, "author_open", &[("path", FILE)]).await;
        assert_eq!(ed.text, text);
        let res = app.get(&t, &format!("/author/edit?path={FILE}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = app.get(&t, "/author").await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app.get(&app.client(), "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK, "the server is still up");
    app.cleanup().await;
}

/// The largest scenario a file can hold (tens of thousands of scenes in
/// one chain, with a loop back to the start): the live check answers with
/// its score ranges in bounded time instead of recursing once per scene.
async fn huge_scenarios_are_checked_in_bounded_time(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let t = trainer(&app).await;
    let mut text = String::from(
        "---\nid: huge\nkind: scenario\ntitle: Huge\nminutes: 5\npersona: Sam\nsituation: s\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n\n",
    );
    let n = 15_000;
    for i in 0..n {
        text.push_str(&format!(
            "## {i} {{#s{i}}}\n\n- [a](#s{})\n\n  Effects: empathy +1\n\n",
            i + 1
        ));
    }
    text.push_str(&format!(
        "## end {{#s{n}}}\n\nEnding: resolved\n\n- [again](#s0)\n"
    ));
    assert!(text.len() < 1024 * 1024, "{}", text.len());
    let started = Instant::now();
    let check: CheckResult = json(
        &app,
        &t,
        "author_check",
        &[
            ("path", "empathetic-listening/99-huge.md"),
            ("source", &text),
        ],
    )
    .await;
    println!("a {n}-scene check took {:?}", started.elapsed());
    assert!(
        !check.diagnostics.is_empty(),
        "the ending with a choice is reported"
    );
    assert!(
        check.diagnostics.len() <= 201,
        "{}",
        check.diagnostics.len()
    );
    let res = app.get(&app.client(), "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK, "the server is still up");
    app.cleanup().await;
}

async fn open_base(app: &TestApp, client: &Client) -> String {
    let ed: EditorData = json(app, client, "author_open", &[("path", FILE)]).await;
    ed.base
}

/// 300 wrong passwords for one account at once: exactly the limit (10) are
/// evaluated, every other one is refused by the throttle.
async fn parallel_guesses_cannot_race_the_throttle(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    app.user("dana@example.com", &[Role::Employee], None).await;
    let url = app.url("/api/login");
    let client = Client::builder()
        .pool_max_idle_per_host(400)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    let attempts = (0..300).map(|i| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let res = client
                .post(&url)
                .form(&[
                    ("email", "dana@example.com"),
                    ("password", &format!("wrong guess {i}")),
                ])
                .send()
                .await
                .expect("an answer");
            res.status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let evaluated = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    println!("parallel sign-in: {evaluated} of 300 evaluated, {refused} refused");
    assert_eq!(evaluated, 10, "{evaluated} guesses were evaluated");
    assert_eq!(evaluated + refused, 300, "{statuses:?}");
    // The account stays locked for the right password too.
    let res = app
        .call(
            &app.client(),
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.cleanup().await;
}

/// Behind a trusted proxy the address is the one the proxy appended: a
/// client that writes its own `X-Forwarded-For` gets no fresh budget.
async fn a_forged_forwarded_for_gets_no_fresh_budget(backend: Backend) {
    let app = TestApp::spawn_alone_with(backend, |cfg| {
        cfg.proxy_hops = 1;
        cfg.max_failures_per_ip = 5;
    })
    .await;
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.client();
    for i in 0..5 {
        let res = c
            .post(app.url("/api/login"))
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.9"))
            .form(&[
                ("email", format!("guess{i}@example.com").as_str()),
                ("password", "guess-guess"),
            ])
            .send()
            .await
            .expect("answer");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = c
        .post(app.url("/api/login"))
        .header("x-forwarded-for", "192.0.2.77, 203.0.113.9")
        .form(&[("email", "dana@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client of the same proxy is not affected.
    let res = c
        .post(app.url("/api/login"))
        .header("x-forwarded-for", "203.0.113.10")
        .form(&[("email", "dana@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::OK);
    app.cleanup().await;
}

async fn invite_token(app: &TestApp) -> String {
    let team = app.team("Contact Centre").await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .submit(
            &admin,
            "admin_create_user",
            &[
                ("email", "new.person@example.com"),
                ("name", "New Person"),
                ("team_id", &team.to_string()),
                ("roles[role_employee]", "on"),
            ],
            "/admin/users",
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    location
        .split("invite=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .expect("a token")
        .to_owned()
}

/// Made-up tokens are refused before any hashing and throttled per
/// address; a real one works exactly once, even when sent ten times at once.
async fn invitations_check_first_and_work_once(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let token = invite_token(&app).await;
    let c = app.client();
    let started = Instant::now();
    let mut statuses = Vec::new();
    for i in 0..25 {
        let fake = format!("{:0>43}", i);
        let res = app
            .call(
                &c,
                "accept_invite",
                &[
                    ("token", &fake),
                    ("password", "a long new password"),
                    ("confirm", "a long new password"),
                ],
            )
            .await;
        statuses.push(res.status());
    }
    let fakes = started.elapsed();
    assert!(
        statuses[..20].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // No argon2 hash was computed for them: 25 hashes take seconds.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'new.person@example.com' AND password_hash IS NULL")
            .await,
        1
    );
    println!("25 made-up invitation tokens answered in {fakes:?}");

    // The real token from another address (the test's requests all come
    // from 127.0.0.1, so clear that address's throttle first).
    sqlx::query("DELETE FROM login_failures")
        .execute(&app.db.pool)
        .await
        .expect("clear");
    let url = app.url("/api/accept_invite");
    let tries = (0..10).map(|_| {
        let client = app.client();
        let url = url.clone();
        let token = token.clone();
        async move {
            client
                .post(&url)
                .form(&[
                    ("token", token.as_str()),
                    ("password", "my new password"),
                    ("confirm", "my new password"),
                ])
                .send()
                .await
                .expect("answer")
                .status()
        }
    });
    let statuses = futures::future::join_all(tries).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "one redemption wins: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::NOT_FOUND),
        "{statuses:?}"
    );
    app.cleanup().await;
}

/// The large body limit is for signed-in trainers and admins only.
async fn large_bodies_only_for_authors(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    app.user("emp@example.com", &[Role::Employee], None).await;
    let employee = app.login_as("emp@example.com").await;
    let t = trainer(&app).await;
    let big = "a".repeat(200 * 1024);
    let form = [
        ("path", FILE),
        ("source", big.as_str()),
        ("base", "1"),
        ("intent", "save"),
    ];
    for (who, client) in [("anonymous", app.client()), ("employee", employee)] {
        let res = app.call(&client, "author_save", &form).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{who}");
        let res = client
            .post(app.url("/author/upload"))
            .header("content-type", "multipart/form-data; boundary=x")
            .body(format!(
                "--x\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\n{big}\r\n--x--\r\n"
            ))
            .send()
            .await;
        // Refused from the declared length: the answer may arrive while the
        // body is still being sent, which closes the connection under it.
        match res {
            Ok(res) => assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{who} upload"),
            Err(e) => assert!(!e.is_status(), "{who} upload: {e}"),
        }
    }
    // A trainer's large draft is read (and refused only for what it says).
    let res = app
        .call(&t, "author_check", &[("path", FILE), ("source", &big)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.cleanup().await;
}

/// Text that tries to end a `<textarea>` stays text: in the editor and in
/// the organisation form, the page holds it escaped and no element of it.
async fn textareas_keep_hostile_text_as_text(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let hostile = "</textarea><img src=x onerror=alert(1)><meta http-equiv=\"refresh\" content=\"0;url=https://evil.test\">";
    let t = trainer(&app).await;
    let ed: EditorData = json(&app, &t, "author_open", &[("path", FILE)]).await;
    let text = format!("{}\n{hostile}\n", ed.text);
    let res = app
        .call(
            &t,
            "author_save",
            &[
                ("path", FILE),
                ("source", &text),
                ("base", &ed.base),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = app
        .get(&t, &format!("/author/edit?path={FILE}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<img src=x"), "markup escaped the textarea");
    assert!(!page.contains("<meta http-equiv=\"refresh\""));
    assert!(
        page.contains("&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "the text is in the textarea, escaped"
    );
    assert_eq!(
        page.matches("</textarea>").count(),
        1 + page.matches("<textarea").count() - 1
    );

    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .submit(
            &admin,
            "admin_update_organisation",
            &[
                ("name", "Acme"),
                ("mission", hostile),
                ("vision", "Be <b>kind</b>"),
                ("values", "- **Honesty**"),
            ],
            "/admin/organisation",
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = app
        .get(&admin, "/admin/organisation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<img src=x"), "markup escaped the textarea");
    assert!(!page.contains("<meta http-equiv=\"refresh\""));
    assert!(page.contains("&lt;/textarea&gt;&lt;img src=x"));
    assert!(page.contains("Be &lt;b&gt;kind&lt;/b&gt;"));
    app.cleanup().await;
}

/// A cell that a `;`-separated spreadsheet would split into a formula is
/// quoted whole.
async fn semicolon_formulas_stay_text_in_exports(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let team = app.team("Safety;=1+1;").await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    app.user("e@example.com", &[Role::Employee], Some(team))
        .await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .call(
            &admin,
            "dashboard_assign",
            &[
                ("team", &team.to_string()),
                ("course", "empathetic-listening"),
                (
                    "due",
                    &rapport::domain::time::format_date(rapport::server::now() + 7 * 86_400),
                ),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let csv = app
        .get(&admin, "/dashboard/export.csv")
        .await
        .text()
        .await
        .unwrap();
    let row = csv
        .lines()
        .find(|l| l.contains("e@example.com"))
        .unwrap_or_else(|| panic!("a row: {csv}"));
    assert!(row.starts_with("\"Safety;=1+1;\","), "{row}");
    app.cleanup().await;
}

/// Downloads that stop reading hold no database connection: with 20 of
/// them stalled (the pool has 8 connections on SQLite), other requests
/// keep answering at once.
async fn stalled_downloads_do_not_starve_the_pool(backend: Backend) {
    use rapport::server::generate::{generate, Options};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_alone(backend).await;
    let opts = Options {
        employees: 12_000,
        courses: 8,
        seed: 7,
        password_hash: rapport::server::password::hash_blocking(PASSWORD).expect("hash"),
    };
    generate(&app.db, &opts).await.expect("generate");
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let full = app
        .get(&admin, "/dashboard/export.csv")
        .await
        .bytes()
        .await
        .expect("the whole export");
    println!("the export is {} bytes", full.len());
    // Larger than what the kernel and the server buffer for a connection
    // (about 4 MB on loopback), so a reader that stops really stalls it.
    assert!(full.len() > 8_000_000, "{}", full.len());
    let cookie = login_cookie(&app).await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small window");
        let mut s = socket.connect(app.addr).await.expect("connect");
        s.write_all(
            format!(
                "GET /dashboard/export.csv HTTP/1.1\r\nHost: {}\r\nCookie: rapport_session={cookie}\r\n\r\n",
                app.addr
            )
            .as_bytes(),
        )
        .await
        .expect("request");
        // Read the first bytes (the answer has begun), then nothing more.
        let mut first = [0u8; 512];
        let n = s.read(&mut first).await.expect("first bytes");
        let head = String::from_utf8_lossy(&first[..n]).to_string();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let res = app.get(&admin, "/healthz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = app.call(&admin, "dashboard_overview", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        slowest = slowest.max(started.elapsed());
    }
    println!("with 20 stalled downloads the slowest health check + overview took {slowest:?}");
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
    drop(stalled);
    app.cleanup().await;
}

async fn login_cookie(app: &TestApp) -> String {
    let res = app
        .call(
            &app.client(),
            "login",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    common::session_cookie(&res).expect("a session cookie")
}

/// Two trainers upload 1 MB Twine stories of links to a passage that
/// does not exist (the importer was quadratic in them and ran on the async
/// workers: the whole server stopped answering for the import's length).
/// While they are imported, another client's health checks and pages
/// answer at once, and both imports finish.
async fn twine_imports_do_not_stop_the_server(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let t = trainer(&app).await;
    let story = format!(
        ":: StoryTitle\nHostile\n\n:: Start\n{}\n",
        "[[Nowhere]] ".repeat(1_000_000 / 12)
    );
    assert!(story.len() <= 1024 * 1024, "within the file size limit");
    let imports: Vec<_> = (0..2)
        .map(|n| {
            let (client, url, story) = (t.clone(), app.url("/api/author_import"), story.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let res = client
                    .post(url)
                    .form(&[
                        ("folder", "empathetic-listening"),
                        ("name", format!("hostile-{n}").as_str()),
                        ("format", "twee"),
                        ("source", story.as_str()),
                    ])
                    .send()
                    .await;
                (res.map(|r| r.status()), started.elapsed())
            })
        })
        .collect();
    // Another client: its own connection, a short patience.
    let other = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let mut slowest = Duration::ZERO;
    let mut during = 0;
    let began = Instant::now();
    while imports.iter().any(|h| !h.is_finished()) && began.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        for path in ["/healthz", "/login"] {
            let started = Instant::now();
            let res = other.get(app.url(path)).send().await;
            let took = started.elapsed();
            let status = res.map(|r| r.status());
            assert!(
                matches!(status, Ok(StatusCode::OK)),
                "{path} during the imports: {status:?} after {took:?}"
            );
            slowest = slowest.max(took);
        }
        if imports.iter().any(|h| !h.is_finished()) {
            during += 1;
        }
    }
    let mut took = Vec::new();
    for h in imports {
        let (status, elapsed) = h.await.expect("the import task");
        assert!(
            matches!(status, Ok(StatusCode::OK)),
            "the import: {status:?} after {elapsed:?}"
        );
        took.push(elapsed);
    }
    println!(
        "{during} rounds of requests during two 1 MB imports ({took:?}); the slowest answer took {slowest:?}"
    );
    assert!(during >= 1, "the requests were made while the imports ran");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    app.cleanup().await;
}

on_both_backends!(
    deep_conditions_are_errors_not_crashes,
    twine_imports_do_not_stop_the_server,
    huge_scenarios_are_checked_in_bounded_time,
    parallel_guesses_cannot_race_the_throttle,
    a_forged_forwarded_for_gets_no_fresh_budget,
    invitations_check_first_and_work_once,
    large_bodies_only_for_authors,
    textareas_keep_hostile_text_as_text,
    semicolon_formulas_stay_text_in_exports,
    stalled_downloads_do_not_starve_the_pool,
);
