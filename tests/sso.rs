//! Single sign-on against a real OpenID provider on loopback (npm
//! `oauth2-mock-server`, `tests/common/oidc.rs`), on SQLite and PostgreSQL
//! (who a person becomes, by the mapping rules: `tests/sso_mapping.rs`):
//! tampered tokens (signature, audience, issuer,
//! expiry, nonce), replayed and foreign states, a cancelled sign-in, a
//! domain that is not allowed, a disabled account, refused client
//! credentials and a provider that is down are all refused with a clear
//! message and no session.
#![cfg(feature = "ssr")]

mod common;

use common::oidc::{
    add_provider, counting_listener, discovery, fake_issuer, location, query_param, refusal,
    refused_with, through_provider, Provider,
};
use common::TestApp;
use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::json;

async fn tampered_tokens_are_refused(app: &TestApp) {
    let idp = Provider::start();
    let slug = add_provider(app, &idp, &[("form[allow_create]", "on")]).await;
    for (spoil, words) in [
        ("signature", "signature"),
        ("audience", "another app"),
        ("issuer", "another issuer"),
        ("expired", "expired"),
        ("nonce", "another sign-in"),
    ] {
        idp.next_token(
            json!({ "sub": "x", "email": "eve@contoso.com", "email_verified": true }),
            Some(spoil),
        )
        .await;
        let client = app.client();
        let (_, res) = through_provider(app, &client, &slug).await;
        refused_with(&res, words);
        assert_eq!(app.whoami(&client).await, None, "{spoil}: no session");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'eve@contoso.com'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_identities").await, 0);
    // The admin sees why on the page.
    let admin = app.login_as("root@admin.test").await;
    let page = app.get(&admin, "/admin/sso").await.text().await.unwrap();
    assert!(page.contains("An ID token was refused"), "{page}");
}

async fn replayed_foreign_and_cancelled_states_are_refused(app: &TestApp) {
    let idp = Provider::start();
    let slug = add_provider(app, &idp, &[]).await;
    app.user("cy@contoso.com", &[Role::Employee], None).await;
    idp.next_token(
        json!({ "sub": "cy", "email": "cy@contoso.com", "email_verified": true }),
        None,
    )
    .await;
    let client = app.client();
    let (callback, res) = through_provider(app, &client, &slug).await;
    assert_eq!(location(&res), "/learn", "linked by verified email");
    // The same answer again, with the state's cookie as it was (a copied
    // request, say): already used.
    let state = query_param(&callback, "state").unwrap();
    let replayer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let again = replayer
        .get(&callback)
        .header("cookie", format!("rapport_sso={state}"))
        .send()
        .await
        .unwrap();
    refused_with(&again, "already used");
    assert!(common::session_cookie(&again).is_none());
    // Back in the browser that used it: its state cookie is gone.
    app.call(&client, "logout", &[]).await;
    let again = client.get(&callback).send().await.unwrap();
    refused_with(&again, "did not start in this browser");
    assert_eq!(app.whoami(&client).await, None);
    // An answer carried to another browser (login CSRF): refused.
    let res = client
        .post(app.url("/sso/start"))
        .form(&[("provider", slug.as_str())])
        .send()
        .await
        .unwrap();
    let authorize = location(&res);
    let callback = location(&client.get(&authorize).send().await.unwrap());
    let stranger = app.client();
    let res = stranger.get(&callback).send().await.unwrap();
    refused_with(&res, "did not start in this browser");
    assert_eq!(app.whoami(&stranger).await, None);
    // The person pressed Cancel at the provider.
    let res = client
        .post(app.url("/sso/start"))
        .form(&[("provider", slug.as_str())])
        .send()
        .await
        .unwrap();
    let state = query_param(&location(&res), "state").unwrap();
    let res = client
        .get(app.url(&format!("/sso/callback?error=access_denied&state={state}")))
        .send()
        .await
        .unwrap();
    refused_with(&res, "You cancelled");
    // A made-up state.
    let res = client
        .get(app.url("/sso/callback?code=x&state=made-up"))
        .send()
        .await
        .unwrap();
    refused_with(&res, "did not start in this browser");
}

async fn domains_unverified_disabled_and_unknown_people_are_refused(app: &TestApp) {
    let idp = Provider::start();
    let slug = add_provider(app, &idp, &[]).await;
    let cases = [
        (
            json!({ "sub": "a", "email": "al@elsewhere.com", "email_verified": true }),
            "may not sign in",
        ),
        (
            json!({ "sub": "b", "email": "bea@contoso.com", "email_verified": false }),
            "has not verified",
        ),
        (
            json!({ "sub": "c", "email": "nobody@contoso.com", "email_verified": true }),
            "no Rapport account",
        ),
        (json!({ "sub": "d" }), "did not tell Rapport your email"),
    ];
    for (claims, words) in cases {
        idp.next_token(claims, None).await;
        let client = app.client();
        let (_, res) = through_provider(app, &client, &slug).await;
        refused_with(&res, words);
        assert_eq!(app.whoami(&client).await, None);
    }
    let id = app.user("dee@contoso.com", &[Role::Employee], None).await;
    sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    idp.next_token(
        json!({ "sub": "dee", "email": "dee@contoso.com", "email_verified": true }),
        None,
    )
    .await;
    let client = app.client();
    let (_, res) = through_provider(app, &client, &slug).await;
    refused_with(&res, "disabled");
    assert_eq!(app.whoami(&client).await, None);
}

async fn the_password_form_sends_company_addresses_to_their_provider(app: &TestApp) {
    let idp = Provider::start();
    add_provider(app, &idp, &[]).await;
    app.user("ed@contoso.com", &[Role::Employee], None).await;
    let client = app.client();
    // No password typed: to the provider, with the address as a hint.
    let res = app
        .submit(
            &client,
            "login",
            &[("email", "ed@contoso.com"), ("password", "")],
            "/login",
        )
        .await;
    let to = location(&res);
    assert!(
        to.starts_with(&idp.issuer) && to.contains("login_hint=ed%40contoso.com"),
        "{to}"
    );
    // With a password and passwords on: the password is checked.
    let res = app
        .call(
            &client,
            "login",
            &[("email", "ed@contoso.com"), ("password", common::PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The sign-in page offers the button, and its policy lets the form go there.
    let anon = app.client();
    let page = app.get(&anon, "/login").await;
    let csp = page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!(
            "form-action 'self' {}",
            idp.issuer.trim_end_matches('/')
        )),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in with Contoso"), "{html}");
}

async fn passwords_off_a_provider_down_and_refused_credentials(app: &TestApp) {
    let idp = Provider::start();
    let slug = add_provider(app, &idp, &[("form[passwords_off]", "on")]).await;
    app.user("fay@contoso.com", &[Role::Employee], None).await;
    let client = app.client();
    // Passwords off: even the right password goes to the provider.
    let res = app
        .submit(
            &client,
            "login",
            &[("email", "fay@contoso.com"), ("password", common::PASSWORD)],
            "/login",
        )
        .await;
    assert!(
        location(&res).starts_with(&idp.issuer),
        "{}",
        location(&res)
    );
    assert_eq!(app.whoami(&client).await, None);
    // The provider refuses Rapport's secret: a clear page, and the admin sees why.
    idp.fail_next("invalid_client").await;
    let (_, res) = through_provider(app, &client, &slug).await;
    refused_with(&res, "refused Rapport's credentials");
    let admin = app.login_as("root@admin.test").await;
    let page = app.get(&admin, "/admin/sso").await.text().await.unwrap();
    assert!(page.contains("client ID or secret"), "{page}");
    // The provider goes down while the person is there: the code it gave
    // cannot be exchanged, and the page says so.
    let port = idp.port();
    let res = client
        .post(app.url("/sso/start"))
        .form(&[("provider", slug.as_str())])
        .send()
        .await
        .unwrap();
    let callback = location(&client.get(location(&res)).send().await.unwrap());
    idp.stop();
    let res = client.get(&callback).send().await.unwrap();
    refused_with(&res, "did not answer");
    assert_eq!(app.whoami(&client).await, None);
    // A new provider whose issuer does not answer cannot be saved, and says why.
    let res = app
        .submit(
            &admin,
            "admin_save_sso",
            &[
                ("form[label]", "Fabrikam"),
                ("form[issuer]", &format!("http://127.0.0.1:{port}")),
                ("form[client_id]", "x"),
                ("form[client_secret]", "y"),
                ("form[default_role]", "employee"),
            ],
            "/admin/sso",
        )
        .await;
    let why = refusal(app, &admin, &res).await;
    assert!(why.starts_with("Rapport could not read"), "{why}");
    let page = app.get(&admin, &location(&res)).await.text().await.unwrap();
    assert!(
        page.contains("value=\"Fabrikam\""),
        "what was typed comes back"
    );
}

async fn admins_only_and_settings_are_checked(app: &TestApp) {
    let idp = Provider::start();
    app.user("emp@contoso.com", &[Role::Employee], None).await;
    let emp = app.login_as("emp@contoso.com").await;
    let res = app.call(&emp, "admin_sso_settings", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .call(
            &emp,
            "admin_save_sso",
            &[
                ("form[label]", "X"),
                ("form[issuer]", &idp.issuer),
                ("form[client_id]", "x"),
                ("form[client_secret]", "y"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_providers").await, 0);
    add_provider(app, &idp, &[]).await;
    let admin = app.login_as("root@admin.test").await;
    for (field, value, words) in [
        ("form[issuer]", "http://idp.example.com", "https"),
        ("form[domains]", "not a domain!", "not an email domain"),
        ("form[map_rules]", "x = team: Nowhere", "Line 1"),
        (
            "form[map_rules]",
            "y = role: employee\nx = manages: Nowhere",
            "Line 2",
        ),
        ("form[map_rules]", "x = boss: yes", "Line 1"),
    ] {
        let mut form = vec![
            ("form[label]", "Other"),
            ("form[issuer]", idp.issuer.as_str()),
            ("form[client_id]", "x"),
            ("form[client_secret]", "y"),
            ("form[map_claim]", "groups"),
            ("form[default_role]", "employee"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let res = app
            .submit(&admin, "admin_save_sso", &form, "/admin/sso")
            .await;
        let msg = refusal(app, &admin, &res).await;
        assert!(msg.contains(words), "{field}={value}: {msg}");
    }
    // A domain belongs to one provider.
    let res = app
        .submit(
            &admin,
            "admin_save_sso",
            &[
                ("form[label]", "Other"),
                ("form[issuer]", &idp.issuer),
                ("form[client_id]", "x"),
                ("form[client_secret]", "y"),
                ("form[domains]", "contoso.com"),
                ("form[default_role]", "employee"),
            ],
            "/admin/sso",
        )
        .await;
    let msg = refusal(app, &admin, &res).await;
    assert!(msg.contains("already belongs"), "{msg}");
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_providers").await, 1);
    // The page never shows the secret.
    let page = app.get(&admin, "/admin/sso").await.text().await.unwrap();
    assert!(page.contains("Contoso") && !page.contains("s3cret"));
}

/// `--sso-config`: providers from the server's configuration are saved at
/// start (checked by discovery like any other), work at once and are
/// read-only on the admin page.
async fn providers_from_configuration(backend: common::Backend) {
    let idp = Provider::start();
    let form = rapport::api::sso::ProviderForm {
        label: "Configured".into(),
        issuer: idp.issuer.clone(),
        client_id: "cfg-client".into(),
        client_secret: "cfg-secret".into(),
        domains: "configured.example".into(),
        allow_create: Some("on".into()),
        default_role: "employee".into(),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, move |cfg| cfg.sso_providers = vec![form]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sso_providers WHERE managed = 1")
            .await,
        1
    );
    idp.next_token(
        json!({ "sub": "c1", "email": "gil@configured.example", "email_verified": true }),
        None,
    )
    .await;
    let client = app.client();
    let (_, res) = through_provider(&app, &client, "configured").await;
    assert_eq!(location(&res), "/learn");
    app.user("root@admin.test", &[Role::Admin], None).await;
    let admin = app.login_as("root@admin.test").await;
    let page = app.get(&admin, "/admin/sso").await.text().await.unwrap();
    assert!(
        page.contains("Set by the server&#x27;s configuration")
            || page.contains("Set by the server's configuration"),
        "{page}"
    );
    let id = app.text("SELECT CAST(id AS TEXT) FROM sso_providers").await;
    let res = app.call(&admin, "admin_delete_sso", &[("id", &id)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    app.cleanup().await;
}

/// A provider that is down when the button is pressed (nothing cached, as
/// after a restart): the sign-in page says so, with the way back.
async fn a_provider_down_at_start_gives_a_clear_page(backend: common::Backend) {
    let idp = Provider::start();
    let mut app = TestApp::spawn(backend).await;
    let slug = add_provider(&app, &idp, &[]).await;
    idp.stop();
    app.restart().await;
    let client = app.client();
    let res = client
        .post(app.url("/sso/start"))
        .form(&[("provider", slug.as_str())])
        .send()
        .await
        .unwrap();
    refused_with(&res, "Contoso did not answer");
    let page = app.get(&client, "/login").await.text().await.unwrap();
    assert!(page.contains("Sign in with Contoso"), "{page}");
    app.cleanup().await;
}

/// An invited person whose company signs them in: the invitation page
/// offers the button beside the password form, and only the button once
/// passwords are off for the domain (a password sent anyway is refused and
/// nothing is set); the sign-in finds the invited account by its address.
async fn invited_people_of_a_company_sign_in_through_it(app: &TestApp) {
    let idp = Provider::start();
    let slug = add_provider(app, &idp, &[]).await;
    let admin = app.login_as("root@admin.test").await;
    let res = app
        .submit(
            &admin,
            "admin_create_user",
            &[
                ("email", "cy@contoso.com"),
                ("name", "Cy Okafor"),
                ("roles[role_employee]", "on"),
            ],
            "/admin/users",
        )
        .await;
    let to = location(&res);
    let token = query_param(&format!("http://x{to}"), "invite").expect("invite token");
    let newbie = app.client();
    let page = app
        .get(&newbie, &format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Contoso"), "{page}");
    assert!(page.contains("/api/accept_invite"), "{page}");
    sqlx::query("UPDATE sso_providers SET passwords_off = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = app
        .get(&newbie, &format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Contoso"), "{page}");
    assert!(page.contains("there is no password to choose"), "{page}");
    assert!(!page.contains("/api/accept_invite"), "{page}");
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
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("no password to choose"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE email = 'cy@contoso.com' AND password_hash IS NULL"
        )
        .await,
        1
    );
    idp.next_token(
        json!({ "sub": "u-3003", "email": "cy@contoso.com", "email_verified": true }),
        None,
    )
    .await;
    let (_, res) = through_provider(app, &newbie, &slug).await;
    assert_eq!(location(&res), "/learn");
    assert_eq!(app.whoami(&newbie).await.as_deref(), Some("cy@contoso.com"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email LIKE '%contoso.com'")
            .await,
        1
    );
}

/// Sign-ins begun and not back are capped, exactly, when 300 are sent at
/// once; one that comes back frees its place.
async fn sign_ins_on_their_way_are_capped(backend: common::Backend) {
    let idp = Provider::start();
    let app = TestApp::spawn_with(backend, |cfg| cfg.sso_pending_max = 20).await;
    let slug = add_provider(&app, &idp, &[]).await;
    let starts = (0..300).map(|_| {
        let (client, url, slug) = (app.client(), app.url("/sso/start"), slug.clone());
        tokio::spawn(async move {
            let res = client
                .post(url)
                .form(&[("provider", slug.as_str())])
                .send()
                .await
                .expect("start");
            (client, res)
        })
    });
    let mut begun = Vec::new();
    let mut busy = 0;
    for s in starts.collect::<Vec<_>>() {
        let (client, res) = s.await.expect("task");
        if location(&res).contains("/authorize?") {
            begun.push((client, location(&res)));
        } else {
            refused_with(&res, "Too many sign-ins are under way");
            busy += 1;
        }
    }
    assert_eq!((begun.len(), busy), (20, 280));
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_logins").await, 20);
    // One comes back (no account for the address: refused, but its place
    // is freed), and the next start goes through.
    let (client, authorize) = begun.pop().expect("one");
    let res = client.get(&authorize).send().await.expect("authorize");
    let res = client.get(location(&res)).send().await.expect("callback");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_logins").await, 19);
    let res = app
        .client()
        .post(app.url("/sso/start"))
        .form(&[("provider", slug.as_str())])
        .send()
        .await
        .expect("start");
    assert!(location(&res).contains("/authorize?"), "{}", location(&res));
    app.cleanup().await;
}

/// A second provider, with no domains of its own, that creates people and
/// trusts its addresses; returns its slug.
async fn add_open_provider(app: &TestApp, idp: &Provider) -> String {
    let admin = app.login_as("root@admin.test").await;
    let res = app
        .submit(
            &admin,
            "admin_save_sso",
            &[
                ("form[label]", "Fabrikam"),
                ("form[issuer]", idp.issuer.as_str()),
                ("form[client_id]", "rapport-app"),
                ("form[client_secret]", "s3cret"),
                ("form[domains]", ""),
                ("form[allow_create]", "on"),
                ("form[trust_email]", "on"),
                ("form[default_role]", "employee"),
            ],
            "/admin/sso",
        )
        .await;
    assert!(
        location(&res).starts_with("/admin/sso?saved="),
        "{}",
        location(&res)
    );
    "fabrikam".into()
}

/// A domain one provider lists signs in only through that provider: a
/// second provider with an empty list (the domains nobody lists) cannot
/// sign in the first one's administrator on a verified claim, nor, once
/// the domain is listed, a person it linked before. With trusted addresses,
/// an unverified one creates a new person but never takes an existing
/// account, and a look-alike address (U+212A KELVIN SIGN for `k`) is
/// refused instead of matched.
async fn a_listed_domain_signs_in_only_through_its_provider(app: &TestApp) {
    let idp_a = Provider::start();
    add_provider(app, &idp_a, &[("form[passwords_off]", "on")]).await;
    let idp_b = Provider::start();
    let b = add_open_provider(app, &idp_b).await;
    app.user("boss@contoso.com", &[Role::Admin], None).await;
    let sign_in = |claims: serde_json::Value| {
        let (idp_b, b) = (&idp_b, b.clone());
        async move {
            idp_b.next_token(claims, None).await;
            let client = app.client();
            let (_, res) = through_provider(app, &client, &b).await;
            (client, res)
        }
    };
    let (client, res) = sign_in(json!({
        "sub": "b-boss", "email": "boss@contoso.com", "email_verified": true
    }))
    .await;
    refused_with(&res, "sign in with Contoso");
    assert_eq!(app.whoami(&client).await, None);
    // Linked while nobody listed example.org, refused once Contoso does.
    app.user("pat@example.org", &[Role::Employee], None).await;
    let pat = json!({ "sub": "b-pat", "email": "pat@example.org", "email_verified": true });
    let (client, res) = sign_in(pat.clone()).await;
    assert_eq!(location(&res), "/learn");
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("pat@example.org")
    );
    sqlx::query(
        "UPDATE sso_providers SET domains = 'contoso.com example.org' WHERE slug = 'contoso'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (client, res) = sign_in(pat).await;
    refused_with(&res, "sign in with Contoso");
    assert_eq!(app.whoami(&client).await, None);
    // Trusted but unverified: never an existing account, a new one is fine.
    app.user("lee@example.net", &[Role::Employee], None).await;
    let (client, res) = sign_in(json!({ "sub": "b-lee", "email": "lee@example.net" })).await;
    refused_with(&res, "did not say it verified");
    assert_eq!(app.whoami(&client).await, None);
    let (client, res) = sign_in(json!({ "sub": "b-new", "email": "new@example.net" })).await;
    assert_eq!(location(&res), "/learn");
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("new@example.net")
    );
    // A look-alike of an existing address, verified or not: refused.
    app.user("kim@example.net", &[Role::Admin], None).await;
    let (client, res) = sign_in(json!({
        "sub": "b-kelvin", "email": "\u{212A}im@example.net", "email_verified": true
    }))
    .await;
    refused_with(&res, "cannot use");
    assert_eq!(app.whoami(&client).await, None);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM sso_identities WHERE subject IN ('b-boss', 'b-lee', 'b-kelvin')"
        )
        .await,
        0
    );
}

/// The provider form with these settings, posted by the admin.
async fn save_provider(
    app: &TestApp,
    admin: &reqwest::Client,
    label: &str,
    issuer: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("form[label]", label),
        ("form[issuer]", issuer),
        ("form[client_id]", "x"),
        ("form[client_secret]", "y"),
        ("form[default_role]", "employee"),
    ];
    form.extend_from_slice(extra);
    app.submit(admin, "admin_save_sso", &form, "/admin/sso")
        .await
}

/// Without `--sso-allow-private`, an issuer on loopback, on a name that
/// resolves to loopback, on a v4-mapped IPv6 address or on the metadata
/// address is refused before any connection, with a short reason.
async fn private_addresses_are_refused_before_any_connection(backend: common::Backend) {
    let app = TestApp::spawn_with(backend, |cfg| cfg.sso_allow_private = false).await;
    app.user("root@admin.test", &[Role::Admin], None).await;
    let admin = app.login_as("root@admin.test").await;
    let (port, hits) = counting_listener("127.0.0.1").await;
    for issuer in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}/realms/x"),
        format!("https://[::ffff:7f00:1]:{port}"),
        format!("https://0x7f000001:{port}"),
        "https://169.254.169.254/latest/meta-data/iam/security-credentials".to_owned(),
    ] {
        let res = save_provider(&app, &admin, "Intranet", &issuer, &[]).await;
        let why = refusal(&app, &admin, &res).await;
        assert!(
            why.contains("private, loopback or link-local"),
            "{issuer}: {why}"
        );
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_providers").await, 0);
    app.cleanup().await;
}

/// A closed port, an open port that speaks no HTTP and a web server with
/// no discovery document give the admin the same words (details in the
/// log only).
async fn failures_do_not_tell_open_ports_from_closed(app: &TestApp) {
    app.user("root@admin.test", &[Role::Admin], None).await;
    let admin = app.login_as("root@admin.test").await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (open, _) = counting_listener("127.0.0.1").await;
    let (web, _) = fake_issuer("127.0.0.1", |_| json!({})).await;
    let web_port: u16 = web.rsplit(':').next().unwrap().parse().unwrap();
    let mut said = Vec::new();
    for port in [closed, open, web_port] {
        let issuer = format!("http://127.0.0.1:{port}/x");
        let res = save_provider(app, &admin, "Probe", &issuer, &[]).await;
        said.push(
            refusal(app, &admin, &res)
                .await
                .replace(&port.to_string(), "PORT"),
        );
    }
    assert!(said[0].contains("could not read"), "{}", said[0]);
    assert_eq!(said[0], said[1]);
    assert_eq!(said[1], said[2]);
}

/// The keys and the token endpoint must be on the issuer's host or one the
/// admin named: a document that points elsewhere is refused before Rapport
/// fetches anything there.
async fn keys_and_token_endpoint_stay_on_the_issuers_host(app: &TestApp) {
    use std::sync::atomic::Ordering;
    app.user("root@admin.test", &[Role::Admin], None).await;
    let admin = app.login_as("root@admin.test").await;
    let (elsewhere, elsewhere_hits) = fake_issuer("127.0.0.2", |_| json!({})).await;
    let jwks_away = elsewhere.clone();
    let (issuer, _) = fake_issuer("127.0.0.1", move |base| {
        discovery(base, &format!("{jwks_away}/jwks"), &format!("{base}/token"))
    })
    .await;
    let res = save_provider(app, &admin, "Away", &issuer, &[]).await;
    let why = refusal(app, &admin, &res).await;
    assert!(why.contains("key set (jwks_uri) is on 127.0.0.2"), "{why}");
    let token_away = elsewhere.clone();
    let (issuer2, _) = fake_issuer("127.0.0.1", move |base| {
        discovery(
            base,
            &format!("{base}/jwks"),
            &format!("{token_away}/token"),
        )
    })
    .await;
    let res = save_provider(app, &admin, "Away", &issuer2, &[]).await;
    let why = refusal(app, &admin, &res).await;
    assert!(why.contains("token endpoint is on 127.0.0.2"), "{why}");
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_providers").await, 0);
    // Named by the admin: allowed, and the keys are read there.
    let res = save_provider(
        app,
        &admin,
        "Away",
        &issuer,
        &[("form[endpoint_hosts]", "127.0.0.2")],
    )
    .await;
    assert!(
        location(&res).starts_with("/admin/sso?saved="),
        "{}",
        location(&res)
    );
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 1);
}

/// A link cannot fill the form, and an issuer changed with the secret
/// left blank is refused: the stored secret never goes to a new issuer.
/// A refused form comes back, from the server, to the admin who posted it.
async fn a_new_issuer_needs_the_secret_again(app: &TestApp) {
    let idp = Provider::start();
    let evil = Provider::start();
    add_provider(app, &idp, &[]).await;
    let admin = app.login_as("root@admin.test").await;
    let id = app.text("SELECT CAST(id AS TEXT) FROM sso_providers").await;
    let crafted = format!(
        "/admin/sso?error=Check+the+issuer&edit={id}&label=Contoso&issuer={}&client_id=rapport-app&domains=contoso.com",
        evil.issuer.replace(':', "%3A").replace('/', "%2F")
    );
    let page = app.get(&admin, &crafted).await.text().await.unwrap();
    assert!(
        !page.contains(&evil.issuer),
        "the link's issuer is on the page"
    );
    assert!(
        !page.contains("Check the issuer"),
        "the link's words are on the page"
    );
    let form = |issuer: &str, secret: &str| {
        vec![
            ("form[id]".to_owned(), id.clone()),
            ("form[label]".to_owned(), "Contoso".to_owned()),
            ("form[issuer]".to_owned(), issuer.to_owned()),
            ("form[client_id]".to_owned(), "rapport-app".to_owned()),
            ("form[client_secret]".to_owned(), secret.to_owned()),
            ("form[domains]".to_owned(), "contoso.com".to_owned()),
            ("form[default_role]".to_owned(), "employee".to_owned()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let admin = admin.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.submit(&admin, "admin_save_sso", &f, "/admin/sso").await
        }
    };
    let res = post(form(&evil.issuer, "")).await;
    let to = location(&res);
    assert!(
        !to.contains("issuer="),
        "no form values in the address: {to}"
    );
    let why = refusal(app, &admin, &res).await;
    assert!(why.contains("client secret again"), "{why}");
    assert_eq!(
        app.text("SELECT issuer FROM sso_providers").await,
        idp.issuer,
        "nothing changed"
    );
    // What was typed is back in the form for this admin, not for another.
    let page = app.get(&admin, &to).await.text().await.unwrap();
    assert!(page.contains(&evil.issuer), "the refused form comes back");
    app.user("other@admin.test", &[Role::Admin], None).await;
    let other = app.login_as("other@admin.test").await;
    let page = app.get(&other, &to).await.text().await.unwrap();
    assert!(
        !page.contains(&evil.issuer),
        "another admin does not see it"
    );
    // With the secret typed again, the new issuer is saved.
    let res = post(form(&evil.issuer, "new-secret")).await;
    assert!(
        location(&res).starts_with("/admin/sso?saved="),
        "{}",
        location(&res)
    );
    assert_eq!(
        app.text("SELECT issuer FROM sso_providers").await,
        evil.issuer
    );
}

/// A start from `ip` (the address a trusted proxy appended).
async fn start_from(app: &TestApp, slug: &str, ip: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/sso/start"))
        .header("x-forwarded-for", ip)
        .form(&[("provider", slug)])
        .send()
        .await
        .expect("start")
}

/// One address gets its budget of sign-ins on their way, exactly, when 300
/// starts come at once; a sign-in from another address still goes through;
/// and the provider's budget holds across addresses.
async fn one_address_cannot_use_up_the_sign_ins(backend: common::Backend) {
    let idp = Provider::start();
    let app = TestApp::spawn_with(backend, |cfg| {
        cfg.proxy_hops = 1;
        cfg.sso_pending_max = 150;
    })
    .await;
    let slug = add_provider(&app, &idp, &[("form[allow_create]", "on")]).await;
    let app = std::sync::Arc::new(app);
    let starts: Vec<_> = (0..300)
        .map(|_| {
            let (app, slug) = (app.clone(), slug.clone());
            tokio::spawn(async move { start_from(&app, &slug, "203.0.113.7").await })
        })
        .collect();
    let (mut begun, mut refused) = (0, 0);
    for s in starts {
        let res = s.await.expect("task");
        if location(&res).contains("/authorize?") {
            begun += 1;
        } else {
            refused_with(&res, "started from your network");
            refused += 1;
        }
    }
    assert_eq!((begun, refused), (100, 200));
    // Someone else (the proxy's own address here) signs in as usual.
    idp.next_token(
        json!({ "sub": "z", "email": "zoe@contoso.com", "email_verified": true }),
        None,
    )
    .await;
    let client = app.client();
    let (_, res) = through_provider(&app, &client, &slug).await;
    assert_eq!(location(&res), "/learn");
    // The provider's budget (150) counts every address: 50 of 60 new ones.
    let mut begun = 0;
    for i in 0..60 {
        let res = start_from(&app, &slug, &format!("198.51.100.{i}")).await;
        if location(&res).contains("/authorize?") {
            begun += 1;
        } else {
            refused_with(&res, "Too many sign-ins are under way");
        }
    }
    assert_eq!(begun, 50);
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_logins").await, 150);
    std::sync::Arc::into_inner(app)
        .expect("one")
        .cleanup()
        .await;
}

/// The flood: 10,000 starts from one address (32 at a time), then
/// a sign-in from another address and the password form of a domain whose
/// passwords are off both still lead to the provider.
async fn a_flood_from_one_address_leaves_the_others_alone(backend: common::Backend) {
    use futures::StreamExt;
    let idp = Provider::start();
    let app = TestApp::spawn_with(backend, |cfg| cfg.proxy_hops = 1).await;
    let slug = add_provider(&app, &idp, &[("form[passwords_off]", "on")]).await;
    app.user("fay@contoso.com", &[Role::Employee], None).await;
    let began = std::time::Instant::now();
    let begun = futures::stream::iter(0..10_000)
        .map(|_| start_from(&app, &slug, "203.0.113.9"))
        .buffer_unordered(32)
        .filter(|res| std::future::ready(location(res).contains("/authorize?")))
        .count()
        .await;
    eprintln!(
        "10,000 starts from one address in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    assert_eq!(begun, 100);
    let res = start_from(&app, &slug, "192.0.2.1").await;
    assert!(location(&res).contains("/authorize?"), "{}", location(&res));
    let client = app.client();
    let res = app
        .submit(
            &client,
            "login",
            &[("email", "fay@contoso.com"), ("password", common::PASSWORD)],
            "/login",
        )
        .await;
    assert!(
        location(&res).starts_with(&idp.issuer),
        "{}",
        location(&res)
    );
    app.cleanup().await;
}

/// Tests that start the app themselves (configured, or restarted).
mod started {
    use super::*;
    on_both_backends!(
        a_provider_down_at_start_gives_a_clear_page,
        sign_ins_on_their_way_are_capped,
        one_address_cannot_use_up_the_sign_ins,
        private_addresses_are_refused_before_any_connection,
        a_flood_from_one_address_leaves_the_others_alone,
        providers_from_configuration,
    );
}

on_both_databases!(
    tampered_tokens_are_refused,
    replayed_foreign_and_cancelled_states_are_refused,
    domains_unverified_disabled_and_unknown_people_are_refused,
    the_password_form_sends_company_addresses_to_their_provider,
    passwords_off_a_provider_down_and_refused_credentials,
    admins_only_and_settings_are_checked,
    invited_people_of_a_company_sign_in_through_it,
    a_listed_domain_signs_in_only_through_its_provider,
    failures_do_not_tell_open_ports_from_closed,
    keys_and_token_endpoint_stay_on_the_issuers_host,
    a_new_issuer_needs_the_secret_again,
);
