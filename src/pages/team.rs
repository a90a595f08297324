use crate::api::team::managed_teams;
use crate::components::{loading, ErrorNotice};
use leptos::prelude::*;
use leptos_meta::Title;

/// A manager's teams and the people in them.
#[component]
pub fn ManagedTeamsPage() -> impl IntoView {
    let teams = Resource::new(|| (), |_| managed_teams());
    view! {
        <Title text="My teams" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match teams.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(teams) => view! {
                        <div class="page-heading">
                            <h1>"My teams"</h1>
                            <p class="lead">{match teams.len() {
                                0 => "You do not manage any team yet. An administrator can make you a team's manager.".to_owned(),
                                1 => "The team you manage.".to_owned(),
                                n => format!("The {n} teams you manage."),
                            }}</p>
                        </div>
                        {teams.into_iter().map(|t| view! {
                            <section class="card" aria-labelledby=format!("team-{}", t.team.id)>
                                <h2 id=format!("team-{}", t.team.id)>{t.team.name.clone()}</h2>
                                <p>{format!("{} people", t.team.members)}</p>
                                <table>
                                    <caption class="visually-hidden">{format!("People in {}", t.team.name)}</caption>
                                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th></tr></thead>
                                    <tbody>
                                        {t.members.into_iter().map(|m| view! {
                                            <tr><td>{m.name}</td><td>{m.email}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }).collect_view()}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
