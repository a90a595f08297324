//! Who a person becomes when they sign in through their company's provider
//! (a real OpenID provider on loopback, `tests/common/oidc.rs`), on SQLite
//! and PostgreSQL: created in the team, roles and managed teams the mapping
//! rules give, found again by the provider's subject, and, with "keep in
//! step", moved when the provider's groups change.
#![cfg(feature = "ssr")]

mod common;

use common::oidc::{add_provider, location, through_provider, Provider};
use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

/// The team and the roles (sorted, space-separated) of the person with
/// this address.
async fn team_and_roles(app: &TestApp, email: &str) -> (String, String) {
    let team: Option<String> = sqlx::query_scalar(
        "SELECT t.name FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = $1 ORDER BY r.role",
    )
    .bind(email)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    (team.unwrap_or_default(), roles.join(" "))
}

/// The names of the teams the person with this address manages, sorted.
async fn managed(app: &TestApp, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT t.name FROM team_managers m JOIN teams t ON t.id = m.team_id \
         JOIN users u ON u.id = m.user_id WHERE u.email = $1 ORDER BY t.name",
    )
    .bind(email)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

/// Teams North and South, and a provider that creates people and keeps
/// them in step with these rules on the `groups` claim.
async fn kept_in_step(app: &TestApp, idp: &Provider, rules: &str) -> String {
    app.team("North").await;
    app.team("South").await;
    add_provider(
        app,
        idp,
        &[
            ("form[allow_create]", "on"),
            ("form[sync_mapping]", "on"),
            ("form[map_claim]", "groups"),
            ("form[map_rules]", rules),
        ],
    )
    .await
}

/// Signs `email` (subject `sub`) in through the provider with these groups.
async fn sign_in(
    app: &TestApp,
    idp: &Provider,
    slug: &str,
    sub: &str,
    email: &str,
    groups: serde_json::Value,
) -> reqwest::Client {
    idp.next_token(
        json!({ "sub": sub, "email": email, "email_verified": true, "groups": groups }),
        None,
    )
    .await;
    let client = app.client();
    let (_, res) = through_provider(app, &client, slug).await;
    assert_eq!(location(&res), "/learn");
    client
}

async fn a_person_is_created_in_the_mapped_team_and_found_again(app: &TestApp) {
    let idp = Provider::start();
    let floor = app.team("Floor").await;
    let north = app.team("North").await;
    let slug = add_provider(
        app,
        &idp,
        &[
            ("form[allow_create]", "on"),
            ("form[default_team]", &floor.to_string()),
            ("form[map_claim]", "groups"),
            (
                "form[map_rules]",
                "north-shop = team: North\nshift-leads = role: manager",
            ),
        ],
    )
    .await;
    idp.next_token(
        json!({ "sub": "u-1001", "email": "ann.lee@contoso.com", "email_verified": true,
                "name": "Ann Lee", "groups": ["north-shop", "shift-leads"] }),
        None,
    )
    .await;
    let client = app.client();
    let (_, res) = through_provider(app, &client, &slug).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/learn");
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("ann.lee@contoso.com")
    );
    let page = app.get(&client, "/learn").await;
    assert_eq!(page.status(), StatusCode::OK);
    let (team, name): (Option<i64>, String) =
        sqlx::query_as("SELECT team_id, name FROM users WHERE email = 'ann.lee@contoso.com'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(team, Some(north));
    assert_eq!(name, "Ann Lee");
    assert_eq!(
        app.text("SELECT role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = 'ann.lee@contoso.com'")
            .await,
        "manager"
    );
    // Signed out and back: the same person by the provider's subject, even
    // with a new address there; one session each time (rotated).
    app.call(&client, "logout", &[]).await;
    assert_eq!(app.whoami(&client).await, None);
    idp.next_token(
        json!({ "sub": "u-1001", "email": "ann.new@contoso.com", "email_verified": true }),
        None,
    )
    .await;
    let (_, res) = through_provider(app, &client, &slug).await;
    assert_eq!(location(&res), "/learn");
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("ann.lee@contoso.com")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email LIKE '%contoso.com'")
            .await,
        1
    );
    // Without a mapping match: the default team and role.
    idp.next_token(
        json!({ "sub": "u-2002", "email": "bo@contoso.com", "email_verified": true, "groups": ["other"] }),
        None,
    )
    .await;
    let other = app.client();
    let (_, res) = through_provider(app, &other, &slug).await;
    assert_eq!(location(&res), "/learn");
    let team: Option<i64> =
        sqlx::query_scalar("SELECT team_id FROM users WHERE email = 'bo@contoso.com'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(team, Some(floor));
    assert_eq!(
        app.text("SELECT role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = 'bo@contoso.com'")
            .await,
        "employee"
    );
}

/// With "keep team and roles in step", a known person's team and roles
/// follow the provider's groups at every sign-in; an administrator stays
/// one; with no matching rule nothing changes.
async fn team_and_roles_follow_the_provider(app: &TestApp) {
    let idp = Provider::start();
    let slug = kept_in_step(app, &idp, "north-shop = team: North\nsouth-shop = team: South\nshift-leads = role: manager\nshift-leads = role: employee").await;
    let dee = "dee@contoso.com";
    let sign_in = |groups| sign_in(app, &idp, &slug, "u-4004", dee, groups);
    let state = || team_and_roles(app, dee);
    sign_in(json!(["north-shop"])).await;
    assert_eq!(state().await, ("North".into(), "employee".into()));
    sign_in(json!(["south-shop", "shift-leads"])).await;
    assert_eq!(state().await, ("South".into(), "employee manager".into()));
    // Without `manages:` rules the teams an admin gave a manager stay.
    sqlx::query("INSERT INTO team_managers (team_id, user_id) SELECT t.id, u.id FROM teams t, users u WHERE t.name = 'North' AND u.email = 'dee@contoso.com'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    sign_in(json!(["south-shop", "shift-leads"])).await;
    assert_eq!(managed(app, dee).await, ["North"]);
    // Made an administrator in Rapport: the mapping does not take it away.
    sqlx::query("INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users WHERE email = 'dee@contoso.com'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    sign_in(json!(["something-else"])).await;
    assert_eq!(
        state().await,
        ("South".into(), "admin employee manager".into())
    );
    sign_in(json!(["north-shop"])).await;
    assert_eq!(
        state().await,
        ("North".into(), "admin employee manager".into())
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.updated.sso'")
            .await,
        2
    );
}

/// `manages:` rules: the first sign-in makes a manager of the named teams'
/// dashboards; with "keep in step" the managed teams follow the groups, and
/// someone who leaves every leads group is a manager no more.
async fn managers_follow_the_provider(app: &TestApp) {
    let idp = Provider::start();
    let slug = kept_in_step(
        app,
        &idp,
        "north-leads = manages: North\nsouth-leads = manages: South\nstaff = role: employee",
    )
    .await;
    let kim = "kim@contoso.com";
    let client = sign_in(app, &idp, &slug, "u-5005", kim, json!(["north-leads"])).await;
    assert_eq!(team_and_roles(app, kim).await.1, "manager");
    assert_eq!(managed(app, kim).await, ["North"]);
    // The dashboard shows North and only North.
    let page = app.get(&client, "/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("North") && !page.contains("South"), "{page}");

    sign_in(
        app,
        &idp,
        &slug,
        "u-5005",
        kim,
        json!(["north-leads", "south-leads"]),
    )
    .await;
    assert_eq!(managed(app, kim).await, ["North", "South"]);
    sign_in(app, &idp, &slug, "u-5005", kim, json!(["south-leads"])).await;
    assert_eq!(managed(app, kim).await, ["South"]);
    // No matching rule: nothing changes.
    sign_in(app, &idp, &slug, "u-5005", kim, json!(["canteen"])).await;
    assert_eq!(managed(app, kim).await, ["South"]);
    // Back on the shop floor: no longer a manager, no dashboard.
    let client = sign_in(app, &idp, &slug, "u-5005", kim, json!(["staff"])).await;
    assert_eq!(team_and_roles(app, kim).await.1, "employee");
    assert!(managed(app, kim).await.is_empty());
    let page = app.call(&client, "dashboard_overview", &[]).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

on_both_databases!(
    a_person_is_created_in_the_mapped_team_and_found_again,
    team_and_roles_follow_the_provider,
    managers_follow_the_provider,
);
