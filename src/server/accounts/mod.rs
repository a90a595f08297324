//! Data access: every SQL statement of the accounts feature. Runs unchanged
//! on SQLite and PostgreSQL (`$n` placeholders, `RETURNING id`, integers).
//!
//! Errors: database failures are logged here and become `AppError::Internal`
//! (their text never reaches a browser); a unique-key clash becomes a
//! `Conflict` with a message the person can act on.

mod invites;
mod sessions;
mod teams;
#[cfg(test)]
mod tests;
mod throttle;
mod users;

use super::now;
use crate::api::AppError;
pub use invites::{invite_user, redeem_invite, set_password};
pub use sessions::{
    count_sessions, create_session, credentials, delete_session, session, session_row_user,
    session_user, touch_session, Credentials, SessionRow,
};
use sqlx::{Any, Transaction};
pub use teams::{
    add_manager, create_team, insert_team, list_teams, managed_team_ids, managed_teams, my_team,
    remove_manager, rename_team, team_detail,
};
pub use throttle::{cleanup, clear_failures, lock_bucket, release_attempt, reserve_attempt};
pub use users::{
    count_admins, create_user_with_invite, follow_mapping, insert_user, list_users, new_invite,
    set_disabled, set_managed_teams, update_user, user_detail, user_summary,
};

/// How long an invitation or reset link stays valid.
pub const INVITE_TTL_SECS: i64 = 7 * 24 * 3600;
pub const USERS_PER_PAGE: i64 = 25;

fn parse_team_id(raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::Invalid("Choose a team from the list.".into())),
    }
}

/// Runs a statement whose one parameter (`$1`) is an id.
async fn exec_by_id(tx: &mut Transaction<'_, Any>, sql: &str, id: i64) -> Result<(), AppError> {
    sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    Ok(())
}

pub async fn audit(
    tx: &mut Transaction<'_, Any>,
    actor: Option<i64>,
    action: &str,
    subject: &str,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO audit_log (at, actor_id, action, subject) VALUES ($1, $2, $3, $4)")
        .bind(now())
        .bind(actor)
        .bind(action)
        .bind(subject)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
