//! Sign-in, sessions, throttling, CSRF and bad input, over HTTP, on both databases.
#![cfg(feature = "ssr")]

mod common;

use common::{session_cookie, Backend, TestApp, PASSWORD};
use rapport::domain::Role;
use reqwest::StatusCode;

async fn health_check_answers(app: &TestApp) {
    let res = app.get(&app.client(), "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok\n");
}

async fn sign_in_and_out(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let client = app.client();
    assert_eq!(app.whoami(&client).await, None);

    // The no-JavaScript form: a 302 to `next` with the session cookie.
    let res = app
        .submit(
            &client,
            "login",
            &[
                ("email", "Dana@Example.com"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
            "/login",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/account");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("dana@example.com")
    );

    let res = app.submit(&client, "logout", &[], "/").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/login?signed_out=1");
    assert_eq!(app.whoami(&client).await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn next_cannot_leave_the_site(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let res = app
        .submit(
            &app.client(),
            "login",
            &[
                ("email", "dana@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
            "/login",
        )
        .await;
    assert_eq!(res.headers()["location"], "/");
}

async fn wrong_password_and_unknown_email_look_the_same(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.client();
    let wrong = app
        .call(
            &c,
            "login",
            &[
                ("email", "dana@example.com"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    let unknown = app
        .call(
            &c,
            "login",
            &[
                ("email", "nobody@example.com"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());

    // Without JavaScript the form comes back with the message and the email kept.
    let res = app
        .submit(
            &c,
            "login",
            &[("email", "dana@example.com"), ("password", "nope-nope")],
            "/login",
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/login?error=The+email+or+password+is+not+right"),
        "{location}"
    );
    assert!(location.contains("email=dana%40example.com"), "{location}");
    let page = app.get(&c, &location).await.text().await.unwrap();
    assert!(
        page.contains("The email or password is not right"),
        "the page shows the message"
    );
    assert!(
        page.contains(r#"value="dana@example.com""#),
        "the email is kept"
    );
}

async fn a_new_session_token_at_every_sign_in(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.client();
    let first = app
        .call(
            &c,
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    let first = session_cookie(&first).expect("cookie");
    let second = app
        .call(
            &c,
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    let second = session_cookie(&second).expect("cookie");
    assert_ne!(first, second);
    assert_eq!(first.len(), 43, "256-bit token");
    // Signing in again from the same browser ended the old session.
    let old = app.client();
    let res = old
        .post(app.url("/api/me"))
        .header("cookie", format!("rapport_session={first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "null");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    // The database stores only a hash of the token.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, second);
    assert_eq!(stored, rapport::server::auth::token_hash(&second));
}

async fn idle_and_old_sessions_end(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.login_as("dana@example.com").await;
    let now = rapport::server::now();
    // Idle for more than 8 hours.
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(now - 8 * 3600 - 5)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = app.call(&c, "me", &[]).await;
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Max-Age=0")),
        "stale cookie cleared"
    );
    assert_eq!(res.text().await.unwrap(), "null");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);

    // Active, but signed in more than 7 days ago.
    let c = app.login_as("dana@example.com").await;
    sqlx::query("UPDATE sessions SET created_at = $1")
        .bind(now - 7 * 24 * 3600 - 5)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(app.whoami(&c).await, None);
}

async fn a_tampered_cookie_is_just_signed_out(app: &TestApp) {
    let c = app.client();
    for bad in [
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "../../etc/passwd",
        "%00%00",
    ] {
        let res = c
            .post(app.url("/api/me"))
            .header("cookie", format!("rapport_session={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "cookie {bad:?}");
        assert_eq!(res.text().await.unwrap(), "null");
        let page = c
            .get(app.url("/account"))
            .header("cookie", format!("rapport_session={bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status(),
            StatusCode::FOUND,
            "signed-out visitors are sent to sign in"
        );
        assert_eq!(page.headers()["location"], "/login?next=/account");
    }
}

async fn ten_failures_lock_the_account_for_a_while(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.client();
    for _ in 0..10 {
        let res = app
            .call(
                &c,
                "login",
                &[("email", "dana@example.com"), ("password", "guess-guess")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused now.
    let res = app
        .call(
            &c,
            "login",
            &[("email", "DANA@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-in attempts"));
    // After the window, it works again.
    sqlx::query("UPDATE login_failures SET at = at - 901")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = app
        .call(
            &c,
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn disabling_an_account_ends_its_sessions(app: &TestApp) {
    app.user("admin@example.com", &[Role::Admin], None).await;
    let dana = app.user("dana@example.com", &[Role::Employee], None).await;
    let dana_client = app.login_as("dana@example.com").await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .call(
            &admin,
            "admin_set_disabled",
            &[("id", &dana.to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.whoami(&dana_client).await, None);
    let res = app
        .call(
            &app.client(),
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "same answer as a wrong password"
    );
    // Re-enabled, Dana can sign in again.
    app.call(
        &admin,
        "admin_set_disabled",
        &[("id", &dana.to_string()), ("disabled", "false")],
    )
    .await;
    app.login_as("dana@example.com").await;
}

async fn cross_site_posts_are_refused(app: &TestApp) {
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let attempts = [
        vec![("origin", "http://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("sec-fetch-site", "same-site"),
            ("origin", "http://sub.evil.example"),
        ],
        vec![("origin", "null")],
    ];
    for headers in attempts {
        let mut req = admin
            .post(app.url("/api/admin_create_team"))
            .form(&[("name", "Sneaky")]);
        for (k, v) in &headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM teams").await,
        0,
        "nothing was written"
    );
    // The same request from the site itself works.
    let res = admin
        .post(app.url("/api/admin_create_team"))
        .header("origin", app.base.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Legit")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 1);
}

async fn bad_requests_get_clear_statuses(app: &TestApp) {
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    // Server functions change state only by POST.
    let res = admin.get(app.url("/api/logout")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        app.whoami(&admin).await.as_deref(),
        Some("admin@example.com")
    );
    // A missing field.
    let res = app.call(&admin, "admin_create_team", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // A malformed number.
    let res = app.call(&admin, "admin_user", &[("id", "12abc")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Oversized bodies.
    let big = "x".repeat(200 * 1024);
    let res = app
        .call(&admin, "admin_create_team", &[("name", &big)])
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // An unknown function.
    let res = app.call(&admin, "no_such_function", &[]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    // Nothing was created by any of it.
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 0);
}

async fn pages_answer_with_the_right_status_and_headers(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let anon = app.client();
    let res = app.get(&anon, "/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'nonce-") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );
    assert!(html.contains(r#"<form method="post" action="/api/login""#));

    let second = app.get(&anon, "/login").await;
    assert!(
        !second.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a new nonce each time"
    );

    let res = app.get(&anon, "/admin/users").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/login?next=/admin/users");

    let res = app.get(&anon, "/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Page not found"));

    let dana = app.login_as("dana@example.com").await;
    let res = app.get(&dana, "/admin/users").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("You do not have access to this page."));
    let res = app.get(&dana, "/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let home = res.text().await.unwrap();
    assert!(
        home.contains("My learning") && !home.contains("href=\"/admin/users\""),
        "navigation fits the role"
    );
}

async fn invitation_sets_the_password_once(app: &TestApp) {
    let team = app.team("Contact Centre").await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .submit(
            &admin,
            "admin_create_user",
            &[
                ("email", "New.Person@Example.com"),
                ("name", "  New   Person "),
                ("team_id", &team.to_string()),
                ("roles[role_employee]", "on"),
                ("roles[role_trainer]", "on"),
            ],
            "/admin/users",
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let token = location
        .split("invite=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let user_page = app.get(&admin, &location).await.text().await.unwrap();
    assert!(
        user_page.contains(&format!("/invite/{token}")),
        "the admin sees the link once"
    );

    let newbie = app.client();
    let page = app
        .get(&newbie, &format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Welcome, New Person"));
    // Mismatched confirmation: refused with a message, nothing changes.
    let res = app
        .submit(
            &newbie,
            "accept_invite",
            &[
                ("token", &token),
                ("password", "long enough pw"),
                ("confirm", "other pw!!"),
            ],
            "/",
        )
        .await;
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=The+two+passwords"));
    let res = app
        .call(
            &newbie,
            "accept_invite",
            &[
                ("token", &token),
                ("password", "my new password"),
                ("confirm", "my new password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.whoami(&newbie).await.as_deref(),
        Some("new.person@example.com")
    );
    // The link works once.
    let res = app
        .call(
            &app.client(),
            "accept_invite",
            &[
                ("token", &token),
                ("password", "another password"),
                ("confirm", "another password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .call(
            &app.client(),
            "login",
            &[
                ("email", "new.person@example.com"),
                ("password", "my new password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn changing_the_password_ends_other_sessions(app: &TestApp) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let laptop = app.login_as("dana@example.com").await;
    let phone = app.login_as("dana@example.com").await;
    let change = |current: &'static str, new: &'static str| {
        let laptop = laptop.clone();
        async move {
            app.call(
                &laptop,
                "change_password",
                &[("current", current), ("password", new), ("confirm", new)],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        change("wrong-current", "brand new pass").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        change(PASSWORD, "short").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(change(PASSWORD, "brand new pass").await, StatusCode::OK);
    assert_eq!(
        app.whoami(&laptop).await.as_deref(),
        Some("dana@example.com")
    );
    assert_eq!(app.whoami(&phone).await, None);
}

on_both_databases!(
    health_check_answers,
    sign_in_and_out,
    next_cannot_leave_the_site,
    wrong_password_and_unknown_email_look_the_same,
    a_new_session_token_at_every_sign_in,
    idle_and_old_sessions_end,
    a_tampered_cookie_is_just_signed_out,
    ten_failures_lock_the_account_for_a_while,
    disabling_an_account_ends_its_sessions,
    cross_site_posts_are_refused,
    bad_requests_get_clear_statuses,
    pages_answer_with_the_right_status_and_headers,
    invitation_sets_the_password_once,
    changing_the_password_ends_other_sessions,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttles_per_client_address_too() {
    let app = TestApp::spawn_with(Backend::Sqlite, |cfg| cfg.max_failures_per_ip = 5).await;
    app.user("dana@example.com", &[Role::Employee], None).await;
    let c = app.client();
    // Five different accounts guessed from one address...
    for i in 0..5 {
        let res = app
            .call(
                &c,
                "login",
                &[
                    ("email", &format!("guess{i}@example.com")),
                    ("password", "guess-guess"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // ...and that address is blocked, even for a real account.
    let res = app
        .call(
            &c,
            "login",
            &[("email", "dana@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.cleanup().await;
}
