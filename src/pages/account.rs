use crate::api::account::invite_info;
use crate::api::mail::{mail_prefs, unsubscribe_info, EmailChoices};
use crate::app::viewer;
use crate::components::{loading, ErrorNotice, Flash};
use crate::pages::login::SsoForm;
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
    let mail_saved = use_query_map().read_untracked().get("mail_saved").is_some();
    let prefs = Resource::new(|| (), |_| mail_prefs());
    view! {
        <Title text="My account" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let prefs = prefs.await;
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
                        {match prefs {
                            Ok(p) => view! { <MailPrefsForm prefs=p saved=mail_saved /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        }}
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
                    Ok((_, info)) if info.company_only => {
                        let company = info.company.clone();
                        let label = company.as_ref().map(|b| b.label.clone()).unwrap_or_default();
                        view! {
                            <section class="auth-card" aria-labelledby="invite-title">
                                <h1 id="invite-title">{format!("Welcome, {}", info.name)}</h1>
                                <p>{format!("You sign in to Rapport as {} with your {label} account: there is no password to choose.", info.email)}</p>
                                <Flash />
                                {company.map(|b| view! { <SsoForm button=b next="/?welcome=sso".to_owned() /> })}
                            </section>
                        }
                        .into_any()
                    }
                    Ok((token, info)) => view! {
                        <section class="auth-card" aria-labelledby="invite-title">
                            <h1 id="invite-title">{format!("Welcome, {}", info.name)}</h1>
                            <p>{format!("Choose a password for {}. You will use it with this email address to sign in.", info.email)}</p>
                            <Flash />
                            {info.company.clone().map(|b| view! {
                                <SsoForm button=b next="/?welcome=sso".to_owned() />
                                <p class="divider"><span>"or choose a password"</span></p>
                            })}
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

/// Which kinds of email the person gets.
#[component]
fn MailPrefsForm(prefs: EmailChoices, saved: bool) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="email-title" id="email">
            <h2 id="email-title">"Email"</h2>
            {saved.then(|| view! { <div class="flash flash-ok" role="status"><p>"Your email choices are saved."</p></div> })}
            {(!prefs.email_on).then(|| view! {
                <p class="hint">"This server does not send email at the moment. Your choices apply once an administrator turns email on."</p>
            })}
            <form method="post" action="/api/set_mail_prefs" class="stack">
                <fieldset class="checks">
                    <legend>"Send me"</legend>
                    {prefs.choices.into_iter().map(|c| {
                        let id = format!("mail-{}", c.kind);
                        let name = format!("email[{}]", c.kind);
                        view! {
                            <label for=id.clone()>
                                <input type="checkbox" id=id.clone() name=name value="on" checked=c.on />
                                {c.label}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <p class="hint">"Invitations and password links are always sent. Every email has a link to stop that kind."</p>
                <button type="submit" class="button">"Save email choices"</button>
            </form>
        </section>
    }
}

/// Where an email's "Stop these emails" link leads: works without signing in.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let done = use_query_map().read_untracked().get("done").is_some();
    let info = Resource::new(
        move || token.clone(),
        |t| async move { unsubscribe_info(t.clone()).await.map(|i| (t, i)) },
    );
    view! {
        <Title text="Stop these emails" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok((_, info)) if done || info.off => view! {
                        <section class="auth-card" aria-labelledby="unsub-title">
                            <h1 id="unsub-title">"You will not get these emails any more"</h1>
                            <p>{format!("Turned off: {}.", info.label)}</p>
                            <p>"Nothing else has changed. You can turn them back on under "<a href="/account#email">"My account"</a>"."</p>
                        </section>
                    }.into_any(),
                    Ok((token, info)) => view! {
                        <section class="auth-card" aria-labelledby="unsub-title">
                            <h1 id="unsub-title">"Stop these emails?"</h1>
                            <p>{format!("You will no longer get: {}.", info.label)}</p>
                            <form method="post" action=format!("/unsubscribe/{}", crate::components::encode(&token)) class="stack">
                                <button type="submit" class="button primary">"Stop these emails"</button>
                            </form>
                            <p class="hint">"Other kinds of email are not affected. You can change every kind under My account."</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
