//! Single sign-on: the identity providers people sign in with.

use crate::api::sso::{sso_settings, ProviderForm, ProviderView};
use crate::components::{escape_html, loading, ErrorNotice};
use crate::domain::time::format_datetime;
use crate::domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What a provider form starts with: the stored provider, or what was typed
/// before a refusal (never the secret).
#[derive(Clone, Default)]
struct Filled {
    id: Option<i64>,
    label: String,
    issuer: String,
    client_id: String,
    has_secret: bool,
    domains: String,
    passwords_off: bool,
    allow_create: bool,
    trust_email: bool,
    sync_mapping: bool,
    default_team: Option<i64>,
    default_role: String,
    map_claim: String,
    map_rules: String,
    endpoint_hosts: String,
}

impl From<&ProviderForm> for Filled {
    /// A refused form as its admin posted it (the server kept it).
    fn from(f: &ProviderForm) -> Self {
        let on = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|s| !s.is_empty() && s != "0" && s != "false")
        };
        Filled {
            id: f.id.filter(|i| *i > 0),
            label: f.label.clone(),
            issuer: f.issuer.clone(),
            client_id: f.client_id.clone(),
            has_secret: f.id.is_some_and(|i| i > 0),
            domains: f.domains.clone(),
            passwords_off: on(&f.passwords_off),
            allow_create: on(&f.allow_create),
            trust_email: on(&f.trust_email),
            sync_mapping: on(&f.sync_mapping),
            default_team: f.default_team.as_deref().and_then(|t| t.parse().ok()),
            default_role: f.default_role.clone(),
            map_claim: f.map_claim.clone(),
            map_rules: f.map_rules.clone(),
            endpoint_hosts: f.endpoint_hosts.clone(),
        }
    }
}

impl From<&ProviderView> for Filled {
    fn from(p: &ProviderView) -> Self {
        Filled {
            id: Some(p.id),
            label: p.label.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            has_secret: p.has_secret,
            domains: p.domains.clone(),
            passwords_off: p.passwords_off,
            allow_create: p.allow_create,
            trust_email: p.trust_email,
            sync_mapping: p.sync_mapping,
            default_team: p.default_team_id,
            default_role: p.default_role.clone(),
            map_claim: p.map_claim.clone(),
            map_rules: p.map_rules.clone(),
            endpoint_hosts: p.endpoint_hosts.clone(),
        }
    }
}

#[component]
fn ProviderFields(f: Filled, teams: Vec<(i64, String)>) -> impl IntoView {
    let p = f.id.map_or("new".to_owned(), |i| i.to_string());
    let id = move |name: &str| format!("sso-{p}-{name}");
    let secret_hint = if f.has_secret {
        "Leave empty to keep the stored secret."
    } else {
        "From the app registration at your provider."
    };
    view! {
        <input type="hidden" name="form[id]" value=f.id.map(|i| i.to_string()).unwrap_or_default() />
        <div class="field">
            <label for=id("label")>"Button label"</label>
            <input id=id("label") name="form[label]" type="text" required maxlength="60" value=f.label.clone()
                placeholder="Contoso" aria-describedby=id("label-hint") />
            <p class="hint" id=id("label-hint")>"Shown as “Sign in with …” on the sign-in page."</p>
        </div>
        <div class="field">
            <label for=id("issuer")>"Issuer URL"</label>
            <input id=id("issuer") name="form[issuer]" type="url" required maxlength="500" value=f.issuer.clone()
                placeholder="https://login.microsoftonline.com/<tenant id>/v2.0" aria-describedby=id("issuer-hint") />
            <p class="hint" id=id("issuer-hint")>"Rapport reads the rest from the issuer's /.well-known/openid-configuration when you save."</p>
        </div>
        <div class="field">
            <label for=id("hosts")>"Other hosts (optional)"</label>
            <input id=id("hosts") name="form[endpoint_hosts]" type="text" maxlength="500" value=f.endpoint_hosts.clone()
                placeholder="oauth2.googleapis.com www.googleapis.com" aria-describedby=id("hosts-hint") />
            <p class="hint" id=id("hosts-hint")>"Rapport fetches the provider's keys and exchanges sign-in codes only on the issuer's host and these (Google uses googleapis.com)."</p>
        </div>
        <div class="field">
            <label for=id("client")>"Client ID"</label>
            <input id=id("client") name="form[client_id]" type="text" required maxlength="300" value=f.client_id.clone() />
        </div>
        <div class="field">
            <label for=id("secret")>"Client secret"</label>
            <input id=id("secret") name="form[client_secret]" type="password" autocomplete="off" maxlength="2000"
                required=!f.has_secret aria-describedby=id("secret-hint") />
            <p class="hint" id=id("secret-hint")>{secret_hint}</p>
        </div>
        <div class="field">
            <label for=id("domains")>"Email domains"</label>
            <input id=id("domains") name="form[domains]" type="text" maxlength="2000" value=f.domains.clone()
                placeholder="contoso.com contoso.co.uk" aria-describedby=id("domains-hint") />
            <p class="hint" id=id("domains-hint")>"People with these addresses are sent to this provider from the password form. Only these addresses may sign in through it (empty: any)."</p>
        </div>
        <fieldset class="checks">
            <legend>"Rules"</legend>
            <label><input type="checkbox" name="form[passwords_off]" checked=f.passwords_off />" Passwords off for these domains (they sign in only through the provider)"</label>
            <label><input type="checkbox" name="form[allow_create]" checked=f.allow_create />" Create people on their first sign-in"</label>
            <label><input type="checkbox" name="form[trust_email]" checked=f.trust_email />" Trust this provider's email addresses without an email_verified claim (Microsoft Entra ID sends none)"</label>
        </fieldset>
        <div class="field">
            <label for=id("team")>"Team of new people"</label>
            <select id=id("team") name="form[default_team]">
                <option value="" selected=f.default_team.is_none()>"No team"</option>
                {teams.into_iter().map(|(tid, name)| view! {
                    <option value=tid.to_string() selected=f.default_team == Some(tid)>{name}</option>
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for=id("role")>"Role of new people"</label>
            <select id=id("role") name="form[default_role]">
                {Role::ALL.into_iter().map(|r| {
                    let selected = f.default_role == r.as_str() || (f.default_role.is_empty() && r == Role::Employee);
                    view! { <option value=r.as_str() selected=selected>{r.label()}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for=id("claim")>"Claim that chooses team and role (optional)"</label>
            <input id=id("claim") name="form[map_claim]" type="text" maxlength="100" value=f.map_claim.clone() placeholder="groups" />
        </div>
        <div class="field">
            <label for=id("rules")>"Mapping, one rule a line (optional)"</label>
            <textarea id=id("rules") name="form[map_rules]" rows="4" maxlength="20000" aria-describedby=id("rules-hint")
                inner_html=escape_html(&f.map_rules)></textarea>
            <p class="hint" id=id("rules-hint")>"For example “Sales-EMEA = team: Sales EMEA”, “Trainers = role: trainer” or “Store-Leads-North = manages: North”. The first matching team and every matching role apply to people created on their first sign-in (with no matching role they get the role above); “manages:” makes them a manager of that team's dashboard."</p>
        </div>
        <fieldset class="checks">
            <legend>"After the first sign-in"</legend>
            <label><input type="checkbox" name="form[sync_mapping]" checked=f.sync_mapping aria-describedby=id("sync-hint") />" Keep team and roles in step with the mapping at every sign-in"</label>
        </fieldset>
        <p class="hint" id=id("sync-hint")>"When someone moves team or role at the provider, Rapport follows at their next sign-in: the first matching team, and the matching roles in place of employee, trainer and manager (administrators stay administrators), and, when the rules use “manages:”, exactly the teams they name. With no matching rule nothing changes."</p>
    }
}

#[component]
pub fn SsoPage() -> impl IntoView {
    let query = use_query_map();
    let q = query.read_untracked();
    // Only the name of a refused form this admin posted comes from the
    // address; its values and the reason come from the server.
    let refused_token = q.get("refused");
    let saved = q.get("saved").is_some();
    let removed = q.get("removed").is_some();
    drop(q);
    let settings = Resource::new(move || refused_token.clone(), sso_settings);
    view! {
        <Title text="Single sign-on" />
        <div class="page-heading">
            <h1>"Single sign-on"</h1>
            <p class="lead">"People sign in with the account they already have at your company's identity provider (Microsoft Entra ID, Okta, Google Workspace, OneLogin or any OpenID Connect provider)."</p>
        </div>
        {saved.then(|| view! { <div class="flash flash-ok" role="status"><p>"Saved. The provider answered with its discovery document."</p></div> })}
        {removed.then(|| view! { <div class="flash flash-ok" role="status"><p>"The provider was removed."</p></div> })}
        <Suspense fallback=loading>
            {move || {
                Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(s) => {
                            let teams = s.teams.clone();
                            let (typed_for, typed_values) = match &s.refused {
                                Some(r) => (Some(r.form.id.filter(|i| *i > 0)), Some(Filled::from(&r.form))),
                                None => (None, None),
                            };
                            let refused_why = s.refused.as_ref().map(|r| r.error.clone());
                            view! {
                                {refused_why.map(|e| view! { <div class="flash flash-error" role="alert"><p>{e}</p></div> })}
                                <section class="card" aria-labelledby="sso-register">
                                    <h2 id="sso-register">"Register Rapport with your provider"</h2>
                                    <p>"Create a web app (OpenID Connect, authorization code flow) at your provider with this redirect URI, then add it below with its client ID and secret."</p>
                                    <p><code>{s.callback_url.clone()}</code></p>
                                </section>
                                {if s.providers.is_empty() {
                                    view! { <p>"No provider yet: everyone signs in with a password."</p> }.into_any()
                                } else {
                                    s.providers.iter().map(|p| {
                                        let open = typed_for == Some(Some(p.id));
                                        let filled = if open { typed_values.clone().unwrap_or_default() } else { Filled::from(p) };
                                        let pid = p.id;
                                        view! {
                                            <section class="card" id=format!("provider-{pid}") aria-labelledby=format!("provider-{pid}-title")>
                                                <h2 id=format!("provider-{pid}-title")>{p.label.clone()}</h2>
                                                <dl class="facts">
                                                    <dt>"Issuer"</dt><dd>{p.issuer.clone()}</dd>
                                                    <dt>"Client ID"</dt><dd>{p.client_id.clone()}</dd>
                                                    <dt>"Domains"</dt><dd>{if p.domains.is_empty() { "Any".to_owned() } else { p.domains.clone() }}</dd>
                                                    <dt>"Passwords"</dt><dd>{if p.passwords_off { "Off for these domains" } else { "Allowed" }}</dd>
                                                    <dt>"New people"</dt><dd>{if p.allow_create {
                                                        format!("Created on first sign-in as {}{}", Role::parse(&p.default_role).map_or("Employee", |r| r.label()), p.default_team.as_ref().map(|t| format!(" in {t}")).unwrap_or_default())
                                                    } else { "Must be added by an administrator first".to_owned() }}</dd>
                                                    <dt>"Team and roles"</dt><dd>{if p.sync_mapping { "Follow the mapping at every sign-in" } else { "Set once, then by administrators" }}</dd>
                                                </dl>
                                                {p.last_error.clone().map(|e| view! {
                                                    <div class="flash flash-error" role="alert"><p>{format!("Last problem ({}): {e}", p.last_error_at.map(format_datetime).unwrap_or_default())}</p></div>
                                                })}
                                                {if p.managed {
                                                    view! { <p class="hint">"Set by the server's configuration (--sso-config); change it there."</p> }.into_any()
                                                } else {
                                                    view! {
                                                        <details open=open>
                                                            <summary>"Edit"</summary>
                                                            <form method="post" action="/api/admin_save_sso" class="stack">
                                                                <ProviderFields f=filled teams=teams.clone() />
                                                                <button type="submit" class="button primary">"Save and check"</button>
                                                            </form>
                                                        </details>
                                                        <form method="post" action="/api/admin_delete_sso" class="inline-form">
                                                            <input type="hidden" name="id" value=pid.to_string() />
                                                            <button type="submit" class="button danger">{format!("Remove {}", p.label)}</button>
                                                        </form>
                                                    }.into_any()
                                                }}
                                            </section>
                                        }
                                    }).collect_view().into_any()
                                }}
                                <section class="card" aria-labelledby="sso-new">
                                    <h2 id="sso-new">"Add a provider"</h2>
                                    {
                                        let open = typed_for == Some(None);
                                        let filled = if open { typed_values.clone().unwrap_or_default() } else { Filled::default() };
                                        view! {
                                            <details open=open || s.providers.is_empty()>
                                                <summary>"New provider"</summary>
                                                <form method="post" action="/api/admin_save_sso" class="stack">
                                                    <ProviderFields f=filled teams=teams.clone() />
                                                    <button type="submit" class="button primary">"Save and check"</button>
                                                </form>
                                            </details>
                                        }
                                    }
                                </section>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}
