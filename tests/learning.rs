//! Learners over HTTP, on SQLite and PostgreSQL: a whole course from the
//! first lesson to the certificate, replayed and stale submissions, two
//! tabs racing, resume after a restart, version pinning and bad input.
#![cfg(feature = "ssr")]

mod common;

use common::learner::*;
use common::{Backend, TestApp};
use rapport::api::learn::{CertificateView, CourseData, ItemData, StepResult};
use rapport::domain::completion::{CourseStatus, ItemState};
use rapport::domain::course::ItemBody;
use rapport::domain::Role;
use reqwest::{Client, StatusCode};

async fn learner(app: &TestApp) -> Client {
    let team = app.team("Front Desk").await;
    app.user("learner@example.com", &[Role::Employee], Some(team))
        .await;
    app.login_as("learner@example.com").await
}

async fn a_learner_completes_a_course_over_http(app: &TestApp) {
    let client = learner(app).await;
    let before: CourseData = json(app, &client, "course_view", &[("course", COURSE)]).await;
    assert_eq!(before.card.status, CourseStatus::NotStarted);
    assert_eq!(before.card.percent, 0);

    for lesson in ["listening-is-the-job", "reflect-ask-confirm"] {
        let res = app
            .call(
                &client,
                "complete_lesson",
                &[("course", COURSE), ("item", lesson)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let ended = play_through(app, &client, SCENARIO).await;
    let ending = ended.ending.expect("an ending");
    assert!(
        !ending.review.is_empty(),
        "the path review lists every reply"
    );
    assert!(!ending.best_route.is_empty());
    assert!(!ending.debrief.is_empty(), "the ending explains itself");
    assert!(
        ended
            .transcript
            .iter()
            .all(|t| !ending.debrief.contains(&t.html)),
        "the debrief is not repeated in the transcript"
    );
    assert!(
        ended.transcript.iter().any(|t| t.mine),
        "my replies are in the transcript"
    );
    play_through(app, &client, "the-quiet-customer").await;

    let mid: CourseData = json(app, &client, "course_view", &[("course", COURSE)]).await;
    assert_eq!(mid.card.status, CourseStatus::InProgress);
    assert_eq!(
        mid.card.resume.as_deref(),
        Some(QUIZ),
        "Resume goes to the quiz"
    );
    assert!(mid.card.certificate.is_none());

    let done = take_quiz(app, &client, 100).await;
    let result = done.result.expect("a result");
    assert!(result.passed, "{result:?}");
    assert_eq!(
        result.total, 8,
        "eight questions drawn from the bank of sixteen"
    );

    let after: CourseData = json(app, &client, "course_view", &[("course", COURSE)]).await;
    assert_eq!(after.card.status, CourseStatus::Completed);
    assert_eq!(after.card.percent, 100);
    assert!(after.items.iter().all(|i| i.state == ItemState::Done));
    let code = after.card.certificate.expect("a certificate");

    // Anyone can verify the certificate, signed in or not.
    let anon = app.client();
    let cert: CertificateView = json(app, &anon, "certificate", &[("code", &code)]).await;
    assert!(!cert.mine);
    assert_eq!(cert.course, "Empathetic listening");
    let page = app.get(&anon, &format!("/certificates/{code}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&cert.learner), "{html}");
    assert!(html.contains(&code));
    // Completing again issues no second certificate.
    let res = app
        .call(
            &client,
            "complete_lesson",
            &[("course", COURSE), ("item", "listening-is-the-job")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM certificates").await, 1);
    // My learning shows the course as completed with the certificate.
    let page = app.get(&client, "/learn").await.text().await.unwrap();
    assert!(page.contains("Completed") && page.contains(&code), "{page}");
}

async fn replayed_and_stale_steps_change_nothing(app: &TestApp) {
    let client = learner(app).await;
    let start: StepResult = json(
        app,
        &client,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    let id = start.attempt.id;
    let first = choose(app, &client, SCENARIO, id, 0, 0).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: StepResult = first.json().await.unwrap();
    assert!(!first.replayed);
    let state = app
        .count(&format!("SELECT step FROM attempts WHERE id = {id}"))
        .await;
    assert_eq!(state, 1);

    // The same submission again (a double click, a retried request).
    let again: StepResult = choose(app, &client, SCENARIO, id, 0, 0)
        .await
        .json()
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.attempt, first.attempt);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM attempt_steps WHERE attempt_id = {id}"
        ))
        .await,
        1
    );

    // A different choice for the step already taken: a second tab.
    let stale = choose(app, &client, SCENARIO, id, 0, 1).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("moved on"));
    // A step from the future, a negative step.
    assert_eq!(
        choose(app, &client, SCENARIO, id, 7, 0).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        choose(app, &client, SCENARIO, id, -1, 0).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A choice that is not offered in this scene.
    assert_eq!(
        choose(app, &client, SCENARIO, id, 1, 42).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A missing field.
    let res = app
        .call(
            &client,
            "choose",
            &[
                ("course", COURSE),
                ("item", SCENARIO),
                ("attempt", &id.to_string()),
            ],
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    // Someone else's attempt looks like no attempt at all.
    app.user("other@example.com", &[Role::Employee], None).await;
    let other = app.login_as("other@example.com").await;
    assert_eq!(
        choose(app, &other, SCENARIO, id, 1, 0).await.status(),
        StatusCode::NOT_FOUND
    );
    // A quiz answer sent to a scenario attempt.
    assert_eq!(
        answer(app, &client, id, 1, "first-step", &[1])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // None of that changed anything.
    assert_eq!(
        app.count(&format!("SELECT step FROM attempts WHERE id = {id}"))
            .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM attempt_steps WHERE attempt_id = {id}"
        ))
        .await,
        1
    );

    // Quiz: a question that is not in this attempt, no option, a bad option.
    let q: StepResult = json(
        app,
        &client,
        "start_quiz",
        &[("course", COURSE), ("item", QUIZ)],
    )
    .await;
    let view = quiz(app, &client).await;
    let current = view.question.expect("a question").id;
    let key = answer_key();
    let other_q = key
        .keys()
        .find(|k| **k != current)
        .expect("another question")
        .clone();
    let qa = q.attempt.id;
    assert_eq!(
        answer(app, &client, qa, 0, &other_q, &[0]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        answer(app, &client, qa, 0, &current, &[]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        answer(app, &client, qa, 0, &current, &[99]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        answer(app, &client, qa, 0, "no-such-question", &[0])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.count(&format!("SELECT step FROM attempts WHERE id = {qa}"))
            .await,
        0
    );
    // Pressing Start twice keeps the attempt in progress.
    let again: StepResult = json(
        app,
        &client,
        "start_quiz",
        &[("course", COURSE), ("item", QUIZ)],
    )
    .await;
    assert_eq!(again.attempt.id, qa);

    // Without JavaScript, a refused step comes back to the page with the message.
    let res = app
        .submit(
            &client,
            "choose",
            &[
                ("course", COURSE),
                ("item", SCENARIO),
                ("attempt", &id.to_string()),
                ("step", "0"),
                ("choice", "1"),
            ],
            &format!("/learn/{COURSE}/{SCENARIO}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/learn/{COURSE}/{SCENARIO}?error=")),
        "{location}"
    );
    let page = app.get(&client, &location).await.text().await.unwrap();
    assert!(page.contains("moved on"), "{page}");
}

async fn two_tabs_racing_count_once(app: &TestApp) {
    let client = learner(app).await;
    let start: StepResult = json(
        app,
        &client,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    let id = start.attempt.id;
    // Three rounds of two tabs submitting different replies to the same step.
    let mut step = 0;
    for _ in 0..3 {
        let view = scenario(app, &client, SCENARIO).await;
        if view.ending.is_some() || view.choices.len() < 2 {
            break;
        }
        let (a, b) = (view.choices[0].index, view.choices[1].index);
        let (r1, r2) = tokio::join!(
            choose(app, &client, SCENARIO, id, step, a),
            choose(app, &client, SCENARIO, id, step, b)
        );
        let mut codes = [r1.status().as_u16(), r2.status().as_u16()];
        codes.sort_unstable();
        assert_eq!(codes, [200, 409], "one tab wins, the other is told");
        step += 1;
        assert_eq!(
            app.count(&format!("SELECT step FROM attempts WHERE id = {id}"))
                .await,
            step
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM attempt_steps WHERE attempt_id = {id}"
            ))
            .await,
            step
        );
    }
    assert!(step >= 1);
}

async fn attempts_keep_their_version(app: &TestApp) {
    let client = learner(app).await;
    let start: StepResult = json(
        app,
        &client,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    let id = start.attempt.id;
    let current: i64 = app
        .count(&format!("SELECT version_id FROM attempts WHERE id = {id}"))
        .await;
    let catalog_version = app
        .count(&format!(
            "SELECT id FROM content_versions WHERE course_id = '{COURSE}' AND item_id = '{SCENARIO}' ORDER BY version DESC LIMIT 1"
        ))
        .await;
    assert_eq!(
        current, catalog_version,
        "a new attempt gets the newest version"
    );
    // An older version of the scenario, with different words, as if the
    // attempt had started before the file changed.
    let (body,): (String,) = sqlx::query_as("SELECT body FROM content_versions WHERE id = $1")
        .bind(current)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let before = scenario(app, &client, SCENARIO).await;
    let first_reply = before.choices[0].text.clone();
    let old_body = body.replace(&first_reply, "An older wording of the first reply");
    assert_ne!(old_body, body);
    let (old,): (i64,) = sqlx::query_as(
        "INSERT INTO content_versions (course_id, item_id, kind, version, hash, file, title, body, created_at)
         VALUES ($1, $2, 'scenario', 0, 'old-hash', 'f.md', 'Old', $3, 0) RETURNING id",
    )
    .bind(COURSE)
    .bind(SCENARIO)
    .bind(&old_body)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE attempts SET version_id = $1 WHERE id = $2")
        .bind(old)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let pinned = scenario(app, &client, SCENARIO).await;
    assert_eq!(
        pinned.choices[0].text,
        "An older wording of the first reply"
    );
    // It can be played on that version; a fresh attempt gets the newest.
    assert_eq!(
        choose(app, &client, SCENARIO, id, 0, 0).await.status(),
        StatusCode::OK
    );
    let _: StepResult = json(
        app,
        &client,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    let fresh = scenario(app, &client, SCENARIO).await;
    assert_eq!(fresh.choices[0].text, first_reply);
}

async fn quiz_retries_are_limited(app: &TestApp) {
    let client = learner(app).await;
    // The listening quiz allows three attempts and needs 75%.
    for n in 1..=3 {
        let view = take_quiz(app, &client, 0).await;
        let r = view.result.expect("result");
        assert!(!r.passed);
        assert_eq!(view.attempts_used, n);
        assert_eq!(view.can_retry, n < 3);
    }
    let res = app
        .call(&client, "start_quiz", &[("course", COURSE), ("item", QUIZ)])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let course: CourseData = json(app, &client, "course_view", &[("course", COURSE)]).await;
    let q = course.items.iter().find(|i| i.id == QUIZ).unwrap();
    assert_eq!(q.state, ItemState::Failed);
}

/// Every shipped scenario, in every course, plays to an ending over HTTP,
/// taking the first reply offered and then the last; the brand-values
/// course shows the organisation's words, never a placeholder.
async fn every_shipped_scenario_plays_to_an_ending(app: &TestApp) {
    let client = learner(app).await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let res = app
        .call(
            &admin,
            "admin_update_organisation",
            &[
                ("name", "Harbour & Co"),
                ("mission", "Make every visit easy."),
                ("vision", "The shop people recommend."),
                ("values", "- Straight talking\n- Owning it"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let lib = rapport::content::load_dir(std::path::Path::new("content"));
    let mut played = 0;
    for course in &lib.courses {
        for entry in &course.items {
            if !matches!(entry.body, ItemBody::Scenario(_)) {
                continue;
            }
            for last in [false, true] {
                let item_id = entry.id.as_str();
                let _: StepResult = json(
                    app,
                    &client,
                    "start_scenario",
                    &[("course", course.id.as_str()), ("item", item_id)],
                )
                .await;
                let mut ended = None;
                for _ in 0..60 {
                    let v = match item(app, &client, &course.id, item_id).await {
                        ItemData::Scenario(v) => v,
                        other => panic!("{item_id}: {other:?}"),
                    };
                    let text = format!("{} {:?} {:?}", v.intro_html, v.transcript, v.choices);
                    assert!(
                        !text.contains("{{"),
                        "{item_id}: a placeholder left: {text}"
                    );
                    if course.id == "brand-values" {
                        assert!(
                            v.intro_html.contains("Straight talking"),
                            "{item_id}: {}",
                            v.intro_html
                        );
                    }
                    if v.ending.is_some() {
                        ended = v.ending;
                        break;
                    }
                    let a = v.attempt.expect("an attempt");
                    let pick = if last {
                        v.choices.last()
                    } else {
                        v.choices.first()
                    };
                    let index = pick.expect("a reply to choose").index;
                    let res =
                        choose_in(app, &client, &course.id, item_id, a.id, a.step, index).await;
                    assert_eq!(res.status(), StatusCode::OK, "{item_id}");
                }
                let ending =
                    ended.unwrap_or_else(|| panic!("{item_id} did not end within 60 steps"));
                assert!(
                    !ending.debrief.is_empty(),
                    "{item_id}: the ending explains itself"
                );
                played += 1;
            }
        }
    }
    assert!(played >= 20, "ten scenarios, two routes each: {played}");
}

on_both_databases!(
    every_shipped_scenario_plays_to_an_ending,
    a_learner_completes_a_course_over_http,
    replayed_and_stale_steps_change_nothing,
    two_tabs_racing_count_once,
    attempts_keep_their_version,
    quiz_retries_are_limited,
);

/// Sign out, restart the server, sign in again elsewhere: the same step,
/// the same transcript.
async fn resume_after_restart(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let client = learner(&app).await;
    let _: StepResult = json(
        &app,
        &client,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    for _ in 0..2 {
        let v = scenario(&app, &client, SCENARIO).await;
        let a = v.attempt.unwrap();
        assert_eq!(
            choose(&app, &client, SCENARIO, a.id, a.step, v.choices[0].index)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let before = scenario(&app, &client, SCENARIO).await;
    app.call(&client, "logout", &[]).await;
    app.restart().await;
    let elsewhere = app.login_as("learner@example.com").await;
    let after = scenario(&app, &elsewhere, SCENARIO).await;
    assert_eq!(after.attempt, before.attempt);
    assert_eq!(after.transcript, before.transcript);
    assert_eq!(after.choices, before.choices);
    assert_eq!(after.meters, before.meters);
    let course: CourseData = json(&app, &elsewhere, "course_view", &[("course", COURSE)]).await;
    assert_eq!(course.card.resume.as_deref(), Some(SCENARIO));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_restart_sqlite() {
    resume_after_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_restart_postgres() {
    resume_after_restart(Backend::Postgres).await;
}
