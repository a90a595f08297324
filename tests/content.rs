//! Content loading over the real server on SQLite and PostgreSQL: the
//! shipped courses load cleanly, versions follow file changes, a broken
//! file is reported and skipped, and the brand course shows the
//! organisation's own (sanitised) words.
#![cfg(feature = "ssr")]

mod common;

use common::{Backend, TestApp};
use rapport::content::{load_dir, store};
use rapport::domain::Role;
use reqwest::StatusCode;
use std::path::Path;

async fn json(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> serde_json::Value {
    let res = app.call(client, endpoint, form).await;
    assert_eq!(res.status(), StatusCode::OK, "{endpoint}");
    res.json().await.expect("json")
}

async fn the_shipped_courses_load_without_problems(app: &TestApp) {
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    let trainer = app.login_as("trainer@example.com").await;
    let overview = json(app, &trainer, "content_overview", &[]).await;
    let ids: Vec<&str> = overview["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "brand-values",
            "empathetic-listening",
            "handling-complaints"
        ]
    );
    // No errors and no warnings: neither about the format nor from the
    // reviewer's checks on how content teaches (issue 17).
    let problems = overview["problems"].as_array().expect("problems");
    let found: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{}:{} {}: {}",
                p["file"].as_str().unwrap_or("?"),
                p["line"],
                p["check"].as_str().unwrap_or("format"),
                p["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    for course in overview["courses"].as_array().expect("courses") {
        let items = course["items"].as_array().expect("items");
        let count = |kind: &str| items.iter().filter(|i| i["kind"] == kind).count();
        assert!(
            count("lesson") >= 2 && count("scenario") >= 2 && count("quiz") >= 1,
            "{course}"
        );
        assert!(items.iter().all(|i| i["version"] == 1), "{course}");
    }
    // Every version was recorded in the database.
    assert_eq!(app.count("SELECT COUNT(*) FROM content_versions").await, 19);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM courses WHERE active = 1")
            .await,
        3
    );

    let preview = json(
        app,
        &trainer,
        "content_item",
        &[
            ("course", "handling-complaints"),
            ("item", "the-chat-that-grew"),
        ],
    )
    .await;
    assert_eq!(preview["item"]["body"]["kind"], "scenario");
    assert_eq!(preview["item"]["body"]["channel"], "chat");
    let missing = app
        .call(
            &trainer,
            "content_item",
            &[("course", "handling-complaints"), ("item", "nope")],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

async fn the_brand_course_shows_the_organisations_sanitised_words(app: &TestApp) {
    app.user("admin@example.com", &[Role::Admin], None).await;
    let admin = app.login_as("admin@example.com").await;
    let lesson = [
        ("course", "brand-values"),
        ("item", "why-our-values-matter"),
    ];
    let before = json(app, &admin, "content_item", &lesson).await;
    let html = before["lesson_html"].as_str().expect("html");
    assert!(html.contains("Not written yet"), "{html}");

    let saved = app
        .call(
            &admin,
            "admin_update_organisation",
            &[
                ("name", "Acme Rentals"),
                (
                    "mission",
                    "We rent <script>alert(1)</script>**reliable** vans.",
                ),
                ("vision", "Vans <img src=x onerror=alert(1)> everywhere."),
                ("values", "- **Candour**: [we say it](javascript:alert(1))"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let after = json(app, &admin, "content_item", &lesson).await;
    let html = after["lesson_html"].as_str().expect("html");
    assert!(html.contains("Acme Rentals"), "{html}");
    assert!(html.contains("<strong>reliable</strong>"), "{html}");
    assert!(html.contains("<strong>Candour</strong>"), "{html}");
    for bad in ["<script", "onerror", "javascript:"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }

    let empty = app
        .call(
            &admin,
            "admin_update_organisation",
            &[
                ("name", "Acme"),
                ("mission", " "),
                ("vision", "v"),
                ("values", "x"),
            ],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'organisation.updated'")
            .await,
        1
    );
}

async fn a_changed_file_gets_a_new_version_and_the_old_one_stays(app: &TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    copy_course(
        Path::new("content/empathetic-listening"),
        &dir.path().join("listening"),
    );
    let first = store::sync(&app.db, load_dir(dir.path()))
        .await
        .expect("sync");
    let v1 = first
        .version("empathetic-listening", "the-third-call")
        .expect("v1");
    let lesson_v1 = first
        .version("empathetic-listening", "listening-is-the-job")
        .expect("lesson");
    // The same files on another instance (or a restart) map to the same rows.
    let again = store::sync(&app.db, load_dir(dir.path()))
        .await
        .expect("sync");
    assert_eq!(
        again.version("empathetic-listening", "the-third-call"),
        Some(v1)
    );

    let file = dir.path().join("listening/03-the-third-call.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("It's me again.", "It's me, again.")).expect("write");
    let second = store::sync(&app.db, load_dir(dir.path()))
        .await
        .expect("sync");
    let v2 = second
        .version("empathetic-listening", "the-third-call")
        .expect("v2");
    assert_eq!(v2.number, v1.number + 1);
    assert_ne!(v2.id, v1.id);
    assert_eq!(
        second.version("empathetic-listening", "listening-is-the-job"),
        Some(lesson_v1)
    );
    // The old version's body is kept for attempts that started on it.
    let old: String = sqlx::query_scalar("SELECT body FROM content_versions WHERE id = $1")
        .bind(v1.id)
        .fetch_one(&app.db.pool)
        .await
        .expect("old version");
    assert!(old.contains("It's me again."));
    let current: i64 = sqlx::query_scalar(
        "SELECT version_id FROM course_items WHERE course_id = 'empathetic-listening' AND item_id = 'the-third-call'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("current");
    assert_eq!(current, v2.id);

    // Two instances starting at once with a new file agree on one version.
    std::fs::write(&file, text.replace("It's me again.", "Me again.")).expect("write");
    let (a, b) = tokio::join!(
        store::sync(&app.db, load_dir(dir.path())),
        store::sync(&app.db, load_dir(dir.path()))
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(
        a.version("empathetic-listening", "the-third-call"),
        b.version("empathetic-listening", "the-third-call")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM content_versions WHERE item_id = 'the-third-call'")
            .await,
        3
    );
}

fn copy_course(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let p = entry.expect("entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
}

on_both_databases!(
    the_shipped_courses_load_without_problems,
    the_brand_course_shows_the_organisations_sanitised_words,
    a_changed_file_gets_a_new_version_and_the_old_one_stays,
);

/// A broken file is reported with its position and left out; the rest of
/// its course and the other courses still load, and the server starts.
async fn a_broken_file_is_skipped_not_fatal(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    copy_course(
        Path::new("content/empathetic-listening"),
        &dir.path().join("listening"),
    );
    copy_course(
        Path::new("content/handling-complaints"),
        &dir.path().join("complaints"),
    );
    std::fs::write(
        dir.path().join("listening/06-broken.md"),
        "---\nid: broken\nkind: scenario\ntitle: Broken\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n## Start {#start}\n\n- [Go](#nowhere)\n  > x\n  Effects: empathy +1\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("complaints/07-binary.md"),
        [0xff, 0xfe, 0x00, 0x01],
    )
    .expect("write");
    let content = dir.path().to_path_buf();
    let app = TestApp::spawn_with(backend, move |cfg| cfg.content_dir = content).await;
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    let trainer = app.login_as("trainer@example.com").await;
    let overview = json(&app, &trainer, "content_overview", &[]).await;
    assert_eq!(overview["courses"].as_array().map(Vec::len), Some(2));
    let listening = &overview["courses"][1];
    assert_eq!(listening["id"], "empathetic-listening");
    assert!(listening["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|i| i["id"] != "broken"));
    let problems = overview["problems"].as_array().expect("problems");
    let broken = problems
        .iter()
        .find(|p| {
            p["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("06-broken.md"))
                && p["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("`nowhere`"))
        })
        .expect("reported");
    assert_eq!(
        (broken["line"].as_u64(), broken["col"].as_u64()),
        (Some(13), Some(9))
    );
    assert!(broken["message"]
        .as_str()
        .unwrap_or("")
        .contains("`nowhere`, which does not exist"));
    assert!(problems.iter().any(|p| p["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("07-binary.md"))
        && p["message"].as_str().unwrap_or("").contains("UTF-8")));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_is_skipped_not_fatal_sqlite() {
    a_broken_file_is_skipped_not_fatal(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_is_skipped_not_fatal_postgres() {
    a_broken_file_is_skipped_not_fatal(Backend::Postgres).await;
}

/// A scene that accepts typed replies, in a version without the language
/// model: the learner gets the list of replies with a note saying so, and
/// plays on by choosing (never a broken page, never a silent guess).
async fn typed_replies_fall_back_to_the_list(backend: Backend) {
    use common::learner::{choose, json, scenario, COURSE, SCENARIO};
    use rapport::api::learn::StepResult;
    let dir = tempfile::tempdir().expect("dir");
    let course = dir.path().join("listening");
    copy_course(Path::new("content/empathetic-listening"), &course);
    let text = std::fs::read_to_string(course.join("03-the-third-call.md")).expect("read");
    assert!(
        text.contains("\nreplies: typed\n"),
        "the shipped scenario takes typed replies"
    );
    let content = dir.path().to_path_buf();
    let app = TestApp::spawn_with(backend, move |cfg| cfg.content_dir = content).await;
    app.user("dana@example.com", &[Role::Employee], None).await;
    let dana = app.login_as("dana@example.com").await;
    let started: StepResult = json(
        &app,
        &dana,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    let s = scenario(&app, &dana, SCENARIO).await;
    assert!(s.typed_unavailable, "the first scene accepts typed replies");
    assert!(!s.choices.is_empty(), "and the list is there");
    let page = app
        .get(&dana, &format!("/learn/{COURSE}/{SCENARIO}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("not available here yet"), "{page}");
    assert!(page.contains("class=\"choice\""));
    // The trainer's preview shows where typed replies are accepted and the
    // phrasings, as text.
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    let trainer = app.login_as("trainer@example.com").await;
    let editor = app
        .get(&trainer, "/author/edit?path=listening/03-the-third-call.md")
        .await
        .text()
        .await
        .expect("editor");
    assert!(editor.contains("· typed replies"), "{editor}");
    assert!(
        editor.contains("Also: can i have your account number please"),
        "{editor}"
    );
    // Choosing works as in any scenario.
    let res = choose(
        &app,
        &dana,
        SCENARIO,
        started.attempt.id,
        0,
        s.choices[0].index,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let next = scenario(&app, &dana, SCENARIO).await;
    assert_eq!(next.attempt.map(|a| a.step), Some(1));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_replies_fall_back_to_the_list_sqlite() {
    typed_replies_fall_back_to_the_list(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_replies_fall_back_to_the_list_postgres() {
    typed_replies_fall_back_to_the_list(Backend::Postgres).await;
}
