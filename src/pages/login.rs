use crate::app::viewer;
use crate::domain::account::safe_next_path;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The sign-in page: a plain HTML form that posts to the `login` server
/// function and works the same with or without JavaScript.
#[component]
pub fn LoginPage() -> impl IntoView {
    let viewer = viewer();
    let query = use_query_map();
    let get = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let next = safe_next_path(&get("next")).to_owned();
    let error = get("error");
    let email = get("email");
    let signed_out = query.read_untracked().get("signed_out").is_some();
    let has_error = !error.is_empty();

    let next_field = next.clone();
    let next_sso = next.clone();
    let buttons = Resource::new(|| (), |_| crate::api::sso::sso_buttons());
    view! {
        <Title text="Sign in" />
        <Suspense fallback=|| ()>
            {
                let next = next.clone();
                move || {
                    let next = next.clone();
                    Suspend::new(async move {
                        match viewer.await {
                            Ok(Some(_)) => view! { <Redirect path=next /> }.into_any(),
                            _ => ().into_any(),
                        }
                    })
                }
            }
        </Suspense>
        <section class="auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in to Rapport"</h1>
            {signed_out.then(|| view! { <div class="flash flash-ok" role="status"><p>"You have signed out."</p></div> })}
            {has_error.then(|| view! { <div class="flash flash-error" role="alert" id="login-error"><p>{error.clone()}</p></div> })}
            <Suspense fallback=|| ()>
                {
                    let next = next_sso.clone();
                    move || {
                        let next = next.clone();
                        Suspend::new(async move {
                            let list = buttons.await.unwrap_or_default();
                            (!list.is_empty()).then(|| view! {
                                <ul class="sso-buttons" aria-label="Sign in with your company's account">
                                    {list.into_iter().map(|b| {
                                        let next = next.clone();
                                        view! { <li><SsoForm button=b next=next /></li> }
                                    }).collect_view()}
                                </ul>
                                <p class="divider"><span>"or with your email"</span></p>
                                <p class="hint">"A work address that signs in through your company goes there when you leave the password empty."</p>
                            })
                        })
                    }
                }
            </Suspense>
            <form method="post" action="/api/login" class="stack">
                <input type="hidden" name="next" value=next_field />
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required
                        value=email aria-describedby=has_error.then_some("login-error") autofocus=!has_error />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password"
                        maxlength="256" autofocus=has_error />
                </div>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
            <p class="hint">"New here? Your administrator sends you a link to choose your password."</p>
        </section>
    }
}

/// A "Sign in with …" button: a form that starts the single sign-on.
#[component]
pub fn SsoForm(button: crate::api::sso::SsoButton, next: String) -> impl IntoView {
    view! {
        <form method="post" action="/sso/start">
            <input type="hidden" name="provider" value=button.slug />
            <input type="hidden" name="next" value=next />
            <button type="submit" class="button">{format!("Sign in with {}", button.label)}</button>
        </form>
    }
}
