//! Managers' dashboards over HTTP, on SQLite and PostgreSQL: assignments
//! and their validation, the overview, drill-down and export scoped to the
//! caller's teams, nudges once a day, recertification, and aggregates that
//! always equal a full recount.
#![cfg(feature = "ssr")]

mod common;

use common::learner::*;
use common::TestApp;
use rapport::api::dashboard::{NudgeResult, Overview, PersonReport, TeamReport};
use rapport::domain::course::ItemKind;
use rapport::domain::time::format_date;
use rapport::domain::Role;
use rapport::server::dashboard;
use reqwest::{Client, StatusCode};

const DAY: i64 = 86_400;

/// A form, the status it must get and words its message must contain.
type BadInput<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);

fn now() -> i64 {
    rapport::server::now()
}

fn day(offset: i64) -> String {
    format_date(now() + offset * DAY)
}

async fn overview(app: &TestApp, client: &Client, filter: &[(&str, &str)]) -> Overview {
    let form: Vec<(String, &str)> = filter
        .iter()
        .map(|(k, v)| (format!("filter[{k}]"), *v))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    json(app, client, "dashboard_overview", &form).await
}

async fn status_of(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let res = app.call(client, endpoint, form).await;
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}

async fn assign(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> (StatusCode, String) {
    status_of(app, client, "dashboard_assign", form).await
}

async fn no_drift(app: &TestApp) {
    let diffs = dashboard::aggregate_differences(&app.db)
        .await
        .expect("recount");
    assert!(
        diffs.is_empty(),
        "aggregates differ from a recount: {diffs:#?}"
    );
}

/// Sets the due date of every assignment of `course` and recounts, as if
/// time had passed.
async fn move_due(app: &TestApp, course: &str, due: i64) {
    sqlx::query("UPDATE assignments SET due_at = $1 WHERE course_id = $2")
        .bind(due)
        .bind(course)
        .execute(&app.db.pool)
        .await
        .expect("update");
    dashboard::rebuild_all(&app.db).await.expect("rebuild");
}

struct Org {
    a: i64,
    b: i64,
    a_people: [i64; 3],
    b1: i64,
}

async fn org(app: &TestApp) -> Org {
    let a = app.team("Contact Centre").await;
    let b = app.team("Field Service").await;
    let a1 = app
        .user("ana.one@example.com", &[Role::Employee], Some(a))
        .await;
    let a2 = app
        .user("ben.two@example.com", &[Role::Employee], Some(a))
        .await;
    let a3 = app
        .user("cat.three@example.com", &[Role::Employee], Some(a))
        .await;
    let b1 = app
        .user("secret.bee@example.com", &[Role::Employee], Some(b))
        .await;
    let ma = app
        .user("manager.a@example.com", &[Role::Manager], None)
        .await;
    let mb = app
        .user("manager.b@example.com", &[Role::Manager], None)
        .await;
    app.make_manager(ma, a).await;
    app.make_manager(mb, b).await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    Org {
        a,
        b,
        a_people: [a1, a2, a3],
        b1,
    }
}

async fn complete_course(app: &TestApp, client: &Client) {
    for lesson in ["listening-is-the-job", "reflect-ask-confirm"] {
        let res = app
            .call(
                client,
                "complete_lesson",
                &[("course", COURSE), ("item", lesson)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    play_through(app, client, SCENARIO).await;
    play_through(app, client, "the-quiet-customer").await;
    let q = take_quiz(app, client, 100).await;
    assert!(q.result.expect("result").passed);
}

async fn managers_assign_and_see_only_their_teams(app: &TestApp) {
    let o = org(app).await;
    let (a_s, b_s) = (o.a.to_string(), o.b.to_string());
    let ma = app.login_as("manager.a@example.com").await;
    let mb = app.login_as("manager.b@example.com").await;
    let admin = app.login_as("admin@example.com").await;
    let due = day(10);

    // Assignments: good, then every kind of bad input.
    let (s, body) = assign(
        app,
        &ma,
        &[("course", COURSE), ("team", &a_s), ("due", &due)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let bad: Vec<BadInput> = vec![
        (
            vec![("course", COURSE), ("team", &b_s), ("due", &due)],
            StatusCode::NOT_FOUND,
            "not one of the teams",
        ),
        (
            vec![("course", COURSE), ("email", "secret.bee@example.com")],
            StatusCode::NOT_FOUND,
            "Nobody in the teams",
        ),
        (
            vec![("course", COURSE), ("email", "nobody@example.com")],
            StatusCode::NOT_FOUND,
            "Nobody in the teams",
        ),
        (
            vec![
                ("course", COURSE),
                ("team", &a_s),
                ("email", "ana.one@example.com"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not both",
        ),
        (
            vec![("course", COURSE)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not both",
        ),
        (
            vec![("course", COURSE), ("team", &a_s), ("due", "2026-13-01")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "YYYY-MM-DD",
        ),
        (
            vec![("course", COURSE), ("team", &a_s), ("due", "2020-01-01")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "in the past",
        ),
        (
            vec![("course", COURSE), ("team", &a_s), ("renew_months", "0")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "1 to 60",
        ),
        (
            vec![("course", "no-such-course"), ("team", &a_s)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a course",
        ),
        (
            vec![("course", COURSE), ("team", "abc")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a team",
        ),
    ];
    for (form, want, says) in &bad {
        let (s, body) = assign(app, &ma, form).await;
        assert_eq!(s, *want, "{form:?}: {body}");
        assert!(body.contains(says), "{form:?}: {body}");
        assert!(!body.contains("Field Service"), "no leak: {body}");
    }
    let (s, body) = assign(
        app,
        &admin,
        &[
            ("course", "handling-complaints"),
            ("email", "secret.bee@example.com"),
            ("renew_months", "12"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM assignments").await, 2);
    no_drift(app).await;

    // Progress: one in progress, one completed, one not started.
    let a1 = app.login_as("ana.one@example.com").await;
    let res = app
        .call(
            &a1,
            "complete_lesson",
            &[("course", COURSE), ("item", "listening-is-the-job")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a2 = app.login_as("ben.two@example.com").await;
    complete_course(app, &a2).await;
    no_drift(app).await;

    let view = overview(app, &ma, &[]).await;
    assert_eq!(
        (
            view.totals.assigned,
            view.totals.completed,
            view.totals.in_progress,
            view.totals.not_started,
            view.totals.overdue
        ),
        (3, 1, 1, 1, 0),
        "{view:?}"
    );
    assert_eq!(view.courses.len(), 1, "only the course assigned in my team");
    assert_eq!(view.heat.len(), 1);
    assert_eq!(view.heat[0].team, "Contact Centre");
    assert!(
        view.trend.iter().map(|p| p.completed).sum::<i64>() == 1,
        "{:?}",
        view.trend
    );
    let everyone = &view.competencies[0];
    assert!(
        !everyone.scores.is_empty(),
        "scenario results count: {everyone:?}"
    );
    // Each competency is the average share of what its scenario made
    // possible, from the routes the learner took (the first reply each time).
    let expected = first_reply_shares();
    for score in &everyone.scores {
        let shares = &expected[&score.competency];
        let n = shares.len() as i64;
        let want = (shares.iter().sum::<i64>() * 2 + n) / (2 * n);
        assert_eq!(score.share, Some(want), "{score:?} from {shares:?}");
        assert!((0..=100).contains(&want));
    }
    let text = serde_json::to_string(&view).unwrap();
    assert!(
        !text.contains("Field Service") && !text.contains("secret.bee"),
        "{text}"
    );

    let view_b = overview(app, &mb, &[]).await;
    assert_eq!(view_b.totals.assigned, 1);
    assert_eq!(view_b.heat.len(), 1);
    let text = serde_json::to_string(&view_b).unwrap();
    assert!(!text.contains("Contact Centre"), "{text}");

    let all = overview(app, &admin, &[]).await;
    assert_eq!(all.totals.assigned, 4);
    assert_eq!(all.heat.len(), 2);

    // Filters.
    let done = overview(app, &ma, &[("status", "completed"), ("course", COURSE)]).await;
    assert_eq!(done.per_course[0].completed, 1);
    let ranged = overview(app, &ma, &[("from", &day(20)), ("to", &day(30))]).await;
    assert_eq!(ranged.totals.assigned, 0, "nothing due in that range");
    let ranged = overview(app, &ma, &[("from", &day(5)), ("to", &day(15))]).await;
    assert_eq!(ranged.totals.assigned, 3);
    for (filter, want, says) in [
        (
            ("from", "2026-99-01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "YYYY-MM-DD",
        ),
        (
            ("to", "yesterday"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "YYYY-MM-DD",
        ),
        (
            ("team", "abc"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a team",
        ),
        (
            ("team", b_s.as_str()),
            StatusCode::NOT_FOUND,
            "not one of the teams",
        ),
        (
            ("team", "999999"),
            StatusCode::NOT_FOUND,
            "not one of the teams",
        ),
        (
            ("status", "weird"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a status",
        ),
        (
            ("course", "nope"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no such course",
        ),
    ] {
        let key = format!("filter[{}]", filter.0);
        let (s, body) = status_of(app, &ma, "dashboard_overview", &[(&key, filter.1)]).await;
        assert_eq!(s, want, "{filter:?}: {body}");
        assert!(body.contains(says), "{filter:?}: {body}");
    }
    let (s, _) = status_of(
        app,
        &ma,
        "dashboard_overview",
        &[("filter[page]", "99999999999999")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "a huge page number is clamped");
    let (s, body) = status_of(
        app,
        &ma,
        "dashboard_overview",
        &[("filter[from]", &day(9)), ("filter[to]", &day(2))],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Drill-down.
    let team: TeamReport = json(app, &ma, "dashboard_team", &[("id", &a_s)]).await;
    assert_eq!(team.people.len(), 3);
    let statuses: Vec<String> = team
        .people
        .iter()
        .map(|p| {
            p.cells[0]
                .as_ref()
                .expect("assigned")
                .status
                .as_str()
                .to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        ["in_progress", "completed", "not_started"],
        "ordered by name"
    );
    let only_done: TeamReport = json(
        app,
        &ma,
        "dashboard_team",
        &[("id", &a_s), ("filter[status]", "completed")],
    )
    .await;
    assert_eq!(only_done.people.len(), 1);
    assert_eq!(only_done.people[0].email, "ben.two@example.com");
    for (endpoint, form) in [
        ("dashboard_team", vec![("id", b_s.clone())]),
        ("dashboard_team", vec![("id", "999999".to_owned())]),
        ("dashboard_person", vec![("id", o.b1.to_string())]),
        ("dashboard_person", vec![("id", "999999".to_owned())]),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, body) = status_of(app, &ma, endpoint, &form).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{endpoint} {form:?}: {body}");
        assert!(
            !body.contains("secret") && !body.contains("Field Service"),
            "{body}"
        );
    }
    let person: PersonReport = json(
        app,
        &ma,
        "dashboard_person",
        &[("id", &o.a_people[1].to_string())],
    )
    .await;
    assert_eq!(person.courses[0].state.status.as_str(), "completed");
    let scenario = person
        .attempts
        .iter()
        .find(|a| a.kind == ItemKind::Scenario && a.item == "The third call")
        .expect("a scenario attempt");
    assert!(scenario.outcome.is_some());
    assert!(!scenario.path.is_empty(), "the path taken is shown");
    assert!(!scenario.path[0].reply.is_empty());
    assert!(person
        .attempts
        .iter()
        .any(|a| a.kind == ItemKind::Quiz && a.passed == Some(true)));
    // Admins see anyone.
    let _: PersonReport = json(
        app,
        &admin,
        "dashboard_person",
        &[("id", &o.b1.to_string())],
    )
    .await;

    // Pages render for the manager, with or without filters.
    for path in [
        "/dashboard".to_owned(),
        "/dashboard?status=overdue&from=2026-01-01".to_owned(),
        format!("/dashboard/teams/{}", o.a),
        format!("/dashboard/people/{}", o.a_people[1]),
        "/dashboard/assignments".to_owned(),
    ] {
        let res = app.get(&ma, &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.unwrap();
        assert!(
            !html.contains("Field Service") && !html.contains("secret.bee"),
            "{path} leaks"
        );
    }
    let html = app.get(&ma, "/dashboard").await.text().await.unwrap();
    assert!(
        html.contains("<svg")
            && html.contains("Contact Centre")
            && html.contains("Empathetic listening")
    );
    let res = app.get(&ma, "/dashboard?from=not-a-date").await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains("YYYY-MM-DD"),
        "a bad filter explains itself on the page"
    );
}

async fn export_is_scoped_quoted_and_filtered(app: &TestApp) {
    let o = org(app).await;
    let a_s = o.a.to_string();
    let admin = app.login_as("admin@example.com").await;
    let (s, body) = assign(
        app,
        &admin,
        &[("course", COURSE), ("team", &a_s), ("due", &day(3))],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = assign(
        app,
        &admin,
        &[("course", COURSE), ("email", "secret.bee@example.com")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // A name that needs quoting and one a spreadsheet would run as a formula.
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind("Ana \"The Ear\", Jr.")
        .bind(o.a_people[0])
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind("=HYPERLINK(\"x\")")
        .bind(o.a_people[2])
        .execute(&app.db.pool)
        .await
        .unwrap();
    let ma = app.login_as("manager.a@example.com").await;
    let res = app.get(&ma, "/dashboard/export.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = res.text().await.unwrap();
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte order mark for spreadsheets");
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], dashboard::CSV_HEADER.trim_end());
    assert_eq!(lines.len(), 4, "{body}");
    assert!(body.contains("\"Ana \"\"The Ear\"\", Jr.\""), "{body}");
    assert!(body.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{body}");
    assert!(!body.contains("secret.bee"), "{body}");
    assert!(
        lines[1..].iter().all(|l| l.contains(",not_started,no,")),
        "{body}"
    );

    let admin_all = app
        .get(&admin, "/dashboard/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(admin_all.contains("secret.bee@example.com"));
    assert_eq!(admin_all.split("\r\n").filter(|l| !l.is_empty()).count(), 5);
    let filtered = app
        .get(
            &admin,
            &format!("/dashboard/export.csv?team={}&status=not_started", o.b),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        filtered.split("\r\n").filter(|l| !l.is_empty()).count(),
        2,
        "{filtered}"
    );
    let none = app
        .get(&admin, "/dashboard/export.csv?status=completed")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        none.split("\r\n").filter(|l| !l.is_empty()).count(),
        1,
        "header only"
    );

    // Refusals: someone else's team, a bad date, no session, no role.
    let res = app
        .get(&ma, &format!("/dashboard/export.csv?team={}", o.b))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("secret"));
    let res = app.get(&ma, "/dashboard/export.csv?from=31-12-2026").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("YYYY-MM-DD"));
    let res = app.get(&app.client(), "/dashboard/export.csv").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
    for who in ["ana.one@example.com", "trainer@example.com"] {
        let c = app.login_as(who).await;
        let res = app.get(&c, "/dashboard/export.csv").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        assert!(!res.text().await.unwrap().contains('@'));
    }
}

async fn overdue_people_are_nudged_once_a_day(app: &TestApp) {
    let o = org(app).await;
    let a_s = o.a.to_string();
    let ma = app.login_as("manager.a@example.com").await;
    let (s, body) = assign(
        app,
        &ma,
        &[("course", COURSE), ("team", &a_s), ("due", &day(5))],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v = overview(app, &ma, &[]).await;
    assert_eq!(v.totals.overdue, 0);
    let r: NudgeResult = json(app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!((r.sent, r.skipped), (0, 0), "nobody is overdue yet");

    move_due(app, COURSE, now() - 2 * DAY).await;
    let a2 = app.login_as("ben.two@example.com").await;
    let res = app
        .call(
            &a2,
            "complete_lesson",
            &[("course", COURSE), ("item", "listening-is-the-job")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v = overview(app, &ma, &[]).await;
    assert_eq!(v.totals.overdue, 3, "{:?}", v.totals);
    let overdue: TeamReport = json(
        app,
        &ma,
        "dashboard_team",
        &[("id", &a_s), ("filter[status]", "overdue")],
    )
    .await;
    assert_eq!(overdue.people.len(), 3);

    // Another team's manager cannot nudge this team.
    let mb = app.login_as("manager.b@example.com").await;
    let (s, _) = status_of(app, &mb, "dashboard_nudge", &[("team", &a_s)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM nudges").await, 0);

    let r: NudgeResult = json(app, &ma, "dashboard_nudge", &[("team", &a_s)]).await;
    assert_eq!((r.sent, r.skipped), (3, 0));
    let r: NudgeResult = json(app, &ma, "dashboard_nudge", &[]).await;
    assert_eq!((r.sent, r.skipped), (0, 3), "nobody twice within a day");
    assert_eq!(app.count("SELECT COUNT(*) FROM nudges").await, 3);
    let a1 = app.login_as("ana.one@example.com").await;
    let page = app.get(&a1, "/learn").await.text().await.unwrap();
    assert!(page.contains("Reminder from manager a"), "{page}");
    // A day later they can be reminded again.
    sqlx::query("UPDATE nudges SET sent_at = sent_at - $1")
        .bind(DAY + 60)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r: NudgeResult = json(app, &ma, "dashboard_nudge", &[("course", COURSE)]).await;
    assert_eq!((r.sent, r.skipped), (3, 0));
    // Without JavaScript the form comes back to the dashboard with the count.
    let res = app
        .submit(&ma, "dashboard_nudge", &[("team", &a_s)], "/dashboard")
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/dashboard?") && to.contains("nudged=0") && to.contains("skipped=3"),
        "{to}"
    );
    no_drift(app).await;
}

async fn recurring_training_reopens_when_it_expires(app: &TestApp) {
    let o = org(app).await;
    let a_s = o.a.to_string();
    let ma = app.login_as("manager.a@example.com").await;
    let (s, body) = assign(
        app,
        &ma,
        &[
            ("course", COURSE),
            ("team", &a_s),
            ("due", &day(30)),
            ("renew_months", "12"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let a1 = app.login_as("ana.one@example.com").await;
    complete_course(app, &a1).await;
    assert_eq!(overview(app, &ma, &[]).await.totals.completed, 1);
    assert_eq!(
        dashboard::renew_expired(&app.db, now() + 300 * DAY)
            .await
            .unwrap(),
        0
    );
    // As if the course had been completed 370 days ago.
    for sql in [
        "UPDATE enrolments SET completed_at = completed_at - $1, started_at = started_at - $1",
        "UPDATE certificates SET issued_at = issued_at - $1",
        "UPDATE attempts SET started_at = started_at - $1",
    ] {
        sqlx::query(sql)
            .bind(370 * DAY)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    dashboard::rebuild_all(&app.db).await.unwrap();
    let later = now();
    assert_eq!(dashboard::renew_expired(&app.db, later).await.unwrap(), 1);
    assert_eq!(
        dashboard::renew_expired(&app.db, later).await.unwrap(),
        0,
        "once"
    );
    let v = overview(app, &ma, &[]).await;
    assert_eq!(
        (v.totals.completed, v.totals.in_progress),
        (0, 1),
        "{:?}",
        v.totals
    );
    let person: PersonReport = json(
        app,
        &ma,
        "dashboard_person",
        &[("id", &o.a_people[0].to_string())],
    )
    .await;
    assert_eq!(person.courses[0].renewals, 1);
    assert_eq!(
        person.courses[0].state.due_at,
        Some(later + dashboard::RENEWAL_GRACE)
    );
    let page = app.get(&a1, "/learn").await.text().await.unwrap();
    assert!(page.contains("Time to renew"), "{page}");
    // My learning shows the new due date, not the old one as overdue.
    let mine: rapport::api::learn::MyLearningData = json(app, &a1, "my_learning", &[]).await;
    let card = mine
        .assigned
        .iter()
        .find(|c| c.id == COURSE)
        .expect("assigned");
    assert_eq!(card.due_at, Some(later + dashboard::RENEWAL_GRACE));
    assert_ne!(
        card.status,
        rapport::domain::completion::CourseStatus::Overdue
    );
    no_drift(app).await;
    // The learner takes it again, quiz attempts counted afresh.
    complete_course(app, &a1).await;
    assert_eq!(overview(app, &ma, &[]).await.totals.completed, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM certificates").await, 2);
    no_drift(app).await;
}

/// Every write that changes what the dashboards count keeps the aggregates
/// equal to a full recount.
async fn aggregates_always_equal_a_full_recount(app: &TestApp) {
    let o = org(app).await;
    let (a_s, b_s) = (o.a.to_string(), o.b.to_string());
    let admin = app.login_as("admin@example.com").await;
    no_drift(app).await;
    assign(
        app,
        &admin,
        &[("course", COURSE), ("team", &a_s), ("due", &day(4))],
    )
    .await;
    assign(
        app,
        &admin,
        &[
            ("course", COURSE),
            ("email", "secret.bee@example.com"),
            ("due", &day(8)),
        ],
    )
    .await;
    assign(app, &admin, &[("course", "brand-values"), ("team", &b_s)]).await;
    no_drift(app).await;
    // A personal due date earlier than the team's.
    assign(
        app,
        &admin,
        &[
            ("course", COURSE),
            ("email", "ana.one@example.com"),
            ("due", &day(1)),
        ],
    )
    .await;
    no_drift(app).await;
    let a1 = app.login_as("ana.one@example.com").await;
    play_through(app, &a1, SCENARIO).await;
    no_drift(app).await;
    // A second finished attempt adds to the same competency rows.
    play_through(app, &a1, SCENARIO).await;
    no_drift(app).await;
    // Move a learner with progress to the other team, then disable them.
    let res = app
        .call(
            &admin,
            "admin_update_user",
            &[
                ("id", &o.a_people[0].to_string()),
                ("name", "Ana One"),
                ("team_id", &b_s),
                ("roles[role_employee]", "on"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap_or_default()
    );
    no_drift(app).await;
    let res = app
        .call(
            &admin,
            "admin_set_disabled",
            &[("id", &o.a_people[0].to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    no_drift(app).await;
    // A new member of a team with assignments counts at once.
    app.user("new.person@example.com", &[Role::Employee], Some(o.a))
        .await;
    no_drift(app).await;
    let v = overview(app, &admin, &[("team", &a_s)]).await;
    assert_eq!(
        v.totals.assigned, 3,
        "two left of three, plus the new person"
    );
    // Removing an assignment.
    let list: rapport::api::dashboard::AssignmentsData =
        json(app, &admin, "dashboard_assignments", &[]).await;
    let id = list
        .rows
        .iter()
        .find(|r| r.course.id == "brand-values")
        .expect("row")
        .id;
    let (s, body) = status_of(
        app,
        &admin,
        "dashboard_unassign",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    no_drift(app).await;
    let mb = app.login_as("manager.b@example.com").await;
    let (s, _) = status_of(
        app,
        &mb,
        "dashboard_unassign",
        &[("id", &list.rows[list.rows.len() - 1].id.to_string())],
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "not an assignment of team B's manager"
    );
    let _ = o.b1;
}

/// A generated organisation: the overview's counts (from the aggregates)
/// equal the export's rows (from the learners' own rows), per status.
async fn generated_organisation_adds_up(app: &TestApp) {
    use rapport::server::generate::{generate, Options};
    let hash = rapport::server::password::hash_blocking(common::PASSWORD).expect("hash");
    let opts = Options {
        employees: 400,
        courses: 6,
        seed: 7,
        password_hash: hash,
    };
    let g = generate(&app.db, &opts).await.expect("generate");
    assert_eq!(g.employees, 400);
    assert!(g.teams >= 400 / 30 && g.teams <= 400 / 5 + 1, "{g:?}");
    assert!(
        generate(&app.db, &opts).await.is_err(),
        "only once per database"
    );
    no_drift(app).await;
    let admin = app.login_as("admin@scale.test").await;
    let v = overview(app, &admin, &[]).await;
    assert_eq!(v.totals.assigned as usize, g.pairs);
    assert_eq!(v.heat.len().min(25), v.heat.len());
    let rows = |csv: String| csv.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    let all = app
        .get(&admin, "/dashboard/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(all), g.pairs);
    for (status, n) in [
        ("completed", v.totals.completed),
        ("in_progress", v.totals.in_progress),
        ("not_started", v.totals.not_started),
        ("overdue", v.totals.overdue),
    ] {
        let csv = app
            .get(&admin, &format!("/dashboard/export.csv?status={status}"))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(rows(csv) as i64, n, "{status}");
    }
    // A manager of one generated team sees that team only.
    let m = app.login_as("m00001@scale.test").await;
    let mv = overview(app, &m, &[]).await;
    assert_eq!(mv.heat.len(), 1);
    assert_eq!(mv.teams_total, 1);
}

on_both_databases!(
    generated_organisation_adds_up,
    managers_assign_and_see_only_their_teams,
    export_is_scoped_quoted_and_filtered,
    overdue_people_are_nudged_once_a_day,
    recurring_training_reopens_when_it_expires,
    aggregates_always_equal_a_full_recount,
);

/// The share of each competency's range reached by always taking the first
/// reply, in the two scenarios the learner plays, per competency.
fn first_reply_shares() -> std::collections::HashMap<String, Vec<i64>> {
    use rapport::domain::course::ItemBody;
    use rapport::domain::play::ScenarioState;
    let lib = rapport::content::load_dir(std::path::Path::new("content"));
    let course = lib.course(COURSE).expect("course");
    let mut out: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for id in [SCENARIO, "the-quiet-customer"] {
        let item = course.items.iter().find(|i| i.id == id).expect("scenario");
        let ItemBody::Scenario(s) = &item.body else {
            panic!("{id} is not a scenario")
        };
        let mut play = ScenarioState::start(s);
        while play.result(s).is_none() {
            let first = play.offered(s)[0];
            play.choose(s, first).expect("a reply");
        }
        for (c, v) in play.result(s).expect("an ending").competencies {
            if let Some(share) = s.score_ranges[&c].share(v) {
                out.entry(c).or_default().push(share);
            }
        }
    }
    out
}
