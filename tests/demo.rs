//! The demo organisation: one login per role, about fifty employees in five
//! teams, and a second start that keeps everything.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use rapport::server::{demo, password::Hasher};
use reqwest::StatusCode;

async fn seeding_twice_keeps_the_data_and_resets_the_password(app: &TestApp) {
    let hasher = Hasher::new().unwrap();
    let first = demo::seed(&app.db, &hasher, Some("first-demo-pass".into()))
        .await
        .unwrap();
    assert!(!first.generated);
    let users = app.count("SELECT COUNT(*) FROM users").await;
    assert!((50..=70).contains(&users), "{users} people");
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 5);
    assert_eq!(app.count("SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'employee' AND u.team_id IS NOT NULL").await, 50);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT team_id) FROM team_managers")
            .await,
        5,
        "every team has a manager"
    );

    // Something the admin did in between is kept by the next start.
    app.team("Added Later").await;
    let second = demo::seed(&app.db, &hasher, None).await.unwrap();
    assert!(second.generated && second.password.len() >= 12);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 6);

    for role in ["employee", "trainer", "manager", "admin"] {
        let email = format!("{role}@demo.test");
        let c = app.client();
        let old = app
            .call(
                &c,
                "login",
                &[("email", &email), ("password", "first-demo-pass")],
            )
            .await;
        assert_eq!(
            old.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the old password no longer works"
        );
        let res = app
            .call(
                &c,
                "login",
                &[("email", &email), ("password", &second.password)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{role} signs in with the printed password"
        );
        let me: serde_json::Value = app.call(&c, "me", &[]).await.json().await.unwrap();
        assert!(
            me["roles"].to_string().to_lowercase().contains(role),
            "{me}"
        );
    }
}

async fn a_too_short_demo_password_is_refused(app: &TestApp) {
    let hasher = Hasher::new().unwrap();
    let err = demo::seed(&app.db, &hasher, Some("short".into()))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("RAPPORT_DEMO_PASSWORD"), "{err}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

on_both_databases!(
    seeding_twice_keeps_the_data_and_resets_the_password,
    a_too_short_demo_password_is_refused
);
