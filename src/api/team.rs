//! What a person sees of their own team and, as a manager, of the teams
//! they manage.

use super::admin::{PersonRef, TeamDetail};
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamMembership {
    pub team_name: Option<String>,
    pub managers: Vec<PersonRef>,
}

/// The caller's own team and its managers.
#[server(endpoint = "my_team")]
pub async fn my_team() -> Result<TeamMembership, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let me = guard::require_user()?;
    accounts::my_team(&state.db, me.id).await
}

/// The teams the caller manages, with their members. Managers only; each
/// manager sees exactly the teams they manage.
#[server(endpoint = "managed_teams")]
pub async fn managed_teams() -> Result<Vec<TeamDetail>, AppError> {
    use crate::domain::Role;
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let me = guard::require_role(&[Role::Manager])?;
    accounts::managed_teams(&state.db, me.id).await
}
