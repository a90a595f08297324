use crate::api::team::my_team;
use crate::app::viewer;
use crate::components::{loading, ErrorNotice};
use crate::domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The landing page after sign-in: what there is for each of the person's roles.
#[component]
pub fn HomePage() -> impl IntoView {
    let viewer = viewer();
    let team = Resource::new(|| (), |_| my_team());
    // After an invitation: a password chosen (`1`) or a company sign-in (`sso`).
    let welcome = use_query_map()
        .read_untracked()
        .get("welcome")
        .map(|w| match w.as_str() {
            "sso" => "You are signed in with your company's account. Welcome to Rapport.",
            _ => "Your password is set. Welcome to Rapport.",
        });

    view! {
        <Title text="Home" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let user = match viewer.await {
                    Ok(Some(u)) => u,
                    Ok(None) => return view! { <ErrorNotice error=crate::api::AppError::Unauthenticated /> }.into_any(),
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let team = match team.await {
                    Ok(t) => t,
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let first = user.name.split_whitespace().next().unwrap_or("").to_owned();
                let has = |r: Role| user.roles.has(r);
                view! {
                    <div class="page-heading">
                        <h1>{format!("Hello, {first}")}</h1>
                        <p class="lead">{format!("You are signed in as {} ({}).", user.email, user.roles.labels())}</p>
                    </div>
                    {welcome.map(|w| view! { <div class="flash flash-ok" role="status"><p>{w}</p></div> })}
                    <div class="cards">
                        {has(Role::Employee).then(|| {
                            let managers = team.managers.iter().map(|m| m.name.clone()).collect::<Vec<_>>().join(", ");
                            view! {
                                <section class="card" aria-labelledby="learning-title">
                                    <h2 id="learning-title">"My learning"</h2>
                                    <p>{match &team.team_name {
                                        Some(t) => format!("You are in the team {t}."),
                                        None => "You are not in a team yet. Your administrator can add you to one.".to_owned(),
                                    }}</p>
                                    {(!managers.is_empty()).then(|| view! { <p>{format!("Your manager: {managers}.")}</p> })}
                                    <p>"Your assigned courses, their due dates and where you left off."</p>
                                    <p><a class="button primary" href="/learn">"Open my learning"</a></p>
                                </section>
                            }
                        })}
                        {has(Role::Manager).then(|| view! {
                            <section class="card" aria-labelledby="mgr-title">
                                <h2 id="mgr-title">"My teams"</h2>
                                <p>"See who is in the teams you manage."</p>
                                <p><a class="button" href="/team">"Open my teams"</a></p>
                            </section>
                        })}
                        {has(Role::Trainer).then(|| view! {
                            <section class="card" aria-labelledby="trainer-title">
                                <h2 id="trainer-title">"Training content"</h2>
                                <p>"Courses are written as markdown files in the content folder; see content/README.md for the format."</p>
                            </section>
                        })}
                        {has(Role::Admin).then(|| view! {
                            <section class="card" aria-labelledby="admin-title">
                                <h2 id="admin-title">"Administration"</h2>
                                <p>"Invite people, give them roles and put them in teams."</p>
                                <p><a class="button" href="/admin/users">"Manage people"</a>" "<a class="button" href="/admin/teams">"Manage teams"</a></p>
                            </section>
                        })}
                    </div>
                }
                .into_any()
            })}
        </Suspense>
    }
}
