//! Every server function, called as anonymous and as each role, and as a
//! manager of another team: who is allowed, who is refused, and that
//! nothing leaks. Runs on SQLite and PostgreSQL.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use rapport::domain::Role;
use reqwest::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Employee,
    Trainer,
    Manager,
    Admin,
}

/// (endpoint, form fields, who may call it, the answer they get)
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<Who>, StatusCode);

const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Employee,
    Who::Trainer,
    Who::Manager,
    Who::Admin,
];

const AUTHOR_FILE: &str = "empathetic-listening/03-the-third-call.md";

async fn every_server_function_checks_the_caller(app: &TestApp) {
    let team = app.team("Contact Centre").await;
    let other = app.team("Field Service").await;
    let emp = app
        .user("employee@example.com", &[Role::Employee], Some(team))
        .await;
    let emp_s = emp.to_string();
    app.user("trainer@example.com", &[Role::Trainer], None)
        .await;
    let mgr = app
        .user("manager@example.com", &[Role::Manager], None)
        .await;
    app.make_manager(mgr, team).await;
    app.user("admin@example.com", &[Role::Admin], None).await;
    let target = app
        .user("target@example.com", &[Role::Employee], Some(other))
        .await;
    let (t, team_s, other_s) = (target.to_string(), team.to_string(), other.to_string());

    // (endpoint, form, who may call it, the answer they get). Mutating calls
    // use harmless values: the two manager changes are refused for what they
    // ask (already a manager; not a manager) once the caller is let in.
    let all_signed_in = [Who::Employee, Who::Trainer, Who::Manager, Who::Admin];
    let authors = vec![Who::Trainer, Who::Admin];
    let ok = StatusCode::OK;
    let cases: Vec<Case> = vec![
        ("me", vec![], EVERYONE.to_vec(), ok),
        ("my_team", vec![], all_signed_in.to_vec(), ok),
        ("managed_teams", vec![], vec![Who::Manager], ok),
        ("admin_users", vec![], vec![Who::Admin], ok),
        ("admin_user", vec![("id", &t)], vec![Who::Admin], ok),
        ("admin_teams", vec![], vec![Who::Admin], ok),
        ("organisation", vec![], all_signed_in.to_vec(), ok),
        (
            "admin_update_organisation",
            vec![
                ("name", "Acme"),
                ("mission", "Help."),
                ("vision", "Everywhere."),
                ("values", "- **Care**"),
            ],
            vec![Who::Admin],
            ok,
        ),
        (
            "content_overview",
            vec![],
            vec![Who::Trainer, Who::Admin],
            ok,
        ),
        (
            "content_item",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
            ],
            vec![Who::Trainer, Who::Admin],
            ok,
        ),
        ("my_learning", vec![], all_signed_in.to_vec(), ok),
        (
            "course_view",
            vec![("course", "empathetic-listening")],
            all_signed_in.to_vec(),
            ok,
        ),
        (
            "learn_item",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
            ],
            all_signed_in.to_vec(),
            ok,
        ),
        (
            "complete_lesson",
            vec![
                ("course", "empathetic-listening"),
                ("item", "listening-is-the-job"),
            ],
            all_signed_in.to_vec(),
            ok,
        ),
        (
            "start_scenario",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
            ],
            all_signed_in.to_vec(),
            ok,
        ),
        (
            "start_quiz",
            vec![
                ("course", "empathetic-listening"),
                ("item", "listening-quiz"),
            ],
            all_signed_in.to_vec(),
            ok,
        ),
        // Attempt 999999 belongs to nobody: it is "not found" for everyone.
        (
            "choose",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
                ("attempt", "999999"),
                ("step", "0"),
                ("choice", "0"),
            ],
            all_signed_in.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        (
            "say",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
                ("attempt", "999999"),
                ("step", "0"),
                ("said", "sorry it keeps dropping"),
            ],
            all_signed_in.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        (
            "step_back",
            vec![
                ("course", "empathetic-listening"),
                ("item", "the-third-call"),
                ("attempt", "999999"),
                ("step", "1"),
            ],
            all_signed_in.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        (
            "answer",
            vec![
                ("course", "empathetic-listening"),
                ("item", "listening-quiz"),
                ("attempt", "999999"),
                ("step", "0"),
                ("question", "first-step"),
                ("picked[0]", "1"),
            ],
            all_signed_in.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        (
            "certificate",
            vec![("code", "ABCD-EFGH-JKMN")],
            EVERYONE.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        ("dismiss_notices", vec![], all_signed_in.to_vec(), ok),
        // Dashboards: managers (for the teams they manage) and admins.
        (
            "dashboard_overview",
            vec![],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        (
            "dashboard_team",
            vec![("id", &team_s)],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        (
            "dashboard_person",
            vec![("id", &emp_s)],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        (
            "dashboard_assignments",
            vec![],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        (
            "dashboard_assign",
            vec![("course", "empathetic-listening"), ("team", &team_s)],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        (
            "dashboard_unassign",
            vec![("id", "999999")],
            vec![Who::Manager, Who::Admin],
            StatusCode::NOT_FOUND,
        ),
        (
            "dashboard_nudge",
            vec![],
            vec![Who::Manager, Who::Admin],
            ok,
        ),
        // Email: each person's own choices; the outbox for admins; an
        // unsubscribe link for whoever holds it (this one is forged).
        ("mail_prefs", vec![], all_signed_in.to_vec(), ok),
        (
            "set_mail_prefs",
            vec![("email[nudge]", "on")],
            all_signed_in.to_vec(),
            ok,
        ),
        ("admin_outbox", vec![], vec![Who::Admin], ok),
        // xAPI is off here: the admin is let in and told so.
        (
            "admin_xapi_backfill",
            vec![],
            vec![Who::Admin],
            StatusCode::CONFLICT,
        ),
        (
            "unsubscribe_info",
            vec![("token", "1.nudge.AAAAAAAAAAAAAAAAAAAAAA")],
            EVERYONE.to_vec(),
            StatusCode::NOT_FOUND,
        ),
        // Single sign-on: the sign-in page's buttons for anyone; the
        // providers' settings for admins (a save with an issuer that is
        // refused, a removal of a provider that does not exist).
        ("sso_buttons", vec![], EVERYONE.to_vec(), ok),
        ("admin_sso_settings", vec![], vec![Who::Admin], ok),
        (
            "admin_save_sso",
            vec![
                ("form[label]", "X"),
                ("form[issuer]", "http://idp.example.com"),
                ("form[client_id]", "x"),
                ("form[client_secret]", "y"),
            ],
            vec![Who::Admin],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "admin_delete_sso",
            vec![("id", "999999")],
            vec![Who::Admin],
            StatusCode::NOT_FOUND,
        ),
        // Authoring: trainers and admins. Mutating calls ask for things that
        // are refused once the caller is let in, so nothing changes.
        ("author_library", vec![], authors.clone(), ok),
        (
            "author_open",
            vec![("path", AUTHOR_FILE)],
            authors.clone(),
            ok,
        ),
        (
            "author_check",
            vec![("path", AUTHOR_FILE), ("source", "x")],
            authors.clone(),
            ok,
        ),
        (
            "author_history",
            vec![("path", AUTHOR_FILE)],
            authors.clone(),
            ok,
        ),
        (
            "author_playtest",
            vec![("path", AUTHOR_FILE), ("moves", "")],
            authors.clone(),
            ok,
        ),
        (
            "author_try_reply",
            vec![
                ("path", AUTHOR_FILE),
                ("source", "x"),
                ("scene", "start"),
                ("said", "hello"),
            ],
            authors.clone(),
            // "x" is no scenario: a clear 422 for those who may ask.
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "author_analytics",
            vec![("path", AUTHOR_FILE)],
            authors.clone(),
            ok,
        ),
        (
            "author_save",
            vec![
                ("path", "nothing-here/none.md"),
                ("source", "x"),
                ("base", ""),
                ("intent", "publish"),
            ],
            authors.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "author_discard",
            vec![("path", AUTHOR_FILE), ("base", "1")],
            authors.clone(),
            StatusCode::CONFLICT,
        ),
        (
            "author_create",
            vec![("folder", ""), ("kind", "lesson"), ("name", "")],
            authors.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "author_import",
            vec![
                ("folder", "x"),
                ("name", ""),
                ("format", "bogus"),
                ("source", "x"),
            ],
            authors.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "author_rollback",
            vec![("path", AUTHOR_FILE), ("revision", "999")],
            authors.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "author_withdraw",
            vec![("path", "nothing-here/none.md"), ("confirm", "yes")],
            authors.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "author_composition",
            vec![("folder", "empathetic-listening")],
            authors.clone(),
            ok,
        ),
        (
            "author_compose",
            vec![
                ("folder", "empathetic-listening"),
                ("base", "999"),
                ("about[title]", "x"),
                ("about[summary]", "x"),
                ("about[minutes]", "5"),
                ("about[competencies]", "empathy"),
                ("intent", "save"),
            ],
            authors.clone(),
            StatusCode::CONFLICT,
        ),
        ("admin_team", vec![("id", &other_s)], vec![Who::Admin], ok),
        (
            "admin_rename_team",
            vec![("id", &other_s), ("name", "Field Service")],
            vec![Who::Admin],
            ok,
        ),
        (
            "admin_update_user",
            vec![
                ("id", &t),
                ("name", "Target Person"),
                ("team_id", &other_s),
                ("roles[role_employee]", "on"),
            ],
            vec![Who::Admin],
            ok,
        ),
        ("admin_new_invite", vec![("id", &t)], vec![Who::Admin], ok),
        (
            "admin_set_disabled",
            vec![("id", &t), ("disabled", "false")],
            vec![Who::Admin],
            ok,
        ),
        (
            "admin_add_manager",
            vec![("team_id", &team_s), ("email", "manager@example.com")],
            vec![Who::Admin],
            StatusCode::CONFLICT,
        ),
        (
            "admin_remove_manager",
            vec![("team_id", &other_s), ("user_id", &t)],
            vec![Who::Admin],
            StatusCode::NOT_FOUND,
        ),
    ];

    for who in EVERYONE {
        let client = match who {
            Who::Anonymous => app.client(),
            Who::Employee => app.login_as("employee@example.com").await,
            Who::Trainer => app.login_as("trainer@example.com").await,
            Who::Manager => app.login_as("manager@example.com").await,
            Who::Admin => app.login_as("admin@example.com").await,
        };
        for (endpoint, form, allowed, answer) in &cases {
            let res = app.call(&client, endpoint, form).await;
            let status = res.status();
            let body = res.text().await.unwrap_or_default();
            if allowed.contains(&who) {
                assert_eq!(status, *answer, "{who:?} may call {endpoint}: {body}");
            } else if who == Who::Anonymous {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "anonymous calls {endpoint}: {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who:?} calls {endpoint}: {body}"
                );
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                assert!(
                    !body.contains("target@example.com") && !body.contains("Field Service"),
                    "a refusal leaks nothing: {body}"
                );
            }
        }
    }
}

async fn a_manager_sees_only_their_own_teams(app: &TestApp) {
    let mine = app.team("Contact Centre").await;
    let theirs = app.team("Field Service").await;
    let me = app
        .user("manager@example.com", &[Role::Manager], None)
        .await;
    app.make_manager(me, mine).await;
    let other_mgr = app
        .user("other.manager@example.com", &[Role::Manager], None)
        .await;
    app.make_manager(other_mgr, theirs).await;
    app.user("dana.mine@example.com", &[Role::Employee], Some(mine))
        .await;
    app.user("olga.theirs@example.com", &[Role::Employee], Some(theirs))
        .await;

    let client = app.login_as("manager@example.com").await;
    let res = app.call(&client, "managed_teams", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(body.contains("Contact Centre") && body.contains("dana.mine@example.com"));
    assert!(
        !body.contains("Field Service") && !body.contains("olga.theirs"),
        "no other team leaks: {body}"
    );

    let page = app.get(&client, "/team").await.text().await.unwrap();
    assert!(page.contains("dana.mine@example.com") && !page.contains("olga.theirs"));
    // Admin views are closed to managers, whatever the id.
    let res = app
        .call(&client, "admin_team", &[("id", &theirs.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn admins_cannot_lock_themselves_out(app: &TestApp) {
    let me = app.user("admin@example.com", &[Role::Admin], None).await;
    let client = app.login_as("admin@example.com").await;
    let id = me.to_string();
    let res = app
        .call(
            &client,
            "admin_set_disabled",
            &[("id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .call(
            &client,
            "admin_update_user",
            &[("id", &id), ("name", "Me"), ("roles[role_employee]", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.whoami(&client).await.as_deref(),
        Some("admin@example.com")
    );
}

async fn admin_input_is_validated(app: &TestApp) {
    app.user("admin@example.com", &[Role::Admin], None).await;
    let client = app.login_as("admin@example.com").await;
    let before = app.count("SELECT COUNT(*) FROM users").await;
    for (form, status) in [
        (
            vec![
                ("email", "not-an-email"),
                ("name", "X"),
                ("roles[role_employee]", "on"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("email", "x@example.com"),
                ("name", "  "),
                ("roles[role_employee]", "on"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("email", "x@example.com"), ("name", "X")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("email", "x@example.com"),
                ("name", "X"),
                ("team_id", "9999"),
                ("roles[role_employee]", "on"),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("email", "ADMIN@example.com"),
                ("name", "Dup"),
                ("roles[role_employee]", "on"),
            ],
            StatusCode::CONFLICT,
        ),
    ] {
        let res = app.call(&client, "admin_create_user", &form).await;
        assert_eq!(res.status(), status, "{form:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        before,
        "nothing half-written"
    );
    // Without JavaScript the form comes back with the message and the input kept.
    let res = app
        .submit(
            &client,
            "admin_create_user",
            &[
                ("email", "ADMIN@example.com"),
                ("name", "Dup Licate"),
                ("roles[role_employee]", "on"),
            ],
            "/admin/users",
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.get(&client, &location).await.text().await.unwrap();
    assert!(page.contains("Someone already has an account with that email address."));
    assert!(page.contains(r#"value="Dup Licate""#));
    // Teams: duplicates and blank names.
    app.call(&client, "admin_create_team", &[("name", "Front Desk")])
        .await;
    let res = app
        .call(&client, "admin_create_team", &[("name", "Front Desk")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .call(&client, "admin_create_team", &[("name", "   ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app.call(&client, "admin_user", &[("id", "987654")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // People list: unknown filters fall back to safe defaults.
    let res = app
        .get(
            &client,
            "/admin/users?team=abc&role=wizard&status=%00&page=-5&q=%25%5F",
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Every change is in the audit log.
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'team.created'")
            .await
            >= 1
    );
}

on_both_databases!(
    every_server_function_checks_the_caller,
    a_manager_sees_only_their_own_teams,
    admins_cannot_lock_themselves_out,
    admin_input_is_validated,
);

/// The matrix above must grow with the product: a new server function that
/// is not listed here (or in tests/auth.rs for the sign-in flow) fails this test.
#[test]
fn every_server_function_is_covered() {
    let covered = [
        // tests/access.rs
        "me",
        "my_team",
        "managed_teams",
        "admin_users",
        "admin_user",
        "admin_teams",
        "admin_team",
        "admin_rename_team",
        "admin_update_user",
        "admin_new_invite",
        "admin_set_disabled",
        "admin_add_manager",
        "admin_remove_manager",
        "organisation",
        "admin_update_organisation",
        "content_overview",
        "content_item",
        "my_learning",
        "course_view",
        "learn_item",
        "complete_lesson",
        "start_scenario",
        "start_quiz",
        "choose",
        "say",
        "step_back",
        "answer",
        "certificate",
        "dismiss_notices",
        "dashboard_overview",
        "dashboard_team",
        "dashboard_person",
        "dashboard_assignments",
        "dashboard_assign",
        "dashboard_unassign",
        "dashboard_nudge",
        "mail_prefs",
        "set_mail_prefs",
        "admin_outbox",
        "admin_xapi_backfill",
        "unsubscribe_info",
        "sso_buttons",
        "admin_sso_settings",
        "admin_save_sso",
        "admin_delete_sso",
        "author_library",
        "author_open",
        "author_check",
        "author_save",
        "author_discard",
        "author_create",
        "author_import",
        "author_history",
        "author_rollback",
        "author_playtest",
        "author_try_reply",
        "author_analytics",
        "author_composition",
        "author_compose",
        "author_withdraw",
        // tests/auth.rs
        "login",
        "logout",
        "invite_info",
        "accept_invite",
        "change_password",
        "admin_create_user",
        "admin_create_team",
    ];
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    assert!(!registered.is_empty());
    for path in registered {
        let name = path.trim_start_matches("/api/");
        assert!(
            covered.contains(&name),
            "server function {path} has no access test"
        );
    }
}
