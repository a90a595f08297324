//! Sessions: only the SHA-256 of each token is stored.

use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::domain::{Role, Roles};
use crate::server::db::Db;
use sqlx::FromRow;

#[derive(FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: Option<String>,
    pub(super) disabled_flag: i64,
    #[sqlx(skip)]
    pub disabled: bool,
}

pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, AppError> {
    let row = sqlx::query_as::<_, Credentials>(
        "SELECT id, password_hash, disabled AS disabled_flag FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|mut c| {
        c.disabled = c.disabled_flag != 0;
        c
    }))
}

pub async fn create_session(db: &Db, hash: &str, user_id: i64, t: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(hash)
        .bind(user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(t)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(tx.commit().await?)
}

pub async fn delete_session(db: &Db, hash: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn touch_session(db: &Db, hash: &str, t: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(t)
        .bind(hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[derive(FromRow)]
pub(super) struct SessionRowRaw {
    pub(super) user_id: i64,
    pub(super) created_at: i64,
    pub(super) last_seen_at: i64,
    pub(super) disabled: i64,
    pub(super) email: String,
    pub(super) name: String,
    /// One row per role (none: a person with no role yet).
    pub(super) role: Option<String>,
}

pub struct SessionRow {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub disabled: bool,
    pub email: String,
    pub name: String,
    pub roles: Roles,
}

/// A session, its person and their roles in one query (every request asks
/// this, so it is one round trip to the database, not two).
pub async fn session(db: &Db, hash: &str) -> Result<Option<SessionRow>, AppError> {
    let rows = sqlx::query_as::<_, SessionRowRaw>(
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.disabled, u.email, u.name, r.role \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         LEFT JOIN user_roles r ON r.user_id = u.id WHERE s.token_hash = $1",
    )
    .bind(hash)
    .fetch_all(&db.pool)
    .await?;
    let roles = Roles::new(
        rows.iter()
            .filter_map(|r| r.role.as_deref().and_then(Role::parse)),
    );
    Ok(rows.into_iter().next().map(|r| SessionRow {
        user_id: r.user_id,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        disabled: r.disabled != 0,
        email: r.email,
        name: r.name,
        roles,
    }))
}

/// The signed-in person of a session row.
pub fn session_row_user(row: SessionRow) -> SessionUser {
    SessionUser {
        id: row.user_id,
        roles: row.roles,
        email: row.email,
        name: row.name,
    }
}

/// A person's roles, read by the pool or inside a transaction.
pub(super) async fn roles_of<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user_id: i64,
) -> Result<Roles, AppError> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(ex)
        .await?;
    Ok(Roles::new(rows.iter().filter_map(|r| Role::parse(r))))
}

pub async fn session_user(db: &Db, user_id: i64) -> Result<Option<SessionUser>, AppError> {
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, email, name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    let Some((id, email, name)) = row else {
        return Ok(None);
    };
    Ok(Some(SessionUser {
        id,
        email,
        name,
        roles: roles_of(&db.pool, id).await?,
    }))
}

pub async fn count_sessions(db: &Db, user_id: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&db.pool)
            .await?,
    )
}
