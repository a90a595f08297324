//! What each page asks of the browser (islands mode): pages with nothing
//! interactive carry no script and no WebAssembly; the player carries the
//! page script and loads the bundle only for an island; the editor and the
//! library preload the bundle and render their islands. No page serialises
//! the server's data for a whole-page hydration.
#![cfg(feature = "ssr")]

mod common;

use common::learner::{COURSE, SCENARIO};
use common::{Backend, TestApp};
use rapport::domain::Role;

/// Module scripts: the page script. (Leptos adds two tiny classic scripts
/// of empty resource lists to every page; they load nothing.)
fn scripts(html: &str) -> usize {
    html.matches("<script type=\"module\"").count()
}

#[tokio::test]
async fn only_interactive_pages_load_the_bundle() {
    // With the language model, so the typed-reply scene shows its text box.
    let model = rapport::server::understanding::default_dir();
    let app = TestApp::spawn_with(Backend::Sqlite, move |cfg| cfg.model_dir = Some(model)).await;
    let team = app.team("Contact Centre").await;
    app.user(
        "admin@example.com",
        &[Role::Admin, Role::Manager, Role::Trainer],
        Some(team),
    )
    .await;
    let admin = app.login_as("admin@example.com").await;
    let page = |path: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let res = app.get(admin, path).await;
            assert!(res.status().is_success(), "GET {path}: {}", res.status());
            res.text().await.expect("body")
        }
    };

    for path in [
        "/",
        "/learn",
        "/learn/empathetic-listening",
        "/account",
        "/dashboard",
        "/admin/users",
        "/content",
        "/author/history?path=empathetic-listening%2F05-quiz.md",
    ] {
        let html = page(path).await;
        assert_eq!(scripts(&html), 0, "{path} has a script:\n{html}");
        assert!(!html.contains(".wasm"), "{path} links the bundle");
        assert!(!html.contains("<leptos-island"), "{path} has an island");
    }

    // A lesson: the page script (a step without a reload), no bundle.
    let lesson = page("/learn/empathetic-listening/listening-is-the-job").await;
    assert_eq!(scripts(&lesson), 1, "{lesson}");
    assert!(lesson.contains("<script type=\"module\" nonce="));
    assert!(lesson.contains("data-swap"));
    assert!(!lesson.contains("modulepreload"));
    assert!(!lesson.contains("<leptos-island"));

    // The editor: its island, with the bundle preloaded.
    let editor = page("/author/edit?path=empathetic-listening%2F03-the-third-call.md").await;
    assert!(
        editor.contains("<leptos-island data-component=\"Editor_"),
        "no editor island"
    );
    assert!(editor.contains("rel=\"modulepreload\""));
    assert!(editor.contains("as=\"fetch\""));
    assert_eq!(scripts(&editor), 1);
    let library = page("/author").await;
    assert!(library.contains("<leptos-island data-component=\"FileIntoTextarea_"));

    // A typed-reply scene: the text box is an island on the player page.
    let started = app
        .call(
            &admin,
            "start_scenario",
            &[("course", COURSE), ("item", SCENARIO)],
        )
        .await;
    assert!(started.status().is_success());
    let player = page("/learn/empathetic-listening/the-third-call").await;
    assert_eq!(scripts(&player), 1);
    assert!(player.contains("id=\"said\""), "{player}");
    assert!(player.contains("<leptos-island data-component=\"ReplyBox_"));
    app.cleanup().await;
}

#[test]
fn which_pages_get_scripts() {
    use rapport::app::Scripts;
    assert_eq!(Scripts::for_path("/"), Scripts::None);
    assert_eq!(Scripts::for_path("/learn"), Scripts::None);
    assert_eq!(Scripts::for_path("/learn/c"), Scripts::None);
    assert_eq!(Scripts::for_path("/learn/c/i"), Scripts::Steps);
    assert_eq!(Scripts::for_path("/learn/c/i/"), Scripts::Steps);
    assert_eq!(Scripts::for_path("/learn/c/i/x"), Scripts::None);
    assert_eq!(Scripts::for_path("/author"), Scripts::Islands);
    assert_eq!(Scripts::for_path("/author/edit"), Scripts::Islands);
    assert_eq!(Scripts::for_path("/author/play"), Scripts::None);
    assert_eq!(Scripts::for_path("/learnx/c/i"), Scripts::None);
}

/// Every element the style sheet lets scroll (`overflow: auto`) takes
/// keyboard focus and has a name, so a keyboard user can scroll it and a
/// screen reader says what it is (axe: scrollable-region-focusable): the
/// editor's preview of a lesson, a quiz, a scenario and a course, the
/// scenario map, a revision's diff, the tables that scroll sideways.
#[tokio::test]
async fn scrolled_panes_take_focus_and_have_a_name() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let team = app.team("Contact Centre").await;
    app.user(
        "admin@example.com",
        &[Role::Admin, Role::Manager, Role::Trainer],
        Some(team),
    )
    .await;
    let admin = app.login_as("admin@example.com").await;
    // The scrolled classes, read from the style sheet itself.
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/style/main.css"))
        .expect("style/main.css");
    let scrolled: Vec<String> = css
        .lines()
        .filter(|l| l.contains("overflow: auto") || l.contains("overflow-x: auto"))
        .filter_map(|l| l.trim().strip_prefix('.'))
        .flat_map(|l| l.split('{').next().unwrap_or("").split(','))
        .map(|c| c.trim().trim_start_matches('.').to_string())
        .filter(|c| !c.is_empty() && !c.contains(' ') && !c.contains(':'))
        .collect();
    assert!(scrolled.iter().any(|c| c == "preview-pane"), "{scrolled:?}");
    let mut seen: std::collections::BTreeSet<String> = Default::default();
    for path in [
        "/author/edit?path=empathetic-listening%2F01-listening-is-the-job.md",
        "/author/edit?path=empathetic-listening%2F05-quiz.md",
        "/author/edit?path=empathetic-listening%2F03-the-third-call.md",
        "/author/edit?path=empathetic-listening%2Fcourse.md",
        "/author/history?path=empathetic-listening%2F05-quiz.md",
        "/admin/users",
        "/dashboard",
    ] {
        let res = app.get(&admin, path).await;
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        let html = res.text().await.expect("body");
        for class in &scrolled {
            for (at, _) in html.match_indices(&format!("class=\"{class}")) {
                let start = html[..at].rfind('<').expect("a tag");
                let end = at + html[at..].find('>').expect("its end");
                let tag = &html[start..=end];
                if !tag.contains(&format!("class=\"{class}\""))
                    && !tag.contains(&format!("class=\"{class} "))
                {
                    continue;
                }
                seen.insert(class.clone());
                assert!(tag.contains("tabindex=\"0\""), "{path}: {tag}");
                assert!(
                    tag.contains("aria-label=\"") || tag.contains("aria-labelledby=\""),
                    "{path}: {tag}"
                );
            }
        }
    }
    for class in ["preview-pane", "map-scroll", "diff", "table-wrap"] {
        assert!(seen.contains(class), "no .{class} on the pages: {seen:?}");
    }
    app.cleanup().await;
}
