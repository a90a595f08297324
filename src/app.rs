//! The HTML shell, the layout and the routes.

use crate::api::auth::{current_user, SessionUser};
use crate::api::AppError;
use crate::components::SiteHeader;
use crate::pages;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The whole document. On the server it also sets the page's
/// Content-Security-Policy, which allows only scripts that carry this
/// response's nonce (Leptos adds it to its own scripts).
pub fn shell() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    // Islands mode: the page is not hydrated as a whole, so nothing the
    // server components read is serialised into it for the browser (each
    // island carries its own props).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <PageScript />
                <link rel="stylesheet" id="leptos" href=stylesheet_href() />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What a page needs of the browser bundle, decided by its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scripts {
    /// Nothing interactive: no script, no WebAssembly.
    None,
    /// The page script (steps without reloads); the bundle is loaded only if
    /// an island turns up (a typed-reply scene).
    Steps,
    /// Islands are certain (the editor, the file picker): the bundle is
    /// preloaded with the page.
    Islands,
}

impl Scripts {
    pub fn for_path(path: &str) -> Scripts {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["learn", course, item] if !course.is_empty() && !item.is_empty() => Scripts::Steps,
            ["author"] | ["author", "edit"] => Scripts::Islands,
            _ => Scripts::None,
        }
    }
}

/// The page script (`src/enhance.js`) with the bundle's addresses, and the
/// preload hints where the bundle is certain to be needed. Pages without
/// anything interactive get neither.
#[component]
fn PageScript() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let path = use_context::<http::request::Parts>()
            .map(|p| p.uri.path().to_owned())
            .unwrap_or_default();
        let scripts = Scripts::for_path(&path);
        if scripts == Scripts::None {
            return None;
        }
        // The player's pages have only the typed-reply box: the learner's
        // bundle, a fraction of the whole.
        let learner = scripts == Scripts::Steps;
        let (js, wasm) = match use_context::<crate::server::AppState>() {
            Some(state) => state.assets.files(learner),
            None => crate::server::site::SiteAssets::plain().files(learner),
        };
        let code = page_script(&js, &wasm);
        let nonce = leptos::nonce::use_nonce();
        let preload = (scripts == Scripts::Islands).then(|| {
            view! {
                <link rel="modulepreload" href=js.clone() crossorigin="" />
                <link rel="preload" href=wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin="" />
            }
        });
        Some(view! {
            {preload}
            <script type="module" nonce=nonce>{code}</script>
        })
    }
    #[cfg(not(feature = "ssr"))]
    None::<()>
}

/// `src/enhance.js` without its comment lines (they are for us, not for
/// every page), with the bundle's addresses filled in.
#[cfg(feature = "ssr")]
fn page_script(js: &str, wasm: &str) -> String {
    static CODE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CODE.get_or_init(|| {
        include_str!("enhance.js")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//") && !l.trim().is_empty())
            .map(|l| format!("{}\n", l.trim_start()))
            .collect()
    })
    .replace("__JS__", js)
    .replace("__WASM__", wasm)
}

/// The stylesheet's address: content-hashed in a release site
/// (`scripts/build`), plain in a `cargo leptos watch` one.
fn stylesheet_href() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::server::AppState>() {
        return state.assets.stylesheet.clone();
    }
    "/pkg/rapport.css".into()
}

#[cfg(feature = "ssr")]
fn set_page_csp() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // Forms may lead to the single sign-on providers (the sign-in page's
    // buttons and its password form redirect there).
    let providers = use_context::<crate::server::AppState>()
        .map(|s| s.sso.form_origins(&s.db))
        .unwrap_or_default();
    let sep = if providers.is_empty() { "" } else { " " };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'{sep}{providers}; frame-ancestors 'none'"
    );
    if let Ok(v) = http::HeaderValue::from_str(&policy) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Who is signed in. Each component that needs it makes its own resource:
/// one resource read under two `<Suspense>` boundaries can stall a
/// server-rendered response (leptos-rs/leptos#4851), and the call costs no
/// database query (the session is resolved once per request by the HTTP layer).
pub fn viewer() -> Resource<Result<Option<SessionUser>, AppError>> {
    Resource::new(|| (), |_| current_user())
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Rapport".to_owned() } else { format!("{text} · Rapport") } />
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/invite/:token") view=pages::account::InvitePage ssr=SsrMode::Async />
                    <Route path=path!("/unsubscribe/:token") view=pages::account::UnsubscribePage ssr=SsrMode::Async />
                    <Route path=path!("/team") view=pages::team::ManagedTeamsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=pages::dashboard::DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/assignments") view=pages::dashboard::AssignmentsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/teams/:id") view=pages::dashboard::TeamDashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/people/:id") view=pages::dashboard::PersonDashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=pages::admin::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=pages::admin::UserPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams") view=pages::admin::TeamsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams/:id") view=pages::admin::TeamPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/organisation") view=pages::content::OrganisationPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/email") view=pages::admin::OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/sso") view=pages::admin_sso::SsoPage ssr=SsrMode::Async />
                    <Route path=path!("/learn") view=pages::learn::MyLearningPage ssr=SsrMode::Async />
                    <Route path=path!("/learn/:course") view=pages::learn::CourseOutlinePage ssr=SsrMode::Async />
                    <Route path=path!("/learn/:course/:item") view=pages::learn::LearnItemPage ssr=SsrMode::Async />
                    <Route path=path!("/certificates/:code") view=pages::learn::CertificatePage ssr=SsrMode::Async />
                    <Route path=path!("/content") view=pages::content::ContentPage ssr=SsrMode::Async />
                    <Route path=path!("/author") view=pages::authoring::AuthorLibraryPage ssr=SsrMode::Async />
                    <Route path=path!("/author/course") view=pages::authoring::AuthorCoursePage ssr=SsrMode::Async />
                    <Route path=path!("/author/edit") view=pages::authoring::AuthorEditPage ssr=SsrMode::Async />
                    <Route path=path!("/author/history") view=pages::authoring::AuthorHistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/author/play") view=pages::authoring::AuthorPlayPage ssr=SsrMode::Async />
                    <Route path=path!("/author/analytics") view=pages::authoring::AuthorAnalyticsPage ssr=SsrMode::Async />
                    <Route path=path!("/content/:course/:item") view=pages::content::ContentItemPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Rapport — training that builds rapport with customers."</p>
            </footer>
        </Router>
    }
}
