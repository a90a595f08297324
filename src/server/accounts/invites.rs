//! Invitations and passwords.

use super::{audit, exec_by_id, INVITE_TTL_SECS};
use crate::api::account::Invitation;
use crate::api::AppError;
use crate::server::db::Db;
use crate::server::now;
use sqlx::{Any, Transaction};

pub(super) async fn insert_invite(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
) -> Result<String, AppError> {
    let token = crate::server::auth::new_token();
    let t = now();
    exec_by_id(tx, "DELETE FROM invites WHERE user_id = $1", user_id).await?;
    sqlx::query(
        "INSERT INTO invites (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(crate::server::auth::token_hash(&token))
    .bind(user_id)
    .bind(t)
    .bind(t + INVITE_TTL_SECS)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

pub async fn invite_user(db: &Db, token: &str) -> Result<Option<Invitation>, AppError> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT u.name, u.email FROM invites i JOIN users u ON u.id = i.user_id \
         WHERE i.token_hash = $1 AND i.expires_at > $2 AND u.disabled = 0",
    )
    .bind(crate::server::auth::token_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(name, email)| Invitation {
        name,
        email,
        company: None,
        company_only: false,
    }))
}

/// Sets the password of the invite's person, uses up the invite and ends
/// any older sessions of theirs. Returns the person's id.
///
/// Uses an invitation once: the row is deleted and only the request whose
/// delete removed it sets the password; a second redemption, at the same
/// moment or later, finds nothing.
pub async fn redeem_invite(
    db: &Db,
    token: &str,
    password_hash: &str,
) -> Result<Option<i64>, AppError> {
    let mut tx = db.begin_write().await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "DELETE FROM invites WHERE token_hash = $1 AND expires_at > $2 \
         AND user_id IN (SELECT id FROM users WHERE disabled = 0) RETURNING user_id",
    )
    .bind(crate::server::auth::token_hash(token))
    .bind(now())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    exec_by_id(&mut tx, "DELETE FROM invites WHERE user_id = $1", user_id).await?;
    exec_by_id(&mut tx, "DELETE FROM sessions WHERE user_id = $1", user_id).await?;
    audit(&mut tx, Some(user_id), "invite.accepted", "").await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

/// Sets a new password and ends every session of the person except `keep`.
pub async fn set_password(
    db: &Db,
    user_id: i64,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, Some(user_id), "password.changed", "").await?;
    Ok(tx.commit().await?)
}
