use crate::api::account::invite_info;
use crate::app::viewer;
use crate::components::{loading, ErrorNotice, Flash};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Fields to choose a new password, shared by the invitation and account pages.
#[component]
fn NewPasswordFields() -> impl IntoView {
    view! {
        <div class="field">
            <label for="password">"New password"</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required
                minlength="8" maxlength="256" aria-describedby="password-hint" />
            <p class="hint" id="password-hint">"At least 8 characters. A phrase of several words is easy to remember and hard to guess. Pasting is fine."</p>
        </div>
        <div class="field">
            <label for="confirm">"New password again"</label>
            <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" maxlength="256" />
        </div>
    }
}

/// The signed-in person's account: who they are, and changing the password.
#[component]
pub fn AccountPage() -> impl IntoView {
    let viewer = viewer();
    let changed = use_query_map().read_untracked().get("changed").is_some();
    view! {
        <Title text="My account" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(user)) => view! {
                        <div class="page-heading"><h1>"My account"</h1></div>
                        <Flash />
                        {changed.then(|| view! { <div class="flash flash-ok" role="status"><p>"Your password is changed. You have been signed out everywhere else."</p></div> })}
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{user.name.clone()}</dd>
                            <dt>"Email"</dt><dd>{user.email.clone()}</dd>
                            <dt>"Roles"</dt><dd>{user.roles.labels()}</dd>
                        </dl>
                        <section class="card" aria-labelledby="pw-title">
                            <h2 id="pw-title">"Change password"</h2>
                            <form method="post" action="/api/change_password" class="stack">
                                <div class="field">
                                    <label for="current">"Current password"</label>
                                    <input id="current" name="current" type="password" autocomplete="current-password" required maxlength="256" />
                                </div>
                                <NewPasswordFields />
                                <button type="submit" class="button primary">"Change password"</button>
                            </form>
                        </section>
                    }
                    .into_any(),
                    Ok(None) => view! { <ErrorNotice error=crate::api::AppError::Unauthenticated /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Where an invited person (or one whose password was reset) chooses a password.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let info = Resource::new(
        move || token.clone(),
        |t| async move { invite_info(t.clone()).await.map(|i| (t, i)) },
    );
    view! {
        <Title text="Choose your password" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok((token, info)) => view! {
                        <section class="auth-card" aria-labelledby="invite-title">
                            <h1 id="invite-title">{format!("Welcome, {}", info.name)}</h1>
                            <p>{format!("Choose a password for {}. You will use it with this email address to sign in.", info.email)}</p>
                            <Flash />
                            <form method="post" action="/api/accept_invite" class="stack">
                                <input type="hidden" name="token" value=token />
                                <div class="field">
                                    <label for="username">"Email"</label>
                                    <input id="username" name="username" type="email" autocomplete="username" value=info.email.clone() readonly />
                                </div>
                                <NewPasswordFields />
                                <button type="submit" class="button primary">"Set password and sign in"</button>
                            </form>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
