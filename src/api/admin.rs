//! Administration of people and teams. Every function here is for admins only.

use super::AppError;
use crate::domain::Roles;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub roles: Roles,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub disabled: bool,
    pub has_password: bool,
    pub last_login_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamRef {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserSummary,
    pub manages: Vec<TeamRef>,
    pub active_sessions: i64,
    pub invite_pending: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub managers: Vec<PersonRef>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub team: TeamSummary,
    pub members: Vec<PersonRef>,
}

/// Filters of the people list, as they appear in the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFilter {
    pub q: Option<String>,
    pub team: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

/// Roles ticked in a form: one checkbox per role (`roles[role_admin]=on`),
/// present when ticked. The whole group is absent when none is ticked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleBoxes {
    pub role_employee: Option<String>,
    pub role_trainer: Option<String>,
    pub role_manager: Option<String>,
    pub role_admin: Option<String>,
}

impl RoleBoxes {
    pub fn roles(&self) -> Roles {
        use crate::domain::Role;
        let ticked = |b: &Option<String>| b.is_some();
        Roles::new(
            [
                (ticked(&self.role_employee), Role::Employee),
                (ticked(&self.role_trainer), Role::Trainer),
                (ticked(&self.role_manager), Role::Manager),
                (ticked(&self.role_admin), Role::Admin),
            ]
            .into_iter()
            .filter_map(|(on, r)| on.then_some(r)),
        )
    }
}

#[server(endpoint = "admin_users")]
pub async fn list_users(filter: Option<UserFilter>) -> Result<UserList, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    guard::require_admin()?;
    accounts::list_users(&state.db, &filter.unwrap_or_default()).await
}

#[server(endpoint = "admin_user")]
pub async fn get_user(id: i64) -> Result<UserDetail, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    guard::require_admin()?;
    accounts::user_detail(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("That person"))
}

/// Creates an account and an invitation link the new person uses to choose
/// their password. The link is shown to the admin once.
#[server(endpoint = "admin_create_user")]
pub async fn create_user(
    email: String,
    name: String,
    team_id: Option<String>,
    roles: Option<RoleBoxes>,
) -> Result<i64, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::create_user_with_invite(
        &state.db,
        &state.mail,
        admin.id,
        &email,
        &name,
        team_id.as_deref(),
        &roles.unwrap_or_default().roles(),
    )
    .await;
    match &result {
        Ok((id, token)) => {
            let mut params = vec![("invite", token.as_str()), ("created", "1")];
            if state.mail.settings().is_some() {
                params.push(("emailed", "1"));
            }
            guard::redirect(&guard::url_with(&format!("/admin/users/{id}"), &params))
        }
        Err(e) => guard::redirect(&guard::url_with(
            "/admin/users",
            &[
                ("error", &e.to_string()),
                ("new_email", &email),
                ("new_name", &name),
            ],
        )),
    }
    result.map(|(id, _)| id)
}

#[server(endpoint = "admin_update_user")]
pub async fn update_user(
    id: i64,
    name: String,
    team_id: Option<String>,
    roles: Option<RoleBoxes>,
) -> Result<(), AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::update_user(
        &state.db,
        admin.id,
        id,
        &name,
        team_id.as_deref(),
        &roles.unwrap_or_default().roles(),
    )
    .await;
    let back = format!("/admin/users/{id}");
    guard::redirect_result(&back, &result, |_| format!("{back}?saved=1"));
    result
}

/// Disables or re-enables an account. Disabling ends all its sessions at once.
#[server(endpoint = "admin_set_disabled")]
pub async fn set_disabled(id: i64, disabled: bool) -> Result<(), AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::set_disabled(&state.db, Some(admin.id), id, disabled).await;
    let back = format!("/admin/users/{id}");
    guard::redirect_result(&back, &result, |_| format!("{back}?saved=1"));
    result
}

/// Issues a fresh invitation (or password reset) link for a person.
#[server(endpoint = "admin_new_invite")]
pub async fn new_invite(id: i64) -> Result<String, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::new_invite(&state.db, &state.mail, admin.id, id).await;
    let back = format!("/admin/users/{id}");
    let emailed = state.mail.settings().is_some();
    guard::redirect_result(&back, &result, |t| {
        let mut params = vec![("invite", t.as_str())];
        if emailed {
            params.push(("emailed", "1"));
        }
        guard::url_with(&back, &params)
    });
    result
}

#[server(endpoint = "admin_teams")]
pub async fn list_teams() -> Result<Vec<TeamSummary>, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    guard::require_admin()?;
    accounts::list_teams(&state.db, None).await
}

#[server(endpoint = "admin_team")]
pub async fn get_team(id: i64) -> Result<TeamDetail, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    guard::require_admin()?;
    accounts::team_detail(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("That team"))
}

#[server(endpoint = "admin_create_team")]
pub async fn create_team(name: String) -> Result<i64, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::create_team(&state.db, admin.id, &name).await;
    match &result {
        Ok(id) => guard::redirect(&format!("/admin/teams/{id}?created=1")),
        Err(e) => guard::redirect(&guard::url_with(
            "/admin/teams",
            &[("error", &e.to_string()), ("new_name", &name)],
        )),
    }
    result
}

#[server(endpoint = "admin_rename_team")]
pub async fn rename_team(id: i64, name: String) -> Result<(), AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::rename_team(&state.db, admin.id, id, &name).await;
    let back = format!("/admin/teams/{id}");
    guard::redirect_result(&back, &result, |_| format!("{back}?saved=1"));
    result
}

/// Makes a person a manager of a team (they also gain the manager role).
#[server(endpoint = "admin_add_manager")]
pub async fn add_manager(team_id: i64, email: String) -> Result<(), AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::add_manager(&state.db, admin.id, team_id, &email).await;
    let back = format!("/admin/teams/{team_id}");
    guard::redirect_result(&back, &result, |_| format!("{back}?saved=1"));
    result
}

#[server(endpoint = "admin_remove_manager")]
pub async fn remove_manager(team_id: i64, user_id: i64) -> Result<(), AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = accounts::remove_manager(&state.db, admin.id, team_id, user_id).await;
    let back = format!("/admin/teams/{team_id}");
    guard::redirect_result(&back, &result, |_| format!("{back}?saved=1"));
    result
}
