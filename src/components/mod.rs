//! Pieces of UI shared by several pages.

pub mod charts;
pub mod scenario_map;

use crate::api::AppError;
use crate::app::viewer;
use crate::domain::Role;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

/// Text made safe to place in HTML as markup: `&`, `<`, `>` and quotes
/// become entities.
///
/// Needed for the text of a `<textarea>`: Leptos 0.8 writes a textarea's
/// children into the page unescaped (leptos-rs/leptos#4819), so a file
/// holding `</textarea><img onerror=…>` would end the element and add live
/// markup. Every textarea therefore gets its text as
/// `inner_html=escape_html(&text)`: the server writes the entities, and the
/// browser (a textarea's content is escapable raw text) turns them back
/// into exactly the characters typed, with or without JavaScript.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The site's banner: the product name, the navigation that fits the
/// signed-in person's roles, and the sign-out button.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let viewer = viewer();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Rapport"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match viewer.await {
                        Ok(Some(user)) => {
                            let has = |r: Role| user.roles.has(r);
                            let links: Vec<(&str, &str)> = [
                                (true, "/", "Home"),
                                (true, "/learn", "My learning"),
                                (has(Role::Manager) || has(Role::Admin), "/dashboard", "Dashboard"),
                                (has(Role::Manager), "/team", "My teams"),
                                (has(Role::Admin), "/admin/users", "People"),
                                (has(Role::Admin), "/admin/teams", "Teams"),
                                (has(Role::Admin), "/admin/organisation", "Organisation"),
                                (has(Role::Admin), "/admin/email", "Email"),
                                (has(Role::Admin), "/admin/sso", "Sign-in"),
                                (has(Role::Trainer) || has(Role::Admin), "/content", "Content"),
                                (has(Role::Trainer) || has(Role::Admin), "/author", "Authoring"),
                                (true, "/account", "My account"),
                            ]
                            .into_iter()
                            .filter_map(|(show, href, label)| show.then_some((href, label)))
                            .collect();
                            view! {
                                <nav aria-label="Main">
                                    <ul class="nav-links">
                                        {links
                                            .into_iter()
                                            .map(|(href, label)| view! { <li><NavLink href=href label=label /></li> })
                                            .collect_view()}
                                    </ul>
                                </nav>
                                <div class="who">
                                    <span class="who-name">{user.name.clone()}</span>
                                    <span class="who-roles">{user.roles.labels()}</span>
                                    <form method="post" action="/api/logout" class="inline">
                                        <button type="submit" class="link-button">"Sign out"</button>
                                    </form>
                                </div>
                            }
                                .into_any()
                        }
                        _ => view! {
                            <nav aria-label="Main">
                                <ul class="nav-links"><li><a href="/login">"Sign in"</a></li></ul>
                            </nav>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

/// A navigation link that marks the current page for assistive technology.
#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let current = move || {
        let path = location.pathname.get();
        let here = if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        };
        here.then_some("page")
    };
    view! { <a href=href aria-current=current>{label}</a> }
}

/// The outcome of the last form post, read from the URL the form's server
/// function redirected to: `?error=…` or `?saved=1`.
#[component]
pub fn Flash(#[prop(optional)] success: Option<&'static str>) -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        if let Some(err) = q.get("error") {
            view! { <div class="flash flash-error" role="alert"><p>{err}</p></div> }.into_any()
        } else if q.get("saved").is_some() {
            view! { <div class="flash flash-ok" role="status"><p>{success.unwrap_or("Saved.")}</p></div> }.into_any()
        } else {
            ().into_any()
        }
    }
}

/// What a page says when its data could not be loaded: a page that only
/// shows things saves nothing, so an outage says so in its own words.
fn page_message(error: &AppError) -> String {
    match error {
        AppError::Unavailable => {
            "This page cannot be shown: the database is not answering right now. Nothing you saved before is lost. Try again in a moment.".into()
        }
        e => e.to_string(),
    }
}

/// Shows why a page's data could not be loaded. Sends a signed-out visitor
/// to the sign-in page and back here afterwards.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let location = use_location();
    if error == AppError::Unauthenticated {
        let here = format!(
            "{}{}",
            location.pathname.get_untracked(),
            location.search.get_untracked()
        );
        let mut ser = String::from("/login?next=");
        ser.push_str(&encode(&here));
        // leptos_axum answers 302 only when the request says it accepts HTML;
        // every client gets the redirect status here.
        set_status(302);
        return view! { <Redirect path=ser /> }.into_any();
    }
    set_status(error.status());
    let title = match error {
        AppError::Forbidden => "Not available to you",
        AppError::NotFound(_) => "Not found",
        AppError::Internal => "Something went wrong",
        AppError::Unavailable => "Temporarily unavailable",
        _ => "That did not work",
    };
    view! {
        <section class="notice" aria-labelledby="notice-title">
            <h1 id="notice-title">{title}</h1>
            <p>{page_message(&error)}</p>
            <p><a href="/">"Go to the home page"</a></p>
        </section>
    }
    .into_any()
}

/// Percent-encodes a value for a URL query.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A page heading block: title plus optional lead paragraph.
#[component]
pub fn PageHeading(title: String, #[prop(optional, into)] lead: Option<String>) -> impl IntoView {
    view! {
        <div class="page-heading">
            <h1>{title}</h1>
            {lead.map(|l| view! { <p class="lead">{l}</p> })}
        </div>
    }
}

/// Loading placeholder for `<Suspense>`.
pub fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// One `<select>` of a filter form, with its label. The first option
/// (`any`, value "") means no filter; `selected` is the value in the URL.
#[component]
pub fn FilterSelect(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    any: &'static str,
    /// (value, label)
    options: Vec<(String, String)>,
    selected: Option<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="">{any}</option>
                {options.into_iter().map(|(value, text)| {
                    let chosen = selected.as_deref() == Some(value.as_str());
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A card with a heading and a table that scrolls sideways on a narrow
/// screen (a focusable region, so keyboard users can scroll it too), or
/// the `empty` message instead of the table.
#[component]
pub fn TableCard(
    id: &'static str,
    title: &'static str,
    empty: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {match empty {
                Some(message) => view! { <p>{message}</p> }.into_any(),
                None => view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-labelledby=id>
                        {children()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
