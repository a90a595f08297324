//! Helpers that take a learner through the shipped course "Empathetic
//! listening" over HTTP, as the pages' code does.

use super::TestApp;
use rapport::api::learn::{ItemData, QuizData, ScenarioData, StepResult};
use rapport::domain::course::ItemBody;
use reqwest::{Client, StatusCode};

pub const COURSE: &str = "empathetic-listening";
pub const SCENARIO: &str = "the-third-call";
pub const QUIZ: &str = "listening-quiz";

pub async fn json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> T {
    let res = app.call(client, endpoint, form).await;
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{endpoint} {form:?}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{endpoint}: {e}: {body}"))
}

pub async fn item(app: &TestApp, client: &Client, course: &str, item: &str) -> ItemData {
    json(
        app,
        client,
        "learn_item",
        &[("course", course), ("item", item)],
    )
    .await
}

pub async fn scenario(app: &TestApp, client: &Client, id: &str) -> ScenarioData {
    match item(app, client, COURSE, id).await {
        ItemData::Scenario(s) => s,
        other => panic!("{id} is not a scenario: {other:?}"),
    }
}

pub async fn quiz(app: &TestApp, client: &Client) -> QuizData {
    match item(app, client, COURSE, QUIZ).await {
        ItemData::Quiz(q) => q,
        other => panic!("not a quiz: {other:?}"),
    }
}

pub async fn choose(
    app: &TestApp,
    client: &Client,
    item: &str,
    attempt: i64,
    step: i64,
    choice: usize,
) -> reqwest::Response {
    choose_in(app, client, COURSE, item, attempt, step, choice).await
}

/// [`choose`] in any course.
pub async fn choose_in(
    app: &TestApp,
    client: &Client,
    course: &str,
    item: &str,
    attempt: i64,
    step: i64,
    choice: usize,
) -> reqwest::Response {
    let (a, s, c) = (attempt.to_string(), step.to_string(), choice.to_string());
    app.call(
        client,
        "choose",
        &[
            ("course", course),
            ("item", item),
            ("attempt", &a),
            ("step", &s),
            ("choice", &c),
        ],
    )
    .await
}

/// Plays a scenario to an ending, always taking the first reply offered.
pub async fn play_through(app: &TestApp, client: &Client, id: &str) -> ScenarioData {
    let _: StepResult = json(
        app,
        client,
        "start_scenario",
        &[("course", COURSE), ("item", id)],
    )
    .await;
    for _ in 0..100 {
        let view = scenario(app, client, id).await;
        if view.ending.is_some() {
            return view;
        }
        let a = view.attempt.expect("an attempt");
        let res = choose(app, client, id, a.id, a.step, view.choices[0].index).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    panic!("{id} did not end within 100 steps");
}

/// The right option indices of every question, from the content files.
pub fn answer_key() -> std::collections::HashMap<String, Vec<usize>> {
    let lib = rapport::content::load_dir(std::path::Path::new("content"));
    let course = lib.course(COURSE).expect("course");
    let quiz = course.items.iter().find(|i| i.id == QUIZ).expect("quiz");
    let ItemBody::Quiz(q) = &quiz.body else {
        panic!("not a quiz")
    };
    q.questions
        .iter()
        .map(|q| {
            let right = q
                .options
                .iter()
                .enumerate()
                .filter(|(_, o)| o.correct)
                .map(|(i, _)| i)
                .collect();
            (q.id.clone(), right)
        })
        .collect()
}

pub async fn answer(
    app: &TestApp,
    client: &Client,
    attempt: i64,
    step: i64,
    question: &str,
    picked: &[usize],
) -> reqwest::Response {
    let (a, s) = (attempt.to_string(), step.to_string());
    let names: Vec<String> = (0..picked.len()).map(|i| format!("picked[{i}]")).collect();
    let values: Vec<String> = picked.iter().map(usize::to_string).collect();
    let mut form = vec![
        ("course", COURSE),
        ("item", QUIZ),
        ("attempt", a.as_str()),
        ("step", s.as_str()),
        ("question", question),
    ];
    for (n, v) in names.iter().zip(&values) {
        form.push((n, v));
    }
    app.call(client, "answer", &form).await
}

/// Takes the quiz; `right` questions are answered correctly, the rest wrongly.
pub async fn take_quiz(app: &TestApp, client: &Client, right: usize) -> QuizData {
    let key = answer_key();
    let _: StepResult = json(
        app,
        client,
        "start_quiz",
        &[("course", COURSE), ("item", QUIZ)],
    )
    .await;
    let mut n = 0;
    loop {
        let view = quiz(app, client).await;
        let Some(q) = view.question.clone() else {
            return view;
        };
        let a = view.attempt.expect("attempt");
        let correct = &key[&q.id];
        let picked = if n < right {
            correct.clone()
        } else {
            let wrong = (0..q.options.len())
                .find(|i| !correct.contains(i))
                .expect("a wrong option");
            vec![wrong]
        };
        let res = answer(app, client, a.id, a.step, &q.id, &picked).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap_or_default()
        );
        n += 1;
    }
}
