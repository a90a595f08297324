//! Administration pages: people and teams.

use crate::api::admin::{
    get_team, get_user, list_teams, list_users, TeamSummary, UserFilter, UserSummary,
};
use crate::api::AppError;
use crate::components::{loading, ErrorNotice, FilterSelect, Flash};
use crate::domain::time::format_datetime;
use crate::domain::{Role, Roles};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_label(u: &UserSummary) -> &'static str {
    if u.disabled {
        "Disabled"
    } else if !u.has_password {
        "Invited"
    } else {
        "Active"
    }
}

/// One checkbox per role, ticked for the roles given.
#[component]
fn RoleCheckboxes(roles: Roles, #[prop(into)] id_prefix: String) -> impl IntoView {
    view! {
        <fieldset class="checks">
            <legend>"Roles"</legend>
            {Role::ALL.into_iter().map(|r| {
                let id = format!("{id_prefix}-role-{}", r.as_str());
                view! {
                    <label for=id.clone()>
                        <input type="checkbox" id=id.clone() name=format!("roles[role_{}]", r.as_str()) value="on" checked=roles.has(r) />
                        {r.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// A choice of team, with "no team" first.
#[component]
fn TeamSelect(
    teams: Vec<TeamSummary>,
    selected: Option<i64>,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>"Team"</label>
            <select id=id name="team_id">
                <option value="" selected=selected.is_none()>"No team"</option>
                {teams.into_iter().map(|t| view! {
                    <option value=t.id.to_string() selected=selected == Some(t.id)>{t.name}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> UserFilter {
    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
    UserFilter {
        q: get("q"),
        team: get("team"),
        role: get("role"),
        status: get("status"),
        page: get("page"),
    }
}

fn page_link(f: &UserFilter, page: i64) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &f.q),
        ("team", &f.team),
        ("role", &f.role),
        ("status", &f.status),
    ] {
        if let Some(v) = v {
            pairs.push((k, v.clone()));
        }
    }
    pairs.push(("page", page.to_string()));
    let q = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::components::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("/admin/users?{q}")
}

/// People: search, filter, page through, and invite someone new.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    // The resource yields the filter with the page of people, so the view
    // never reads a reactive value after an `.await` (by then the page may
    // have been disposed, e.g. by a redirect).
    let users = Resource::new(
        move || query.with(filter_from_query),
        |f| async move { list_users(Some(f.clone())).await.map(|list| (f, list)) },
    );
    let teams = Resource::new(|| (), |_| list_teams());
    let new_email = query.read_untracked().get("new_email").unwrap_or_default();
    let new_name = query.read_untracked().get("new_name").unwrap_or_default();

    view! {
        <Title text="People" />
        <div class="page-heading">
            <h1>"People"</h1>
            <p class="lead">"Everyone with an account, their roles and their team."</p>
        </div>
        <Flash />
        <Suspense fallback=loading>
            {move || {
                let (new_email, new_name) = (new_email.clone(), new_name.clone());
                Suspend::new(async move {
                    let ((f, list), teams) = match (users.await, teams.await) {
                        (Ok(l), Ok(t)) => (l, t),
                        (Err(e), _) | (_, Err(e)) => return view! { <ErrorNotice error=e /> }.into_any(),
                    };
                    let pages = ((list.total + list.per_page - 1) / list.per_page).max(1);
                    let teams_for_new = teams.clone();
                    view! {
                        <form method="get" action="/admin/users" class="filters" role="search" aria-label="Filter people">
                            <div class="field">
                                <label for="f-q">"Name or email"</label>
                                <input id="f-q" name="q" type="search" value=f.q.clone().unwrap_or_default() />
                            </div>
                            <FilterSelect id="f-team" name="team" label="Team" any="All teams"
                                options=teams.iter().map(|t| (t.id.to_string(), t.name.clone())).collect()
                                selected=f.team.clone() />
                            <FilterSelect id="f-role" name="role" label="Role" any="Any role"
                                options=Role::ALL.into_iter().map(|r| (r.as_str().to_owned(), r.label().to_owned())).collect()
                                selected=f.role.clone() />
                            <FilterSelect id="f-status" name="status" label="Status" any="Any status"
                                options=[("active", "Active"), ("invited", "Invited"), ("disabled", "Disabled")].into_iter().map(|(v, l)| (v.to_owned(), l.to_owned())).collect()
                                selected=f.status.clone() />
                            <button type="submit" class="button">"Filter"</button>
                        </form>
                        <p role="status">{format!("{} {} found.", list.total, if list.total == 1 { "person" } else { "people" })}</p>
                        <div class="table-wrap" tabindex="0" role="region" aria-label="People table">
                            <table>
                                <caption class="visually-hidden">"People"</caption>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Roles"</th>
                                    <th scope="col">"Team"</th><th scope="col">"Status"</th><th scope="col">"Last sign-in"</th>
                                </tr></thead>
                                <tbody>
                                    {list.users.into_iter().map(|u| view! {
                                        <tr>
                                            <td><a href=format!("/admin/users/{}", u.id)>{u.name.clone()}</a></td>
                                            <td>{u.email.clone()}</td>
                                            <td>{u.roles.labels()}</td>
                                            <td>{u.team_name.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td>{status_label(&u)}</td>
                                            <td>{u.last_login_at.map(format_datetime).unwrap_or_else(|| "Never".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(pages > 1).then(|| view! {
                            <nav class="pager" aria-label="Pages">
                                {(list.page > 1).then(|| view! { <a href=page_link(&f, list.page - 1) rel="prev">"Previous"</a> })}
                                <span>{format!("Page {} of {pages}", list.page)}</span>
                                {(list.page < pages).then(|| view! { <a href=page_link(&f, list.page + 1) rel="next">"Next"</a> })}
                            </nav>
                        })}
                        <section class="card" aria-labelledby="new-user-title">
                            <h2 id="new-user-title">"Invite someone"</h2>
                            <p>"They get a link to choose their own password. You will see the link once, to send to them."</p>
                            <form method="post" action="/api/admin_create_user" class="stack">
                                <div class="field">
                                    <label for="new-email">"Email"</label>
                                    <input id="new-email" name="email" type="email" required value=new_email autocomplete="off" />
                                </div>
                                <div class="field">
                                    <label for="new-name">"Name"</label>
                                    <input id="new-name" name="name" type="text" required maxlength="100" value=new_name autocomplete="off" />
                                </div>
                                <TeamSelect teams=teams_for_new selected=None id="new-team" />
                                <RoleCheckboxes roles=Roles::new([Role::Employee]) id_prefix="new" />
                                <button type="submit" class="button primary">"Create account"</button>
                            </form>
                        </section>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()))
}

/// One person: edit name, roles and team; disable; issue a new link.
#[component]
pub fn UserPage() -> impl IntoView {
    let id = id_param();
    let user = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(AppError::not_found("That person")),
            }
        },
    );
    let teams = Resource::new(|| (), |_| list_teams());
    let query = use_query_map();

    view! {
        <Title text="Person" />
        <p class="breadcrumb"><a href="/admin/users">"← People"</a></p>
        <Suspense fallback=loading>
            {move || {
                let invite = query.with(|q| q.get("invite").filter(|t| !t.is_empty()));
                let created = query.with(|q| q.get("created").is_some());
                let emailed = query.with(|q| q.get("emailed").is_some());
                Suspend::new(async move {
                let (detail, teams) = match (user.await, teams.await) {
                    (Ok(d), Ok(t)) => (d, t),
                    (Err(e), _) | (_, Err(e)) => return view! { <ErrorNotice error=e /> }.into_any(),
                };
                let u = detail.user.clone();
                view! {
                    <div class="page-heading">
                        <h1>{u.name.clone()}</h1>
                        <p class="lead">{format!("{} · {}", u.email, status_label(&u))}</p>
                    </div>
                    <Flash />
                    {created.then(|| view! { <div class="flash flash-ok" role="status"><p>"The account is created."</p></div> })}
                    {invite.map(|token| view! {
                        <div class="flash flash-ok invite-link" role="status">
                            <p>{if emailed {
                                format!("An email with this link is on its way to {}. You can also pass it on yourself: it works once and for 7 days; you will not see it again.", u.email)
                            } else {
                                "Send this link to the person so they can choose their password. It works once and for 7 days; you will not see it again.".to_owned()
                            }}</p>
                            <p><code class="copyable">{format!("/invite/{token}")}</code></p>
                        </div>
                    })}
                    <dl class="facts">
                        <dt>"Last sign-in"</dt><dd>{u.last_login_at.map(format_datetime).unwrap_or_else(|| "Never".into())}</dd>
                        <dt>"Active sessions"</dt><dd>{detail.active_sessions}</dd>
                        <dt>"Manages"</dt><dd>{if detail.manages.is_empty() { "No team".to_owned() } else { detail.manages.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", ") }}</dd>
                        <dt>"Invitation"</dt><dd>{if detail.invite_pending { "A link is waiting to be used" } else if u.has_password { "Password set" } else { "No valid link: issue a new one" }}</dd>
                    </dl>
                    <section class="card" aria-labelledby="edit-title">
                        <h2 id="edit-title">"Details"</h2>
                        <form method="post" action="/api/admin_update_user" class="stack">
                            <input type="hidden" name="id" value=u.id.to_string() />
                            <div class="field">
                                <label for="edit-name">"Name"</label>
                                <input id="edit-name" name="name" type="text" required maxlength="100" value=u.name.clone() />
                            </div>
                            <TeamSelect teams=teams selected=u.team_id id="edit-team" />
                            <RoleCheckboxes roles=u.roles.clone() id_prefix="edit" />
                            <button type="submit" class="button primary">"Save changes"</button>
                        </form>
                    </section>
                    <section class="card" aria-labelledby="access-title">
                        <h2 id="access-title">"Access"</h2>
                        <form method="post" action="/api/admin_new_invite" class="inline-form">
                            <input type="hidden" name="id" value=u.id.to_string() />
                            <button type="submit" class="button" disabled=u.disabled>"Issue a new sign-in link"</button>
                            <span class="hint">"For a new person, or someone who forgot their password."</span>
                        </form>
                        <form method="post" action="/api/admin_set_disabled" class="inline-form">
                            <input type="hidden" name="id" value=u.id.to_string() />
                            <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                            {if u.disabled {
                                view! { <button type="submit" class="button">"Enable account"</button> }.into_any()
                            } else {
                                view! {
                                    <button type="submit" class="button danger">"Disable account"</button>
                                    <span class="hint">"Signs the person out everywhere at once. Their records are kept."</span>
                                }.into_any()
                            }}
                        </form>
                    </section>
                }
                .into_any()
            })}}
        </Suspense>
    }
}

/// Teams: list and create.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let teams = Resource::new(|| (), |_| list_teams());
    let new_name = use_query_map()
        .read_untracked()
        .get("new_name")
        .unwrap_or_default();
    view! {
        <Title text="Teams" />
        <div class="page-heading">
            <h1>"Teams"</h1>
            <p class="lead">"Teams group people; managers see the progress of the teams they manage."</p>
        </div>
        <Flash />
        <Suspense fallback=loading>
            {move || {
                let new_name = new_name.clone();
                Suspend::new(async move {
                    match teams.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(teams) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Teams table">
                                <table>
                                    <caption class="visually-hidden">"Teams"</caption>
                                    <thead><tr><th scope="col">"Team"</th><th scope="col">"People"</th><th scope="col">"Managers"</th></tr></thead>
                                    <tbody>
                                        {teams.into_iter().map(|t| view! {
                                            <tr>
                                                <td><a href=format!("/admin/teams/{}", t.id)>{t.name.clone()}</a></td>
                                                <td>{t.members}</td>
                                                <td>{if t.managers.is_empty() { "None yet".to_owned() } else { t.managers.iter().map(|m| m.name.clone()).collect::<Vec<_>>().join(", ") }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <section class="card" aria-labelledby="new-team-title">
                                <h2 id="new-team-title">"New team"</h2>
                                <form method="post" action="/api/admin_create_team" class="inline-form">
                                    <div class="field">
                                        <label for="team-name">"Team name"</label>
                                        <input id="team-name" name="name" type="text" required maxlength="80" value=new_name />
                                    </div>
                                    <button type="submit" class="button primary">"Create team"</button>
                                </form>
                            </section>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// One team: rename, managers, members.
#[component]
pub fn TeamPage() -> impl IntoView {
    let id = id_param();
    let team = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_team(id).await,
                None => Err(AppError::not_found("That team")),
            }
        },
    );
    view! {
        <Title text="Team" />
        <p class="breadcrumb"><a href="/admin/teams">"← Teams"</a></p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match team.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => {
                        let tid = d.team.id.to_string();
                        view! {
                            <div class="page-heading">
                                <h1>{d.team.name.clone()}</h1>
                                <p class="lead">{format!("{} people", d.team.members)}</p>
                            </div>
                            <Flash />
                            <section class="card" aria-labelledby="rename-title">
                                <h2 id="rename-title">"Name"</h2>
                                <form method="post" action="/api/admin_rename_team" class="inline-form">
                                    <input type="hidden" name="id" value=tid.clone() />
                                    <div class="field">
                                        <label for="rename">"Team name"</label>
                                        <input id="rename" name="name" type="text" required maxlength="80" value=d.team.name.clone() />
                                    </div>
                                    <button type="submit" class="button">"Rename"</button>
                                </form>
                            </section>
                            <section class="card" aria-labelledby="managers-title">
                                <h2 id="managers-title">"Managers"</h2>
                                {if d.team.managers.is_empty() {
                                    view! { <p>"Nobody manages this team yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="plain">
                                            {d.team.managers.iter().map(|m| view! {
                                                <li>
                                                    {format!("{} ({})", m.name, m.email)}
                                                    <form method="post" action="/api/admin_remove_manager" class="inline">
                                                        <input type="hidden" name="team_id" value=tid.clone() />
                                                        <input type="hidden" name="user_id" value=m.id.to_string() />
                                                        <button type="submit" class="link-button" aria-label=format!("Remove {} as manager", m.name)>"Remove"</button>
                                                    </form>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <form method="post" action="/api/admin_add_manager" class="inline-form">
                                    <input type="hidden" name="team_id" value=tid.clone() />
                                    <div class="field">
                                        <label for="mgr-email">"Email of the new manager"</label>
                                        <input id="mgr-email" name="email" type="email" required />
                                    </div>
                                    <button type="submit" class="button">"Add manager"</button>
                                </form>
                            </section>
                            <section class="card" aria-labelledby="members-title">
                                <h2 id="members-title">"People in this team"</h2>
                                <p class="hint">"Change a person's team on their page."</p>
                                <ul class="plain columns">
                                    {d.members.into_iter().map(|m| view! {
                                        <li><a href=format!("/admin/users/{}", m.id)>{m.name}</a></li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn outbox_status_label(s: &str) -> &'static str {
    crate::api::mail::OUTBOX_STATUSES
        .iter()
        .find(|(v, _)| *v == s)
        .map_or("Unknown", |(_, l)| *l)
}

/// Email: whether it is on, and the outbox (queued, sent, refused, with the
/// server's reason).
#[component]
pub fn OutboxPage() -> impl IntoView {
    use crate::api::mail::{admin_outbox, OUTBOX_STATUSES};
    let query = use_query_map();
    let backfilled = query
        .read_untracked()
        .get("backfilled")
        .filter(|n| n.chars().all(|c| c.is_ascii_digit()));
    let outbox = Resource::new(
        move || query.with(|q| q.get("status").filter(|s| !s.is_empty())),
        admin_outbox,
    );
    view! {
        <Title text="Email" />
        <div class="page-heading">
            <h1>"Email"</h1>
            <p class="lead">"Reminders, invitations, certificates and digests go out from the outbox. Each is written when its event happens and sent once."</p>
        </div>
        <Flash />
        <Suspense fallback=loading>
            {move || {
                let backfilled = backfilled.clone();
                Suspend::new(async move {
                match outbox.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(v) => view! {
                        {if v.email_on {
                            view! {
                                <dl class="facts">
                                    <dt>"Email"</dt><dd>"On"</dd>
                                    <dt>"SMTP server"</dt><dd>{v.server.clone().unwrap_or_default()}</dd>
                                    <dt>"Sent as"</dt><dd>{v.from.clone().unwrap_or_default()}</dd>
                                    <dt>"Links point to"</dt><dd>{v.public_url.clone().unwrap_or_default()}</dd>
                                </dl>
                            }.into_any()
                        } else {
                            view! {
                                <div class="flash" role="status">
                                    <p>"Email is off: this server has no SMTP server configured, so reminders appear only on My learning and invitation links are shown to you to pass on."</p>
                                    <p>"To turn it on, start Rapport with "<code>"--smtp-url"</code>", "<code>"--mail-from"</code>" and "<code>"--public-url"</code>" (or RAPPORT_SMTP_URL, RAPPORT_MAIL_FROM and RAPPORT_PUBLIC_URL)."</p>
                                </div>
                            }.into_any()
                        }}
                        <h2>"Outbox"</h2>
                        <ul class="stat-list">
                            {OUTBOX_STATUSES.iter().map(|(s, label)| {
                                let n = v.counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
                                view! { <li><a href=format!("/admin/email?status={s}")>{format!("{label}: {n}")}</a></li> }
                            }).collect_view()}
                        </ul>
                        <form method="get" action="/admin/email" class="inline-form">
                            <FilterSelect id="outbox-status" name="status" label="Status" any="All"
                                options=OUTBOX_STATUSES.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect()
                                selected=v.status.clone() />
                            <button type="submit" class="button">"Show"</button>
                        </form>
                        <h2>"Learning record store (xAPI)"</h2>
                        {match v.xapi_endpoint.clone() {
                            Some(endpoint) => view! {
                                <p>{format!("Statements of what learners do go to {endpoint}.")}</p>
                                {backfilled.clone().map(|n| view! {
                                    <div class="flash flash-ok" role="status"><p>{format!("{n} statements of past attempts are on their way to the LRS.")}</p></div>
                                })}
                                <form method="post" action="/api/admin_xapi_backfill" class="inline-form">
                                    <p class="hint">"Attempts finished before xAPI was turned on were not sent. Send them now, dated when they finished; pressing this again sends nothing twice."</p>
                                    <button type="submit" class="button">"Send past attempts"</button>
                                </form>
                                <ul class="stat-list">
                                    {["queued", "sent", "failed", "gave_up"].into_iter().map(|s| {
                                        let n = v.xapi_counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
                                        view! { <li>{format!("{}: {n}", outbox_status_label(s))}</li> }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            None => view! {
                                <p>"xAPI is off. To send statements to your LRS, start Rapport with "<code>"--xapi-endpoint"</code>", "<code>"--xapi-key"</code>" and "<code>"--xapi-secret"</code>"."</p>
                            }.into_any(),
                        }}
                        <h2>"Recent email"</h2>
                        {if v.rows.is_empty() {
                            view! { <p>"No messages yet."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-label="Recent messages table">
                                    <table>
                                        <caption class="visually-hidden">"The most recent messages"</caption>
                                        <thead><tr>
                                            <th scope="col">"Written"</th><th scope="col">"To"</th><th scope="col">"Subject"</th>
                                            <th scope="col">"Status"</th><th scope="col">"Attempts"</th><th scope="col">"Reason"</th>
                                        </tr></thead>
                                        <tbody>
                                            {v.rows.into_iter().map(|r| view! {
                                                <tr>
                                                    <td>{format_datetime(r.created_at)}</td>
                                                    <td>{r.recipient}</td>
                                                    <td>{r.subject}</td>
                                                    <td>{outbox_status_label(&r.status)}</td>
                                                    <td>{r.attempts}</td>
                                                    <td>{r.last_error.unwrap_or_default()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any(),
                }
            })}}
        </Suspense>
    }
}
