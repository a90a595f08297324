//! Authoring in the browser, over HTTP as the pages do it, on SQLite and
//! PostgreSQL: save, check, publish, version pinning of attempts in
//! progress, history and roll-back, concurrent edits, new courses, import,
//! play-test, analytics, downloads, access and bad input.
#![cfg(feature = "ssr")]

mod common;

use common::learner::{choose, json, scenario, COURSE, SCENARIO};
use common::{Backend, TestApp};
use rapport::api::authoring::{
    Analytics, CheckResult, EditorData, HistoryData, LibraryData, PlaytestView,
};
use rapport::api::learn::StepResult;
use rapport::domain::course::ItemKind;
use rapport::domain::scenario::Outcome;
use rapport::domain::Role;
use reqwest::{Client, StatusCode};

const FILE: &str = "empathetic-listening/03-the-third-call.md";
const OLD_LINE: &str = "**Dana:** Hi. It's me again.";
const NEW_LINE: &str = "**Dana:** Good evening. It is me, once more.";

async fn trainer(app: &TestApp, email: &str) -> Client {
    app.user(email, &[Role::Trainer], None).await;
    app.login_as(email).await
}

async fn open(app: &TestApp, client: &Client, path: &str) -> EditorData {
    json(app, client, "author_open", &[("path", path)]).await
}

/// Saves (and with `publish`, publishes); answers the server's outcome
/// ("saved=1", "published=N", "conflict=ID") or the error message.
async fn save(
    app: &TestApp,
    client: &Client,
    path: &str,
    text: &str,
    base: &str,
    publish: bool,
) -> Result<String, (StatusCode, String)> {
    let intent = if publish { "publish" } else { "save" };
    let res = app
        .call(
            client,
            "author_save",
            &[
                ("path", path),
                ("source", text),
                ("base", base),
                ("intent", intent),
            ],
        )
        .await;
    let status = res.status();
    let body = res.text().await.expect("body");
    if status == StatusCode::OK {
        Ok(serde_json::from_str::<String>(&body).expect("a string"))
    } else {
        Err((status, body))
    }
}

async fn published_revision(app: &TestApp, path: &str) -> i64 {
    app.count(&format!(
        "SELECT revision FROM content_files WHERE path = '{path}'"
    ))
    .await
}

async fn first_customer_line(app: &TestApp, client: &Client) -> String {
    let view = scenario(app, client, SCENARIO).await;
    view.transcript
        .iter()
        .find(|t| t.speaker.is_some())
        .map(|t| t.html.clone())
        .expect("a customer line")
}

/// Save never touches learners; a text with errors is not published; a
/// clean one is, new attempts get it while attempts in progress keep their
/// version; the history shows the change and a roll-back restores it.
async fn save_publish_pin_and_roll_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let learner = app.login_as("learner@example.com").await;

    let lib: LibraryData = json(&app, &t, "author_library", &[]).await;
    let entry = lib
        .entries
        .iter()
        .find(|e| e.path == FILE)
        .expect("the shipped scenario is in the library");
    assert_eq!(
        (entry.status.label(), entry.revision, entry.kind.as_str()),
        ("published", Some(1), "scenario")
    );
    assert!(lib
        .folders
        .iter()
        .any(|(f, t)| f == "empathetic-listening" && t == "Empathetic listening"));

    // The learner is in the middle of the published scenario.
    let _: StepResult = json(
        &app,
        &learner,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    assert!(first_customer_line(&app, &learner)
        .await
        .contains("me again"));
    let in_progress = app
        .count("SELECT id FROM attempts WHERE status = 'active'")
        .await;

    // A draft with a changed line: learners see nothing of it.
    let ed = open(&app, &t, FILE).await;
    assert!(ed.text.contains(OLD_LINE) && ed.draft.is_none() && ed.base.is_empty());
    let edited = ed.text.replacen(OLD_LINE, NEW_LINE, 1);
    assert_eq!(
        save(&app, &t, FILE, &edited, "", false).await,
        Ok("saved=1".into())
    );
    assert!(first_customer_line(&app, &learner)
        .await
        .contains("me again"));
    let lib: LibraryData = json(&app, &t, "author_library", &[]).await;
    let entry = lib.entries.iter().find(|e| e.path == FILE).expect("entry");
    assert_eq!(entry.status.label(), "published, draft pending");
    assert_eq!(entry.editor.as_deref(), Some("trainer"));

    // A mistake: the validator points at its line, and publishing refuses.
    let broken = edited.replacen("](#notes \"use-notes\")", "](#nowhere \"use-notes\")", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("#nowhere"))
        .expect("the broken line")
        + 1;
    let check: CheckResult = json(
        &app,
        &t,
        "author_check",
        &[("path", FILE), ("source", &broken)],
    )
    .await;
    let err = check
        .diagnostics
        .iter()
        .find(|d| d.error)
        .expect("an error");
    assert_eq!(err.line, line, "{err:?}");
    assert!(err.message.contains("`nowhere`"), "{err:?}");
    let refused = save(&app, &t, FILE, &broken, "1", true).await;
    let (status, body) = refused.expect_err("publishing a broken text is refused");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(&format!("line {line}")), "{body}");
    assert_eq!(published_revision(&app, FILE).await, 1);
    // The broken text was still saved as the draft (revision 2): nothing lost.
    let ed = open(&app, &t, FILE).await;
    assert_eq!(ed.base, "2");
    assert!(ed.text.contains("#nowhere"));

    // Fixed and published.
    assert_eq!(
        save(&app, &t, FILE, &edited, "2", true).await,
        Ok("published=2".into())
    );
    assert_eq!(published_revision(&app, FILE).await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM content_drafts").await,
        0,
        "publishing ends the draft"
    );
    // The learner in the middle keeps the version they started…
    assert!(first_customer_line(&app, &learner)
        .await
        .contains("me again"));
    let pinned = app
        .count(&format!(
            "SELECT version_id FROM attempts WHERE id = {in_progress}"
        ))
        .await;
    let newest = app
        .count(&format!(
            "SELECT MAX(id) FROM content_versions WHERE course_id = '{COURSE}' AND item_id = '{SCENARIO}'"
        ))
        .await;
    assert_ne!(pinned, newest);
    // …and can finish it on that version.
    let view = scenario(&app, &learner, SCENARIO).await;
    let a = view.attempt.expect("attempt");
    let res = choose(
        &app,
        &learner,
        SCENARIO,
        a.id,
        a.step,
        view.choices[0].index,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Another learner starts on the new version.
    app.user("second@example.com", &[Role::Employee], None)
        .await;
    let second = app.login_as("second@example.com").await;
    let _: StepResult = json(
        &app,
        &second,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    assert!(
        first_customer_line(&app, &second)
            .await
            .contains("once more"),
        "a new attempt gets the published change"
    );

    // History: both revisions, the change shown as a diff.
    let h: HistoryData = json(&app, &t, "author_history", &[("path", FILE)]).await;
    assert_eq!(
        h.revisions.iter().map(|r| r.revision).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert!(h.revisions[0].current && !h.revisions[1].current);
    assert_eq!(h.revisions[0].editor.as_deref(), Some("trainer"));
    assert_eq!(h.revisions[1].origin, "folder");
    assert!(h
        .diff
        .iter()
        .any(|l| l.tag == '+' && l.text.contains("once more")));
    assert!(h
        .diff
        .iter()
        .any(|l| l.tag == '-' && l.text.contains("me again")));

    // Roll back: revision 1 published again as revision 3.
    let r: i64 = json(
        &app,
        &t,
        "author_rollback",
        &[("path", FILE), ("revision", "1")],
    )
    .await;
    assert_eq!(r, 3);
    app.user("third@example.com", &[Role::Employee], None).await;
    let third = app.login_as("third@example.com").await;
    let _: StepResult = json(
        &app,
        &third,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    assert!(first_customer_line(&app, &third).await.contains("me again"));
    // Every save and publish is recorded.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'content.published'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'content.rolled_back'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'content.draft_saved'")
            .await,
        3
    );
    // A restart keeps what was published in the browser (the folder file
    // did not change, so it is not imported again).
    let mut app = app;
    app.restart().await;
    assert_eq!(published_revision(&app, FILE).await, 3);
    app.cleanup().await;
}

/// Two trainers edit the same file: the second save is refused, the
/// refused text is kept for its author only, and nothing is overwritten.
async fn concurrent_edits_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = trainer(&app, "a@example.com").await;
    let b = trainer(&app, "b@example.com").await;
    let ed_a = open(&app, &a, FILE).await;
    let ed_b = open(&app, &b, FILE).await;
    let text_a = ed_a.text.replacen(OLD_LINE, "**Dana:** Version A.", 1);
    let text_b = ed_b.text.replacen(OLD_LINE, "**Dana:** Version B.", 1);
    assert_eq!(
        save(&app, &a, FILE, &text_a, &ed_a.base, false).await,
        Ok("saved=1".into())
    );
    let outcome = save(&app, &b, FILE, &text_b, &ed_b.base, false)
        .await
        .expect("a conflict is an answer, not a failure");
    let id = outcome
        .strip_prefix("conflict=")
        .unwrap_or_else(|| panic!("expected a conflict, got {outcome}"));
    // The draft is A's.
    let now = open(&app, &a, FILE).await;
    assert!(now.text.contains("Version A.") && now.conflict.is_none());
    // B sees their own text in the editor and A's beside it.
    let ed: EditorData = json(&app, &b, "author_open", &[("path", FILE), ("conflict", id)]).await;
    let c = ed.conflict.expect("the conflict is shown");
    assert!(ed.text.contains("Version B.") && c.mine.contains("Version B."));
    assert!(c.theirs.contains("Version A."));
    assert_eq!(c.their_editor.as_deref(), Some("a"));
    assert_eq!(ed.base, "1", "the next save is based on A's draft");
    // Nobody else can read B's refused text.
    let other: EditorData =
        json(&app, &a, "author_open", &[("path", FILE), ("conflict", id)]).await;
    assert!(other.conflict.is_none() && !other.text.contains("Version B."));
    // B merges and saves on top of A's draft.
    assert_eq!(
        save(&app, &b, FILE, &text_b, "1", false).await,
        Ok("saved=1".into())
    );
    // Publishing from a stale base is refused too.
    let stale = save(&app, &a, FILE, &text_a, "1", true).await;
    assert!(stale.expect("answer").starts_with("conflict="));
    assert_eq!(published_revision(&app, FILE).await, 1);
    // Discarding a draft that moved on is refused; with the right base it works.
    let res = app
        .call(&a, "author_discard", &[("path", FILE), ("base", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .call(&a, "author_discard", &[("path", FILE), ("base", "2")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM content_drafts").await, 0);
    app.cleanup().await;
}

/// A new course from the browser: course.md and a scenario from the
/// templates, play-tested, published, taken by a learner, counted in the
/// analytics and downloadable as a zip.
async fn new_course_from_the_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    let course: String = json(
        &app,
        &t,
        "author_create",
        &[
            ("folder", ""),
            ("new_folder", "Returns and refunds"),
            ("kind", "course"),
            ("name", "Returns and refunds"),
        ],
    )
    .await;
    assert_eq!(course, "returns-and-refunds/course.md");
    let scen: String = json(
        &app,
        &t,
        "author_create",
        &[
            ("folder", "returns-and-refunds"),
            ("kind", "scenario"),
            ("name", "The late parcel"),
        ],
    )
    .await;
    assert_eq!(scen, "returns-and-refunds/01-the-late-parcel.md");
    // The template is valid and has a map: start, two endings.
    let ed = open(&app, &t, &scen).await;
    assert_eq!(ed.check.errors(), 0, "{:?}", ed.check.diagnostics);
    let map = ed.check.map.expect("a scenario map");
    assert_eq!(map.scenes.len(), 3);
    assert!(map.scenes[0].start);
    assert!(map
        .geometry
        .nodes
        .iter()
        .any(|n| n.class.contains("map-resolved")));
    // The editor page draws it as SVG.
    let page = app
        .get(
            &t,
            &format!("/author/edit?path={}", scen.replace('/', "%2F")),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(
        html.contains("class=\"scenario-map\"") && html.contains("map-resolved"),
        "{html}"
    );
    // Play-test: nothing is recorded.
    let attempts_before = app.count("SELECT COUNT(*) FROM attempts").await;
    let p: PlaytestView = json(
        &app,
        &t,
        "author_playtest",
        &[("path", &scen), ("moves", "")],
    )
    .await;
    assert!(p.from_draft && p.ending.is_none() && p.choices.len() == 2);
    let p: PlaytestView = json(
        &app,
        &t,
        "author_playtest",
        &[("path", &scen), ("moves", &p.choices[0].2)],
    )
    .await;
    assert_eq!(p.ending, Some(Outcome::Resolved));
    assert_eq!(p.score, Some(2));
    let res = app
        .call(&t, "author_playtest", &[("path", &scen), ("moves", "7")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM attempts").await,
        attempts_before
    );

    // course.md alone cannot be published: it has no items yet.
    let ed = open(&app, &t, &course).await;
    let (status, body) = save(&app, &t, &course, &ed.text, &ed.base, true)
        .await
        .expect_err("refused");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("no lessons, scenarios or quizzes"), "{body}");
    // The scenario first, then the course.
    let ed = open(&app, &t, &scen).await;
    assert_eq!(
        save(&app, &t, &scen, &ed.text, &ed.base, true).await,
        Ok("published=1".into())
    );
    let ed = open(&app, &t, &course).await;
    assert_eq!(
        save(&app, &t, &course, &ed.text, &ed.base, true).await,
        Ok("published=1".into())
    );
    // A learner takes it.
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let learner = app.login_as("learner@example.com").await;
    let _: StepResult = json(
        &app,
        &learner,
        "start_scenario",
        &[
            ("course", "returns-and-refunds"),
            ("item", "the-late-parcel"),
        ],
    )
    .await;
    let view = match json::<rapport::api::learn::ItemData>(
        &app,
        &learner,
        "learn_item",
        &[
            ("course", "returns-and-refunds"),
            ("item", "the-late-parcel"),
        ],
    )
    .await
    {
        rapport::api::learn::ItemData::Scenario(s) => s,
        other => panic!("{other:?}"),
    };
    let a = view.attempt.expect("attempt");
    let (id, step, c) = (
        a.id.to_string(),
        a.step.to_string(),
        view.choices[1].index.to_string(),
    );
    let res = app
        .call(
            &learner,
            "choose",
            &[
                ("course", "returns-and-refunds"),
                ("item", "the-late-parcel"),
                ("attempt", &id),
                ("step", &step),
                ("choice", &c),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // What learners chose: one attempt, ended "lost", the second choice 100%.
    let stats: Analytics = json(&app, &t, "author_analytics", &[("path", &scen)]).await;
    assert_eq!((stats.attempts, stats.finished), (1, 1));
    assert!(stats
        .endings
        .iter()
        .any(|(label, n)| label.contains("Lost") && *n == 1));
    let map = stats.map.expect("map");
    assert_eq!(map.scenes[0].choices[1].share, Some(100));
    assert_eq!(map.scenes[0].choices[0].share, Some(0));
    assert!(map
        .geometry
        .edges
        .iter()
        .any(|e| e.share.as_ref().is_some_and(|s| s.percent == 100)));
    let page = app
        .get(
            &t,
            &format!("/author/analytics?path={}", scen.replace('/', "%2F")),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("class=\"scenario-map\"") && html.contains("100%"));

    // Downloads: the markdown of one file and the course as a zip.
    let res = app.get(&t, &format!("/author/download?path={scen}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains("01-the-late-parcel.md"));
    assert!(res.text().await.expect("text").contains("kind: scenario"));
    let res = app
        .get(&t, "/author/course.zip?folder=returns-and-refunds")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let zip = res.bytes().await.expect("zip");
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let names = String::from_utf8_lossy(&zip);
    assert!(names.contains("returns-and-refunds/course.md"));
    assert!(names.contains("returns-and-refunds/01-the-late-parcel.md"));
    app.cleanup().await;
}

/// Only trainers and admins author; everyone else gets 403 (401 signed
/// out) from every authoring function and download.
async fn only_trainers_and_admins_author(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let team = app.team("Support").await;
    app.user("employee@example.com", &[Role::Employee], Some(team))
        .await;
    let m = app
        .user("manager@example.com", &[Role::Manager], Some(team))
        .await;
    app.make_manager(m, team).await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("author_library", vec![]),
        ("author_open", vec![("path", FILE)]),
        ("author_check", vec![("path", FILE), ("source", "x")]),
        (
            "author_save",
            vec![
                ("path", FILE),
                ("source", "x"),
                ("base", ""),
                ("intent", "publish"),
            ],
        ),
        ("author_discard", vec![("path", FILE), ("base", "1")]),
        (
            "author_create",
            vec![
                ("folder", "empathetic-listening"),
                ("kind", "lesson"),
                ("name", "Sneaky"),
            ],
        ),
        (
            "author_import",
            vec![
                ("folder", "empathetic-listening"),
                ("name", "x"),
                ("format", "markdown"),
                ("source", "x"),
            ],
        ),
        ("author_history", vec![("path", FILE)]),
        ("author_rollback", vec![("path", FILE), ("revision", "1")]),
        ("author_playtest", vec![("path", FILE), ("moves", "")]),
        ("author_analytics", vec![("path", FILE)]),
    ];
    let anonymous = app.client();
    for who in ["employee@example.com", "manager@example.com"] {
        let c = app.login_as(who).await;
        for (f, form) in &calls {
            let res = app.call(&c, f, form).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} {f}");
            let res = app.call(&anonymous, f, form).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "anonymous {f}");
        }
        for url in [
            format!("/author/download?path={FILE}"),
            "/author/course.zip?folder=empathetic-listening".to_string(),
        ] {
            let res = app.get(&c, &url).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} {url}");
            assert!(!res.text().await.unwrap_or_default().contains("Dana"));
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM content_drafts").await, 0);
    assert_eq!(published_revision(&app, FILE).await, 1);
    // Admins may.
    let admin = app.login_as("admin@example.com").await;
    let _: LibraryData = json(&app, &admin, "author_library", &[]).await;
    app.cleanup().await;
}

/// Several MB, binary text, paths out of the tree, a Twee story with
/// broken links, a scenario of 1,000 scenes, hostile markdown: a clear
/// answer or a correct result, and nothing published changes.
async fn bad_input_is_refused_clearly(backend: Backend) {
    let app = TestApp::spawn_alone(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    let revisions = app.count("SELECT COUNT(*) FROM content_revisions").await;
    let ed = open(&app, &t, FILE).await;

    // 3 MB: accepted by the transport, refused by the file-size rule.
    let big = format!("{}\n{}", ed.text, "x".repeat(3_000_000));
    let (status, body) = save(&app, &t, FILE, &big, "", false)
        .await
        .expect_err("too large");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("at most 1 MB"), "{body}");
    // 6 MB: refused with 413 from its declared length, before it is read
    // (the server may close the connection while the client still sends).
    // (A client of its own: the refused connection is not reused.)
    let huge = "y".repeat(6_000_000);
    let own = app.login_as("trainer@example.com").await;
    let sent = own
        .post(app.url("/api/author_save"))
        .form(&[
            ("path", FILE),
            ("source", &huge),
            ("base", ""),
            ("intent", "save"),
        ])
        .send()
        .await;
    if let Ok(res) = sent {
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    // Binary text.
    let (status, body) = save(&app, &t, FILE, "---\nid: x\0\n---\n", "", false)
        .await
        .expect_err("binary");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("NUL"), "{body}");
    // Paths that leave the content tree.
    for bad in [
        "../secrets.md",
        "empathetic-listening/../../x.md",
        "a/b/c.md",
        "x.txt",
    ] {
        let res = app.call(&t, "author_open", &[("path", bad)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let res = app.get(&t, "/author/download?path=../Cargo.toml").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A Twee story with a broken link imports as a draft, with notes.
    let twee = ":: StoryTitle\nThe refund\n\n:: StoryData\n{\"start\": \"Begin\"}\n\n:: Begin\nThe customer wants a refund.\n[[Offer one->Done]]\n[[Ask why->Missing]]\n\n:: Done\nThanks!\n";
    let path: String = json(
        &app,
        &t,
        "author_import",
        &[
            ("folder", "empathetic-listening"),
            ("name", "09-the-refund"),
            ("format", "twee"),
            ("source", twee),
        ],
    )
    .await;
    assert_eq!(path, "empathetic-listening/09-the-refund.md");
    let ed = open(&app, &t, &path).await;
    // The broken link is left out, and the import notes at the end of the
    // draft say so with the line of the link.
    assert!(ed.text.contains("Import notes"), "{}", ed.text);
    assert!(
        ed.text.contains(
            "Twine line 10: passage `Begin`: link `Ask why` leads to `Missing`, which does not exist"
        ),
        "{}",
        ed.text
    );
    assert!(!ed.text.contains("#missing"));
    assert_eq!(ed.check.errors(), 0, "{:?}", ed.check.diagnostics);
    // Importing a file that already exists is refused.
    let res = app
        .call(
            &t,
            "author_import",
            &[
                ("folder", "empathetic-listening"),
                ("name", "09-the-refund"),
                ("format", "markdown"),
                ("source", "---\nid: x\n---\n"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A scenario of 1,000 scenes: checked, mapped, in reasonable time.
    let mut big = String::from("---\nid: long-walk\nkind: scenario\ntitle: The long walk\npersona: P\nsituation: S\nmood: calm\nchannel: phone\ncompetencies: [empathy]\nscoring: choices\n---\n\n");
    for i in 0..1000 {
        big.push_str(&format!("## Scene {i} {{#s{i}}}\n\n**P:** Line {i}.\n\n"));
        if i == 999 {
            big.push_str("Ending: resolved\n\n");
        } else {
            big.push_str(&format!(
                "- [Go on](#s{})\n  > Fine.\n  Effects: empathy +1\n- [Skip ahead](#s{})\n  > Faster.\n\n",
                i + 1,
                (i + 2).min(999)
            ));
        }
    }
    let started = std::time::Instant::now();
    let check: CheckResult = json(
        &app,
        &t,
        "author_check",
        &[
            ("path", "empathetic-listening/10-long-walk.md"),
            ("source", &big),
        ],
    )
    .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let map = check.map.expect("a map");
    assert_eq!(map.scenes.len(), 1000);
    assert!(map.scenes.iter().all(|s| !s.unreachable));

    // Hostile markdown stays harmless in the preview.
    let hostile = ed_hostile();
    let check: CheckResult = json(
        &app,
        &t,
        "author_check",
        &[
            ("path", "empathetic-listening/11-hostile.md"),
            ("source", &hostile),
        ],
    )
    .await;
    // The title is plain text (pages escape it); every HTML field is sanitised.
    let json_text = serde_json::to_string(&check.preview).expect("json");
    assert!(json_text.contains("\"title\":\"<script>alert(1)</script>\""));
    let html = json_text.replace("\"title\":\"<script>alert(1)</script>\"", "");
    for bad in ["<script", "onerror", "<iframe", "href=\\\"javascript"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    let map = serde_json::to_string(&check.map).expect("json");
    assert!(!map.contains("<script"), "{map}");

    // Nothing published changed.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM content_revisions").await,
        revisions
    );
    assert_eq!(published_revision(&app, FILE).await, 1);
    // The server still answers promptly.
    let _: LibraryData = json(&app, &t, "author_library", &[]).await;
    app.cleanup().await;
}

fn ed_hostile() -> String {
    "---\nid: hostile\nkind: scenario\ntitle: <script>alert(1)</script>\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n\n## <img src=x onerror=alert(1)> {#start}\n\n**P:** <script>alert(2)</script> [x](javascript:alert(3))\n\n- [<script>alert(4)</script>](#end)\n  > <iframe src=\"https://evil.example\"></iframe>\n  Effects: empathy +1\n\n## End {#end}\n\nEnding: resolved\n".to_string()
}

/// The composition form: the items' order, which are required and a
/// quiz's pass rules, saved as drafts (learners see nothing), refused
/// clearly when wrong (nothing saved), moved one place, then published.
async fn compose_a_course(backend: Backend) {
    use rapport::api::authoring::Composition;
    use rapport::api::learn::CourseData;
    let app = TestApp::spawn(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let learner = app.login_as("learner@example.com").await;
    let folder = "empathetic-listening";
    let quiz = "empathetic-listening/05-quiz.md";
    let outline = |c: &CourseData| -> Vec<(String, bool)> {
        c.items.iter().map(|i| (i.id.clone(), i.required)).collect()
    };
    let shipped: Vec<(String, bool)> = [
        "listening-is-the-job",
        "reflect-ask-confirm",
        "the-third-call",
        "the-quiet-customer",
        "listening-quiz",
    ]
    .iter()
    .map(|id| (id.to_string(), true))
    .collect();
    let before: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(outline(&before), shipped);

    let c: Composition = json(&app, &t, "author_composition", &[("folder", folder)]).await;
    let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        shipped
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>()
    );
    assert!(c.items.iter().all(|i| i.required));
    let q = c
        .items
        .iter()
        .find(|i| i.kind == ItemKind::Quiz)
        .expect("the quiz");
    assert_eq!((q.pass.as_str(), q.attempts.as_str()), ("75", "3"));
    assert_eq!(
        (c.title.as_str(), c.minutes.as_str()),
        ("Empathetic listening", "18")
    );
    assert_eq!(c.competencies, "empathy, listening, honesty");
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);

    // The form as a browser sends it: positions, ticked boxes, quiz rules.
    let form = |c: &Composition,
                positions: &[&str],
                required: &[bool],
                pass: &str,
                attempts: &str,
                intent: &str|
     -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = vec![
            ("folder".into(), c.folder.clone()),
            ("base".into(), c.base.clone()),
            ("about[title]".into(), c.title.clone()),
            ("about[summary]".into(), c.summary.clone()),
            ("about[minutes]".into(), c.minutes.clone()),
            ("about[competencies]".into(), c.competencies.clone()),
            ("intent".into(), intent.into()),
        ];
        for (n, item) in c.items.iter().enumerate() {
            let k = |f: &str| format!("items[{n}][{f}]");
            f.push((k("path"), item.path.clone()));
            f.push((k("base"), item.base.clone()));
            f.push((k("position"), positions[n].into()));
            if required[n] {
                f.push((k("required"), "on".into()));
            }
            if item.kind == ItemKind::Quiz {
                f.push((k("pass"), pass.into()));
                f.push((k("attempts"), attempts.into()));
            }
        }
        f
    };
    let post = |f: Vec<(String, String)>| {
        let app = &app;
        let t = &t;
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let res = app.call(t, "author_compose", &pairs).await;
            (res.status(), res.text().await.expect("body"))
        }
    };
    let drafts = || app.count("SELECT COUNT(*) FROM content_drafts");

    // Bad input: a clear refusal and nothing saved.
    let all = [true; 5];
    for (f, status, says) in [
        (
            form(&c, &["1", "2", "3", "9", "5"], &all, "75", "3", "save"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be a whole number from 1 to 5",
        ),
        (
            form(&c, &["1", "2", "3", "4", "5"], &all, "0", "", "save"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "pass mark of",
        ),
        (
            form(&c, &["1", "2", "3", "4", "5"], &all, "80", "many", "save"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempts of",
        ),
        (
            form(
                &c,
                &["1", "2", "3", "4", "5"],
                &[false; 5],
                "75",
                "3",
                "save",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tick at least one required item",
        ),
    ] {
        let (got, body) = post(f).await;
        assert_eq!(got, status, "{body}");
        assert!(body.contains(says), "{body}");
    }
    let mut foreign = form(&c, &["1", "2", "3", "4", "5"], &all, "75", "3", "save");
    foreign[7].1 = "brand-values/06-quiz.md".into();
    let (got, body) = post(foreign).await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("not a published item of this course"),
        "{body}"
    );
    let mut stale = form(&c, &["1", "2", "3", "4", "5"], &all, "75", "3", "save");
    stale[1].1 = "7".into();
    let (got, body) = post(stale).await;
    assert_eq!(got, StatusCode::CONFLICT, "{body}");
    assert_eq!(drafts().await, 0, "nothing was saved");

    // The scenarios first, the second lesson optional, the quiz at 80%
    // with 5 attempts: saved as drafts, learners see the old course.
    let (got, body) = post(form(
        &c,
        &["3", "4", "1", "2", "5"],
        &[true, false, true, true, true],
        "80",
        "5",
        "save",
    ))
    .await;
    assert_eq!(
        (got, body.as_str()),
        (
            StatusCode::OK,
            "\"/author/course?folder=empathetic-listening&composed=saved\""
        )
    );
    assert_eq!(drafts().await, 2, "course.md and the quiz");
    let still: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(outline(&still), shipped);
    let c: Composition = json(&app, &t, "author_composition", &[("folder", folder)]).await;
    let ids: Vec<(&str, bool)> = c
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.required))
        .collect();
    assert_eq!(
        ids,
        [
            ("the-third-call", true),
            ("the-quiet-customer", true),
            ("listening-is-the-job", true),
            ("reflect-ask-confirm", false),
            ("listening-quiz", true)
        ]
    );
    let q = c
        .items
        .iter()
        .find(|i| i.kind == ItemKind::Quiz)
        .expect("the quiz");
    assert_eq!(
        (q.pass.as_str(), q.attempts.as_str(), q.draft_pending),
        ("80", "5", true)
    );
    assert!(
        c.course_draft && c.diagnostics.is_empty(),
        "{:?}",
        c.diagnostics
    );

    // Move the quiz up one place: saved at once.
    let quiz_up = format!("up:{quiz}");
    let (got, body) = post(form(
        &c,
        &["1", "2", "3", "4", "5"],
        &[true, true, true, false, true],
        "80",
        "5",
        &quiz_up,
    ))
    .await;
    assert_eq!(
        (got, body.as_str()),
        (
            StatusCode::OK,
            "\"/author/course?folder=empathetic-listening&composed=moved\""
        )
    );
    let c: Composition = json(&app, &t, "author_composition", &[("folder", folder)]).await;
    let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "the-third-call",
            "the-quiet-customer",
            "listening-is-the-job",
            "listening-quiz",
            "reflect-ask-confirm"
        ]
    );

    // Publish: the learner's course follows, and the files say so in the
    // same words a trainer would type.
    let (got, body) = post(form(
        &c,
        &["1", "2", "3", "4", "5"],
        &[true, true, true, true, false],
        "80",
        "5",
        "publish",
    ))
    .await;
    assert_eq!(
        (got, body.as_str()),
        (
            StatusCode::OK,
            "\"/author/course?folder=empathetic-listening&composed=published\""
        )
    );
    assert_eq!(drafts().await, 0, "both drafts went live");
    let after: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(
        outline(&after),
        [
            ("the-third-call".to_string(), true),
            ("the-quiet-customer".to_string(), true),
            ("listening-is-the-job".to_string(), true),
            ("listening-quiz".to_string(), true),
            ("reflect-ask-confirm".to_string(), false),
        ]
    );
    let course_md: String = app
        .text(&format!(
            "SELECT source FROM content_files WHERE path = '{folder}/course.md'"
        ))
        .await;
    assert!(
        course_md.contains("order: [the-third-call, the-quiet-customer, listening-is-the-job, listening-quiz, reflect-ask-confirm]\n"),
        "{course_md}"
    );
    assert!(
        course_md.contains("required: [the-third-call, the-quiet-customer, listening-is-the-job, listening-quiz]\n"),
        "{course_md}"
    );
    let quiz_md: String = app
        .text(&format!(
            "SELECT source FROM content_files WHERE path = '{quiz}'"
        ))
        .await;
    assert!(
        quiz_md.contains("pass: 80%\n") && quiz_md.contains("attempts: 5\n"),
        "{quiz_md}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'content.published'")
            .await,
        2
    );
    // Only trainers and admins compose.
    let f = form(&c, &["1", "2", "3", "4", "5"], &all, "80", "5", "publish");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.call(&learner, "author_compose", &pairs).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .call(&learner, "author_composition", &[("folder", folder)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Uploading a file with the import form as a browser without JavaScript
/// sends it (multipart): a Twee story becomes a draft with its importer
/// notes; a binary, an oversized or an empty file is refused with a reason
/// on the library page and nothing is created.
async fn upload_without_javascript(backend: Backend) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    let upload = |file_name: &str, bytes: Vec<u8>, format: &str, pasted: &str| {
        Form::new()
            .text("folder", "empathetic-listening")
            .text("name", "")
            .text("format", format.to_string())
            .part("file", Part::bytes(bytes).file_name(file_name.to_string()))
            .text("source", pasted.to_string())
    };
    let send = |client: &Client, form: Form| {
        client
            .post(app.url("/author/upload"))
            .header("origin", app.base.clone())
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
            .send()
    };
    let location = |res: &reqwest::Response| {
        res.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let twee = ":: StoryTitle\nThe refund\n\n:: StoryData\n{\"start\": \"Begin\"}\n\n:: Begin\nThe customer wants a refund.\n[[Offer one->Done]]\n[[Ask why->Missing]]\n\n:: Done\nThanks!\n";
    let res = send(
        &t,
        upload("C:\\stories\\the-refund.twee", twee.into(), "twee", ""),
    )
    .await
    .expect("upload");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        "/author/edit?path=empathetic-listening%2Fthe-refund.md&imported=1"
    );
    let draft = app
        .text("SELECT source FROM content_drafts WHERE path = 'empathetic-listening/the-refund.md'")
        .await;
    assert!(
        draft.contains("## Begin") || draft.contains("{#begin}"),
        "{draft}"
    );
    assert!(
        draft.contains("Import notes") && draft.contains("Missing"),
        "{draft}"
    );
    // Twine 2's published HTML, whatever format was ticked.
    let html = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/twine/08-harlowe-published.html"),
    )
    .unwrap();
    let res = send(&t, upload("missing-refund.html", html, "markdown", ""))
        .await
        .expect("upload");
    assert_eq!(
        location(&res),
        "/author/edit?path=empathetic-listening%2Fmissing-refund.md&imported=1"
    );
    let draft = app
        .text("SELECT source FROM content_drafts WHERE path = 'empathetic-listening/missing-refund.md'")
        .await;
    for scene in [
        "{#phone-call}",
        "{#sorry}",
        "{#system}",
        "{#script-line}",
        "{#done}",
        "{#wait}",
    ] {
        assert!(draft.contains(scene), "{scene} in {draft}");
    }

    // Refusals: back to the library with the reason, nothing created.
    let mut binary = vec![0xff, 0xfe, 0x00, 0x41];
    binary.extend_from_slice(b"---\nid: x\n");
    for (form, says) in [
        (
            upload("photo.md", binary, "markdown", ""),
            "is not UTF-8 text",
        ),
        (
            upload("huge.md", vec![b'a'; 1_100_000], "markdown", ""),
            "larger than 1 MB",
        ),
        (upload("empty.md", Vec::new(), "markdown", ""), "is empty"),
        (
            Form::new()
                .text("folder", "empathetic-listening")
                .text("format", "markdown"),
            "Choose a file to upload",
        ),
    ] {
        let res = send(&t, form).await.expect("upload");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = location(&res);
        assert!(to.starts_with("/author?error="), "{to}");
        let decoded: String = url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        assert!(decoded.contains(says), "{decoded}");
    }
    // The two imported stories, nothing more.
    assert_eq!(app.count("SELECT COUNT(*) FROM content_drafts").await, 2);

    // Pasted text without a file still works the same way.
    let pasted = "---\nid: pasted-lesson\nkind: lesson\ntitle: Pasted\n---\nText.\n";
    let res = send(&t, upload("", Vec::new(), "markdown", pasted))
        .await
        .expect("upload");
    assert_eq!(
        location(&res),
        "/author/edit?path=empathetic-listening%2Fpasted.md&imported=1"
    );

    // Employees may not upload; nor may another site.
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let learner = app.login_as("learner@example.com").await;
    let res = send(&learner, upload("a.md", pasted.into(), "markdown", ""))
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = t
        .post(app.url("/author/upload"))
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .multipart(upload("b.md", pasted.into(), "markdown", ""))
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The two stories and the pasted lesson: the refused uploads made none.
    assert_eq!(app.count("SELECT COUNT(*) FROM content_drafts").await, 3);
}

async fn withdraw_call(
    app: &TestApp,
    t: &Client,
    path: &str,
    confirm: bool,
) -> (StatusCode, String) {
    let mut form = vec![("path", path)];
    if confirm {
        form.push(("confirm", "yes"));
    }
    let res = app.call(t, "author_withdraw", &form).await;
    (res.status(), res.text().await.expect("body"))
}

/// Withdrawing items: learners stop getting them, the history and the
/// text (as a draft) stay, a restart does not bring them back, publishing
/// does; a required item, the last item and course.md are refused.
async fn withdraw_and_bring_back(backend: Backend) {
    use rapport::api::learn::CourseData;
    let mut app = TestApp::spawn(backend).await;
    let t = trainer(&app, "trainer@example.com").await;
    app.user("learner@example.com", &[Role::Employee], None)
        .await;
    let learner = app.login_as("learner@example.com").await;
    let items = |c: &CourseData| -> Vec<String> { c.items.iter().map(|i| i.id.clone()).collect() };
    let lesson2 = "empathetic-listening/02-reflect-ask-confirm.md";

    // Not without the confirmation; never course.md.
    let (status, body) = withdraw_call(&app, &t, lesson2, false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("tick the box"), "{body}");
    let (status, body) = withdraw_call(&app, &t, "empathetic-listening/course.md", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, body) = withdraw_call(&app, &t, lesson2, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let c: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert!(
        !items(&c).contains(&"reflect-ask-confirm".to_string()),
        "{:?}",
        items(&c)
    );
    assert_eq!(c.items.len(), 4);
    let lib: LibraryData = json(&app, &t, "author_library", &[]).await;
    let entry = lib
        .entries
        .iter()
        .find(|e| e.path == lesson2)
        .expect("still listed");
    assert_eq!(entry.status.label(), "withdrawn");
    let ed = open(&app, &t, lesson2).await;
    assert!(
        ed.published.is_none() && ed.draft.is_some() && ed.text.contains("id: reflect-ask-confirm")
    );
    let (status, _) = withdraw_call(&app, &t, lesson2, true).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "withdrawn already");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'content.withdrawn'")
            .await,
        1
    );

    // A restart (the folder file is unchanged) keeps it withdrawn.
    app.restart().await;
    let c: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(c.items.len(), 4);

    // Publishing the draft brings it back as revision 2; history keeps 1.
    let ed = open(&app, &t, lesson2).await;
    assert_eq!(
        save(&app, &t, lesson2, &ed.text, &ed.base, true).await,
        Ok("published=2".into())
    );
    let c: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(c.items.len(), 5);
    let h: HistoryData = json(&app, &t, "author_history", &[("path", lesson2)]).await;
    assert_eq!(h.revisions.len(), 2);

    // A required item is refused until it is made optional.
    let course_md = "empathetic-listening/course.md";
    let ed = open(&app, &t, course_md).await;
    let only_first = ed
        .text
        .replacen("required: all", "required: [listening-is-the-job]", 1);
    assert_ne!(only_first, ed.text);
    assert!(save(&app, &t, course_md, &only_first, &ed.base, true)
        .await
        .is_ok());
    let (status, body) = withdraw_call(
        &app,
        &t,
        "empathetic-listening/01-listening-is-the-job.md",
        true,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("required item"), "{body}");
    // The optional ones can go…
    for f in [
        "02-reflect-ask-confirm",
        "03-the-third-call",
        "04-the-quiet-customer",
        "05-quiz",
    ] {
        let (status, body) =
            withdraw_call(&app, &t, &format!("empathetic-listening/{f}.md"), true).await;
        assert_eq!(status, StatusCode::OK, "{f}: {body}");
    }
    // …but not the last one, even when nothing names it as required.
    let ed = open(&app, &t, course_md).await;
    let all = ed
        .text
        .replacen("required: [listening-is-the-job]", "required: all", 1);
    assert!(save(&app, &t, course_md, &all, &ed.base, true)
        .await
        .is_ok());
    let (status, body) = withdraw_call(
        &app,
        &t,
        "empathetic-listening/01-listening-is-the-job.md",
        true,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("only item"), "{body}");
    let c: CourseData = json(&app, &learner, "course_view", &[("course", COURSE)]).await;
    assert_eq!(items(&c), ["listening-is-the-job"]);
}

/// A publish on one instance reaches another instance on the same
/// database (PostgreSQL, the scale-out set-up) without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_picks_up_a_publish() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let t = trainer(&app, "trainer@example.com").await;
    let ed = open(&app, &t, FILE).await;
    let edited = ed.text.replacen(OLD_LINE, NEW_LINE, 1);
    // A second instance's catalog, built before the publish.
    let other = rapport::content::store::load(&app.db, std::path::Path::new("content"))
        .await
        .expect("loads");
    let old_epoch = other.get().epoch;
    assert_eq!(
        save(&app, &t, FILE, &edited, "", true).await,
        Ok("published=2".into())
    );
    assert!(other.reload_if_changed(&app.db).await.expect("reload"));
    assert!(other.get().epoch > old_epoch);
    let catalog = other.get();
    let item = catalog
        .course(COURSE)
        .and_then(|c| c.item(SCENARIO))
        .expect("item");
    assert!(serde_json::to_string(&item.body)
        .expect("json")
        .contains("once more"));
    assert!(!other.reload_if_changed(&app.db).await.expect("no change"));
    app.cleanup().await;
}

on_both_backends!(
    save_publish_pin_and_roll_back,
    concurrent_edits_are_refused,
    new_course_from_the_browser,
    only_trainers_and_admins_author,
    bad_input_is_refused_clearly,
    compose_a_course,
    upload_without_javascript,
    withdraw_and_bring_back,
);
