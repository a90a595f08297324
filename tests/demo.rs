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

async fn demo_learners_have_varied_progress(app: &TestApp) {
    let hasher = Hasher::new().unwrap();
    demo::seed(&app.db, &hasher, Some("first-demo-pass".into()))
        .await
        .unwrap();
    let catalog = rapport::content::store::load(&app.db, std::path::Path::new("content"))
        .await
        .unwrap();
    demo::seed_learning(&app.db, &catalog.get()).await.unwrap();
    // Every team has the three courses, some already overdue.
    assert_eq!(app.count("SELECT COUNT(*) FROM assignments").await, 15);
    let now = rapport::server::now();
    let overdue = app
        .count(&format!(
            "SELECT COUNT(*) FROM assignments WHERE due_at < {now}"
        ))
        .await;
    assert!((1..15).contains(&overdue), "{overdue} overdue assignments");
    // A spread: finished courses, courses in progress, people not started.
    let completed = app
        .count("SELECT COUNT(*) FROM enrolments WHERE completed_at IS NOT NULL")
        .await;
    let in_progress = app
        .count("SELECT COUNT(*) FROM enrolments WHERE completed_at IS NULL")
        .await;
    assert!(
        completed >= 30 && in_progress >= 15,
        "{completed} completed, {in_progress} in progress"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM certificates").await,
        completed
    );
    let mid_scenario = app
        .count("SELECT COUNT(*) FROM attempts WHERE kind = 'scenario' AND status = 'active' AND step > 0")
        .await;
    assert!(mid_scenario >= 3, "{mid_scenario} people mid-conversation");
    let endings = app
        .count("SELECT COUNT(DISTINCT outcome) FROM attempts WHERE status = 'finished' AND kind = 'scenario'")
        .await;
    assert_eq!(endings, 3, "all three kinds of ending are reached");
    // Every attempt's steps are all recorded; the sign-in accounts start fresh.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attempts a WHERE a.step <> (SELECT COUNT(*) FROM attempt_steps s WHERE s.attempt_id = a.id)")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = 'employee@demo.test'")
            .await,
        0
    );
    // Seeding again adds nothing.
    let attempts = app.count("SELECT COUNT(*) FROM attempts").await;
    demo::seed_learning(&app.db, &catalog.get()).await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM attempts").await, attempts);
}

on_both_databases!(
    demo_learners_have_varied_progress,
    seeding_twice_keeps_the_data_and_resets_the_password,
    a_too_short_demo_password_is_refused
);
