//! Typed replies with the real language model (all-MiniLM-L6-v2, installed
//! by scripts/setup): a learner plays "The third call" by typing, through
//! every path a person can take: understood, not understood (asked to say
//! more, nothing saved), the list instead, a replay, another text for a
//! step already taken, empty and oversized text, someone else's attempt.
#![cfg(feature = "ssr")]

mod common;

use common::learner::{choose, json, scenario, COURSE, SCENARIO};
use common::{Backend, TestApp};
use rapport::api::authoring::{Analytics, PlaytestView};
use rapport::api::learn::{SayResult, StepResult, TryVerdict};
use rapport::domain::Role;
use reqwest::{Client, StatusCode};

async fn with_model(backend: Backend) -> TestApp {
    let dir = rapport::server::understanding::default_dir();
    assert!(
        dir.join("model.safetensors").is_file(),
        "the model is not installed in {} (run scripts/setup)",
        dir.display()
    );
    TestApp::spawn_with(backend, move |cfg| cfg.model_dir = Some(dir)).await
}

async fn say(
    app: &TestApp,
    who: &Client,
    attempt: i64,
    step: i64,
    said: &str,
) -> reqwest::Response {
    let (a, s) = (attempt.to_string(), step.to_string());
    app.call(
        who,
        "say",
        &[
            ("course", COURSE),
            ("item", SCENARIO),
            ("attempt", &a),
            ("step", &s),
            ("said", said),
        ],
    )
    .await
}

async fn said(app: &TestApp, who: &Client, attempt: i64, step: i64, text: &str) -> SayResult {
    let res = say(app, who, attempt, step, text).await;
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{text}: {body}");
    serde_json::from_str(&body).expect("a SayResult")
}

/// Dana signs in and starts "The third call": her client and the attempt.
async fn dana_starts(app: &TestApp) -> (Client, i64) {
    app.user("dana@example.com", &[Role::Employee], None).await;
    let dana = app.login_as("dana@example.com").await;
    let started: StepResult = json(
        app,
        &dana,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    (dana, started.attempt.id)
}

const OPENING: &str = "hey dana, sorry it's still cutting out. I can see you've called us twice this week already, what's it been doing since tuesday?";

async fn a_learner_plays_by_typing(backend: Backend) {
    let app = with_model(backend).await;
    let (dana, id) = dana_starts(&app).await;
    let s = scenario(&app, &dana, SCENARIO).await;
    assert!(!s.typed_unavailable);
    let typed = s.typed.expect("the first scene takes typed replies");
    assert_eq!((typed.retry, typed.max_chars), (None, 1000));

    // Understood: the step is taken as the reply it means.
    let r = said(&app, &dana, id, 0, OPENING).await;
    assert_eq!(r.verdict, TryVerdict::Understood, "{r:?}");
    assert_eq!((r.step.attempt.step, r.step.replayed), (1, false));
    let s = scenario(&app, &dana, SCENARIO).await;
    let fb = s.feedback.expect("feedback");
    assert_eq!(fb.said, OPENING);
    assert!(
        fb.understood_as
            .as_deref()
            .is_some_and(|u| u.starts_with("Hello Dana. I can see you called")),
        "{fb:?}"
    );
    assert!(s
        .transcript
        .iter()
        .any(|t| t.mine && t.html.contains("cutting out")));
    assert!(s
        .meters
        .iter()
        .any(|m| m.competency == "empathy" && m.delta == 2));

    // The same text again for step 0 is the same step; another text is 409.
    let again = said(&app, &dana, id, 0, OPENING).await;
    assert!(again.step.replayed);
    assert_eq!(again.step.attempt.step, 1);
    let other = say(&app, &dana, id, 0, "can I have your account number please").await;
    assert_eq!(other.status(), StatusCode::CONFLICT);

    // Not understood: nothing saved, the words come back to be reworded.
    let nonsense = "the weather on mars is <b>purple</b> today";
    let r = said(&app, &dana, id, 1, nonsense).await;
    assert_eq!(r.verdict, TryVerdict::Unsure, "{r:?}");
    assert_eq!(r.step.attempt.step, 1);
    let s = scenario(&app, &dana, SCENARIO).await;
    assert_eq!(s.attempt.map(|a| a.step), Some(1));
    let typed = s.typed.expect("still a typed scene");
    assert_eq!(typed.retry.as_deref(), Some(nonsense));
    assert_eq!(typed.why, Some(TryVerdict::Unsure));
    let page = app
        .get(&dana, &format!("/learn/{COURSE}/{SCENARIO}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("I&#x27;m not sure what you mean")
            || page.contains("I'm not sure what you mean"),
        "{page}"
    );
    assert!(
        page.contains("&lt;b&gt;purple&lt;/b&gt;"),
        "the text is escaped in the box"
    );
    assert!(page.contains("Choose from the replies instead"));

    // Bad input: a clear 422, nothing saved.
    for (bad, words) in [
        ("   \u{200B} ", "Type what you would say"),
        (&"a".repeat(1001)[..], "too long"),
    ] {
        let res = say(&app, &dana, id, 1, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains(words));
    }
    // Someone else's attempt does not exist for them.
    app.user("eve@example.com", &[Role::Employee], None).await;
    let eve = app.login_as("eve@example.com").await;
    assert_eq!(
        say(&app, &eve, id, 1, OPENING).await.status(),
        StatusCode::NOT_FOUND
    );

    // The list is one click away: choosing still works in a typed scene.
    let res = choose(&app, &dana, SCENARIO, id, 1, 0).await;
    assert_eq!(res.status(), StatusCode::OK);

    // To an ending by typing.
    let r = said(&app, &dana, id, 2, "thanks, that helps. so a red light that comes back on its own means a fault on the line, not you. I can't say yet if it's your line or the street cabinet so I'll get an engineer to test both").await;
    assert_eq!(
        (r.verdict, r.step.attempt.step),
        (TryVerdict::Understood, 3),
        "{r:?}"
    );
    let r = said(&app, &dana, id, 3, "I'll email you a reference now and a direct number. quote it and the team will have all your notes, you won't need to explain it all again").await;
    assert_eq!(r.verdict, TryVerdict::Understood, "{r:?}");
    assert!(r.step.finished);
    let s = scenario(&app, &dana, SCENARIO).await;
    let ending = s.ending.expect("an ending");
    assert_eq!(ending.review.len(), 4);
    assert_eq!(ending.review[0].typed.as_deref(), Some(OPENING));
    assert_eq!(ending.review[1].typed, None, "chosen from the list");
    let page = app
        .get(&dana, &format!("/learn/{COURSE}/{SCENARIO}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("understood as:"),
        "the path review shows what was typed"
    );

    // The typed words are the learner's: a manager's drill-down shows the path only.
    let tries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM typed_tries WHERE attempt_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(tries, 4, "3 understood, 1 unsure");

    // Trainers see how replies fared, as counts and texts without names.
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    let trainer = app.login_as("trainer@example.com").await;
    let path = "empathetic-listening/03-the-third-call.md";
    let a: Analytics = json(&app, &trainer, "author_analytics", &[("path", path)]).await;
    let scene = |title: &str| {
        a.typed
            .iter()
            .find(|t| t.scene == title)
            .unwrap_or_else(|| panic!("{title} in {:?}", a.typed))
            .clone()
    };
    let start = scene("The phone rings");
    assert_eq!(
        (start.at_once, start.after_retry, start.fell_back),
        (1, 0, 0)
    );
    let heard = scene("She has been heard");
    assert_eq!((heard.at_once, heard.fell_back), (0, 1));
    assert_eq!(heard.not_understood, vec![(nonsense.to_string(), 1)]);
    let body = serde_json::to_string(&a).unwrap();
    assert!(!body.contains("dana@example.com"), "no names");
    // A learner may not read them.
    let res = app.call(&dana, "author_analytics", &[("path", path)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The play-test shows how a typed text is read, reply by reply.
    let p: PlaytestView = json(
        &app,
        &trainer,
        "author_playtest",
        &[("path", path), ("moves", ""), ("said", OPENING)],
    )
    .await;
    let t = p.typed.expect("the first scene takes typed replies");
    assert!(t.available);
    assert_eq!(t.scores.len(), 3);
    assert_eq!(t.understood, Some(0), "{:?}", t.scores);
    assert!(t.scores[0].1 > t.scores[1].1 && t.scores[0].1 > t.scores[2].1);

    // The editor's preview reads the text as it is in the editor, saved or
    // not, and scores every reply of the scene chosen.
    let source = std::fs::read_to_string("content/empathetic-listening/03-the-third-call.md")
        .expect("the shipped scenario");
    let try_reply = |source: String, scene: &'static str, text: &'static str| {
        let (app, trainer) = (&app, &trainer);
        async move {
            app.call(
                trainer,
                "author_try_reply",
                &[
                    ("path", path),
                    ("source", &source),
                    ("scene", scene),
                    ("said", text),
                ],
            )
            .await
        }
    };
    let res = try_reply(source.clone(), "start", OPENING).await;
    assert_eq!(res.status(), StatusCode::OK);
    let t: rapport::api::authoring::PlayTyped = res.json().await.unwrap();
    assert!(t.available && t.scores.len() == 3);
    assert_eq!(t.understood, Some(0), "{:?}", t.scores);
    assert_eq!(t.said, OPENING);
    let unsaved = source.replacen("replies: typed\n", "", 1);
    assert_ne!(unsaved, source);
    for (text, scene, said) in [
        (unsaved, "start", OPENING),
        (source.clone(), "nowhere", OPENING),
        (source.clone(), "start", "   "),
    ] {
        let res = try_reply(text, scene, said).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{scene} {said:?}"
        );
    }
    let res = app
        .call(
            &dana,
            "author_try_reply",
            &[
                ("path", path),
                ("source", "x"),
                ("scene", "start"),
                ("said", "hi"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    app.cleanup().await;
}

/// Without the model (it could not be loaded), typed scenes offer the list.
async fn without_the_model_the_list_is_offered(backend: Backend) {
    let app = TestApp::spawn_with(backend, |cfg| {
        cfg.model_dir = Some(std::path::PathBuf::from("/nonexistent/model"))
    })
    .await;
    let (dana, id) = dana_starts(&app).await;
    let s = scenario(&app, &dana, SCENARIO).await;
    assert!(s.typed_unavailable && s.typed.is_none());
    let r = said(&app, &dana, id, 0, OPENING).await;
    assert_eq!(
        r.verdict,
        TryVerdict::Busy,
        "never a guess without the model"
    );
    assert_eq!(r.step.attempt.step, 0);
    app.cleanup().await;
}

/// Many replies at once for one step: every one is answered, and the tries
/// kept stay bounded.
async fn parallel_replies_are_bounded(backend: Backend) {
    let app = with_model(backend).await;
    let (dana, id) = dana_starts(&app).await;
    let sends = (0..60).map(|i| {
        let (app, dana) = (&app, &dana);
        async move {
            say(
                app,
                dana,
                id,
                0,
                &format!("the weather on mars is purple, take {i}"),
            )
            .await
            .status()
        }
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let tries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM typed_tries WHERE attempt_id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(tries, 30, "at most 30 kept per step");
    let s = scenario(&app, &dana, SCENARIO).await;
    assert_eq!(
        s.attempt.map(|a| a.step),
        Some(0),
        "nothing saved as a step"
    );
    app.cleanup().await;
}

/// One learner keeping two hundred long replies in flight does not make
/// another learner's reply "busy": each person waits at most once at a
/// time, and people are served in turn.
async fn one_learner_cannot_crowd_out_another(backend: Backend) {
    // Alone: it is about whose turn comes, and the model's turns are slow
    // when other tests share the cores.
    let dir = rapport::server::understanding::default_dir();
    let app = TestApp::spawn_alone_with(backend, move |cfg| cfg.model_dir = Some(dir)).await;
    let (dana, dana_attempt) = dana_starts(&app).await;
    app.user("eve@example.com", &[Role::Employee], None).await;
    let eve = app.login_as("eve@example.com").await;
    let started: StepResult = json(
        &app,
        &eve,
        "start_scenario",
        &[("course", COURSE), ("item", SCENARIO)],
    )
    .await;
    // The scene's phrasings are embedded once, by a first reply (as after
    // any first use or publish); then the flood.
    said(
        &app,
        &eve,
        started.attempt.id,
        0,
        "purple elephants on mars",
    )
    .await;
    let long = "the line keeps dropping and I have called about it before ".repeat(20);
    let long = &long[..1000];
    let flood = futures::future::join_all((0..200).map(|i| {
        let (app, dana) = (&app, &dana);
        async move {
            let t = std::time::Instant::now();
            let r = said(
                app,
                dana,
                dana_attempt,
                0,
                &format!("{i:03} {}", &long[4..]),
            )
            .await;
            (r.verdict, t.elapsed())
        }
    }));
    let eve_tries = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mut verdicts = Vec::new();
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let r = said(&app, &eve, started.attempt.id, 0, OPENING).await;
            verdicts.push((r.verdict, t.elapsed()));
        }
        verdicts
    };
    let (dana_got, eve_got) = tokio::join!(flood, eve_tries);
    assert!(
        eve_got.iter().all(|(v, _)| *v != TryVerdict::Busy),
        "Eve was turned away while Dana flooded: {eve_got:?}"
    );
    let mut served: Vec<_> = dana_got
        .iter()
        .filter(|(v, _)| *v != TryVerdict::Busy)
        .map(|(_, d)| d.as_millis())
        .collect();
    served.sort();
    let mut all: Vec<_> = dana_got.iter().map(|(_, d)| d.as_millis()).collect();
    all.sort();
    eprintln!(
        "DANA served {served:?} eve {eve_got:?} all p50 {} max {}",
        all[100], all[199]
    );
    let busy: Vec<_> = dana_got
        .iter()
        .filter(|(v, _)| *v == TryVerdict::Busy)
        .collect();
    assert!(
        busy.len() >= 150,
        "Dana's replies beyond one waiting are answered busy: {} of 200",
        busy.len()
    );
    app.cleanup().await;
}

on_both_backends!(
    a_learner_plays_by_typing,
    without_the_model_the_list_is_offered,
    parallel_replies_are_bounded,
    one_learner_cannot_crowd_out_another
);
