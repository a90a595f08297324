//! Data access: every SQL statement of the accounts feature. Runs unchanged
//! on SQLite and PostgreSQL (`$n` placeholders, `RETURNING id`, integers).
//!
//! Errors: database failures are logged here and become `AppError::Internal`
//! (their text never reaches a browser); a unique-key clash becomes a
//! `Conflict` with a message the person can act on.

use super::db::Db;
use super::now;
use super::sql::{conflict_on_unique, like_contains, placeholders, BindValues, Value};
use crate::api::account::Invitation;
use crate::api::admin::{
    PersonRef, TeamDetail, TeamRef, TeamSummary, UserDetail, UserFilter, UserList, UserSummary,
};
use crate::api::auth::SessionUser;
use crate::api::team::TeamMembership;
use crate::api::AppError;
use crate::domain::{Email, PersonName, Role, Roles, TeamName};
use sqlx::{Any, FromRow, Transaction};

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

// ---------------------------------------------------------------- throttle

/// Takes a place in each bucket's window and tells whether every bucket
/// still had room. One transaction first locks each bucket's row in
/// `throttle_locks` (an upsert: a row lock on PostgreSQL, the database's
/// write lock on SQLite), then counts and records the attempt; parallel
/// attempts on a bucket, on one instance or many, are decided one after
/// another, so exactly `limit` per window get through. A refused attempt
/// records nothing. The rows stay as failures unless `release_attempt`
/// takes them back.
pub async fn reserve_attempt(
    db: &Db,
    buckets: &[(&str, i64)],
    at: i64,
    since: i64,
) -> Result<(Vec<i64>, bool), AppError> {
    let mut tx = db.pool.begin().await?;
    // Always in the order given (account before address), so two attempts
    // never wait for each other's locks in a cycle.
    for (b, _) in buckets {
        sqlx::query(
            "INSERT INTO throttle_locks (bucket, touched_at) VALUES ($1, $2)
             ON CONFLICT (bucket) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(*b)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    for (b, limit) in buckets {
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE bucket = $1 AND at > $2")
                .bind(*b)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        if taken >= *limit {
            tx.rollback().await?;
            return Ok((Vec::new(), false));
        }
    }
    let mut ids = Vec::with_capacity(buckets.len());
    for (b, _) in buckets {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (bucket, at) VALUES ($1, $2) RETURNING id",
        )
        .bind(*b)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok((ids, true))
}

/// Takes back the places `reserve_attempt` took (the attempt succeeded).
pub async fn release_attempt(db: &Db, ids: &[i64]) -> Result<(), AppError> {
    for id in ids {
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(*id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

pub async fn clear_failures(db: &Db, bucket: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_failures WHERE bucket = $1")
        .bind(bucket)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Removes what has expired: old throttle rows, ended sessions, stale invites.
pub async fn cleanup(db: &Db, cfg: &super::config::Config) -> Result<(), AppError> {
    let t = now();
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(t - cfg.throttle_window_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM throttle_locks WHERE touched_at < $1")
        .bind(t - cfg.throttle_window_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(t - cfg.session_idle_secs)
        .bind(t - cfg.session_max_secs)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM invites WHERE expires_at < $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- sessions

#[derive(FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: Option<String>,
    disabled_flag: i64,
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
    let mut tx = db.pool.begin().await?;
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
struct SessionRowRaw {
    user_id: i64,
    created_at: i64,
    last_seen_at: i64,
    disabled: i64,
    email: String,
    name: String,
}

pub struct SessionRow {
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub disabled: bool,
    pub email: String,
    pub name: String,
}

/// A session and its person in one query (every request asks this).
pub async fn session(db: &Db, hash: &str) -> Result<Option<SessionRow>, AppError> {
    let row = sqlx::query_as::<_, SessionRowRaw>(
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.disabled, u.email, u.name \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| SessionRow {
        user_id: r.user_id,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        disabled: r.disabled != 0,
        email: r.email,
        name: r.name,
    }))
}

/// The signed-in person of a session row: only the roles need a query.
pub async fn session_row_user(db: &Db, row: SessionRow) -> Result<SessionUser, AppError> {
    Ok(SessionUser {
        id: row.user_id,
        roles: roles_of(db, row.user_id).await?,
        email: row.email,
        name: row.name,
    })
}

async fn roles_of(db: &Db, user_id: i64) -> Result<Roles, AppError> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&db.pool)
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
        roles: roles_of(db, id).await?,
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

// ---------------------------------------------------------------- invites and passwords

async fn insert_invite(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<String, AppError> {
    let token = super::auth::new_token();
    let t = now();
    exec_by_id(tx, "DELETE FROM invites WHERE user_id = $1", user_id).await?;
    sqlx::query(
        "INSERT INTO invites (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(super::auth::token_hash(&token))
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
    .bind(super::auth::token_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(name, email)| Invitation { name, email }))
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
    let mut tx = db.pool.begin().await?;
    let user_id: Option<i64> = sqlx::query_scalar(
        "DELETE FROM invites WHERE token_hash = $1 AND expires_at > $2 \
         AND user_id IN (SELECT id FROM users WHERE disabled = 0) RETURNING user_id",
    )
    .bind(super::auth::token_hash(token))
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
    let mut tx = db.pool.begin().await?;
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

// ---------------------------------------------------------------- users

async fn set_roles(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    roles: &Roles,
) -> Result<(), AppError> {
    exec_by_id(tx, "DELETE FROM user_roles WHERE user_id = $1", user_id).await?;
    for role in roles.iter() {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn check_team_exists(
    tx: &mut Transaction<'_, Any>,
    team_id: Option<i64>,
) -> Result<(), AppError> {
    if let Some(id) = team_id {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(AppError::Invalid(
                "That team does not exist any more. Choose another.".into(),
            ));
        }
    }
    Ok(())
}

/// Creates a person inside an open transaction. Used by the admin pages,
/// the command line and the demo organisation.
pub async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    email: &Email,
    name: &PersonName,
    password_hash: Option<&str>,
    team_id: Option<i64>,
    roles: &Roles,
) -> Result<i64, AppError> {
    check_team_exists(tx, team_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, team_id, disabled, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
    )
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .bind(team_id)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        conflict_on_unique(e, "Someone already has an account with that email address.")
    })?;
    set_roles(tx, id, roles).await?;
    if let Some(team) = team_id {
        super::dashboard::refresh(tx, team, None).await?;
    }
    Ok(id)
}

pub async fn create_user_with_invite(
    db: &Db,
    actor: i64,
    email: &str,
    name: &str,
    team_id: Option<&str>,
    roles: &Roles,
) -> Result<(i64, String), AppError> {
    let email = Email::parse(email)?;
    let name = PersonName::parse(name)?;
    let team_id = parse_team_id(team_id)?;
    if roles.is_empty() {
        return Err(AppError::Invalid(
            "Give the person at least one role.".into(),
        ));
    }
    let mut tx = db.pool.begin().await?;
    let id = insert_user(&mut tx, &email, &name, None, team_id, roles).await?;
    let token = insert_invite(&mut tx, id).await?;
    audit(&mut tx, Some(actor), "user.created", email.as_str()).await?;
    tx.commit().await?;
    Ok((id, token))
}

pub async fn update_user(
    db: &Db,
    actor: i64,
    id: i64,
    name: &str,
    team_id: Option<&str>,
    roles: &Roles,
) -> Result<(), AppError> {
    let name = PersonName::parse(name)?;
    let team_id = parse_team_id(team_id)?;
    if roles.is_empty() {
        return Err(AppError::Invalid(
            "Give the person at least one role.".into(),
        ));
    }
    if actor == id && !roles.has(Role::Admin) {
        return Err(AppError::Conflict(
            "You cannot remove your own administrator role. Ask another administrator.".into(),
        ));
    }
    let mut tx = db.pool.begin().await?;
    check_team_exists(&mut tx, team_id).await?;
    let old_team: Option<i64> = sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    let n = sqlx::query("UPDATE users SET name = $1, team_id = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(team_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found("That person"));
    }
    set_roles(&mut tx, id, roles).await?;
    if old_team != team_id {
        // The dashboards count people by team: both teams change.
        for team in [old_team, team_id].into_iter().flatten() {
            super::dashboard::refresh(&mut tx, team, None).await?;
        }
    }
    if !roles.has(Role::Manager) {
        exec_by_id(&mut tx, "DELETE FROM team_managers WHERE user_id = $1", id).await?;
    }
    audit(&mut tx, Some(actor), "user.updated", &id.to_string()).await?;
    Ok(tx.commit().await?)
}

/// `actor` is `None` when an operator runs the command line.
pub async fn set_disabled(
    db: &Db,
    actor: Option<i64>,
    id: i64,
    disabled: bool,
) -> Result<(), AppError> {
    if actor == Some(id) && disabled {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found("That person"));
    }
    super::dashboard::refresh_for_user(&mut tx, id, None).await?;
    if disabled {
        exec_by_id(&mut tx, "DELETE FROM sessions WHERE user_id = $1", id).await?;
        exec_by_id(&mut tx, "DELETE FROM invites WHERE user_id = $1", id).await?;
    }
    audit(
        &mut tx,
        actor,
        if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        },
        &id.to_string(),
    )
    .await?;
    Ok(tx.commit().await?)
}

pub async fn new_invite(db: &Db, actor: i64, id: i64) -> Result<String, AppError> {
    let mut tx = db.pool.begin().await?;
    let disabled: Option<i64> = sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    match disabled {
        None => return Err(AppError::not_found("That person")),
        Some(1) => {
            return Err(AppError::Conflict(
                "Enable the account before sending a new link.".into(),
            ))
        }
        Some(_) => {}
    }
    let token = insert_invite(&mut tx, id).await?;
    audit(&mut tx, Some(actor), "invite.issued", &id.to_string()).await?;
    tx.commit().await?;
    Ok(token)
}

#[derive(FromRow)]
struct UserRowRaw {
    id: i64,
    email: String,
    name: String,
    team_id: Option<i64>,
    team_name: Option<String>,
    disabled: i64,
    has_password: i64,
    last_login_at: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.team_id, t.name AS team_name, u.disabled, \
     CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, u.last_login_at \
     FROM users u LEFT JOIN teams t ON t.id = u.team_id";

async fn with_roles(db: &Db, rows: Vec<UserRowRaw>) -> Result<Vec<UserSummary>, AppError> {
    let mut roles: std::collections::HashMap<i64, Vec<Role>> = std::collections::HashMap::new();
    if !rows.is_empty() {
        let sql = format!(
            "SELECT user_id, role FROM user_roles WHERE user_id IN ({})",
            placeholders(1, rows.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for r in &rows {
            q = q.bind(r.id);
        }
        for (uid, role) in q.fetch_all(&db.pool).await? {
            if let Some(r) = Role::parse(&role) {
                roles.entry(uid).or_default().push(r);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| UserSummary {
            roles: Roles::new(roles.remove(&r.id).unwrap_or_default()),
            id: r.id,
            email: r.email,
            name: r.name,
            team_id: r.team_id,
            team_name: r.team_name,
            disabled: r.disabled != 0,
            has_password: r.has_password != 0,
            last_login_at: r.last_login_at,
        })
        .collect())
}

/// One page of people matching the filter. Unknown filter values are
/// ignored rather than refused, so an old bookmark still opens.
pub async fn list_users(db: &Db, f: &UserFilter) -> Result<UserList, AppError> {
    let mut conds: Vec<String> = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(&q.to_lowercase().chars().take(100).collect::<String>());
        binds.push(Value::Text(pat));
        let n = binds.len();
        conds.push(format!(
            "(LOWER(u.name) LIKE ${n} ESCAPE '\\' OR u.email LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(team) = f.team.as_deref().and_then(|t| t.parse::<i64>().ok()) {
        binds.push(Value::Int(team));
        conds.push(format!("u.team_id = ${}", binds.len()));
    }
    if let Some(role) = f.role.as_deref().and_then(Role::parse) {
        binds.push(Value::Text(role.as_str().into()));
        conds.push(format!(
            "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ${})",
            binds.len()
        ));
    }
    match f.status.as_deref() {
        Some("active") => conds.push("u.disabled = 0 AND u.password_hash IS NOT NULL".into()),
        Some("invited") => conds.push("u.disabled = 0 AND u.password_hash IS NULL".into()),
        Some("disabled") => conds.push("u.disabled = 1".into()),
        _ => {}
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };

    let count_sql = format!("SELECT COUNT(*) FROM users u{where_sql}");
    let cq = sqlx::query_scalar::<_, i64>(&count_sql).bind_values(&binds);
    let total = cq.fetch_one(&db.pool).await?;

    let pages = ((total + USERS_PER_PAGE - 1) / USERS_PER_PAGE).max(1);
    let page = f
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let sql = format!(
        "SELECT {USER_COLUMNS}{where_sql} ORDER BY LOWER(u.name), u.id LIMIT {USERS_PER_PAGE} OFFSET {}",
        (page - 1) * USERS_PER_PAGE
    );
    let q = sqlx::query_as::<_, UserRowRaw>(&sql).bind_values(&binds);
    let rows = q.fetch_all(&db.pool).await?;
    Ok(UserList {
        users: with_roles(db, rows).await?,
        total,
        page,
        per_page: USERS_PER_PAGE,
    })
}

pub async fn user_summary(db: &Db, id: i64) -> Result<Option<UserSummary>, AppError> {
    let row = sqlx::query_as::<_, UserRowRaw>(&format!("SELECT {USER_COLUMNS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(with_roles(db, row.into_iter().collect()).await?.pop())
}

pub async fn user_detail(db: &Db, id: i64) -> Result<Option<UserDetail>, AppError> {
    let Some(user) = user_summary(db, id).await? else {
        return Ok(None);
    };
    let manages: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.name FROM team_managers m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY t.name",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let invite_pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invites WHERE user_id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_one(&db.pool)
            .await?;
    Ok(Some(UserDetail {
        user,
        manages: manages
            .into_iter()
            .map(|(id, name)| TeamRef { id, name })
            .collect(),
        active_sessions: count_sessions(db, id).await?,
        invite_pending: invite_pending > 0,
    }))
}

pub async fn count_admins(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'admin' AND u.disabled = 0",
    )
    .fetch_one(&db.pool)
    .await?)
}

// ---------------------------------------------------------------- teams

async fn managers_of(db: &Db, team_ids: &[i64]) -> Result<Vec<(i64, PersonRef)>, AppError> {
    if team_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.team_id, u.id, u.name, u.email FROM team_managers m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id IN ({}) ORDER BY u.name",
        placeholders(1, team_ids.len())
    );
    let mut q = sqlx::query_as::<_, (i64, i64, String, String)>(&sql);
    for id in team_ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|(t, id, name, email)| (t, PersonRef { id, name, email }))
        .collect())
}

/// Teams with member counts and managers; all of them, or only `only`.
pub async fn list_teams(db: &Db, only: Option<&[i64]>) -> Result<Vec<TeamSummary>, AppError> {
    let base = "SELECT t.id, t.name, (SELECT COUNT(*) FROM users u WHERE u.team_id = t.id) AS members FROM teams t";
    let rows: Vec<(i64, String, i64)> = match only {
        None => {
            sqlx::query_as(&format!("{base} ORDER BY t.name"))
                .fetch_all(&db.pool)
                .await
        }
        Some([]) => Ok(Vec::new()),
        Some(ids) => {
            let sql = format!(
                "{base} WHERE t.id IN ({}) ORDER BY t.name",
                placeholders(1, ids.len())
            );
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(&db.pool).await
        }
    }?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut managers = managers_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, members)| TeamSummary {
            id,
            name,
            members,
            managers: managers
                .extract_if(.., |(t, _)| *t == id)
                .map(|(_, p)| p)
                .collect(),
        })
        .collect())
}

async fn members_of(db: &Db, team_id: i64) -> Result<Vec<PersonRef>, AppError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, email FROM users WHERE team_id = $1 ORDER BY LOWER(name), id",
    )
    .bind(team_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| PersonRef { id, name, email })
        .collect())
}

pub async fn team_detail(db: &Db, id: i64) -> Result<Option<TeamDetail>, AppError> {
    let Some(team) = list_teams(db, Some(&[id])).await?.pop() else {
        return Ok(None);
    };
    Ok(Some(TeamDetail {
        members: members_of(db, id).await?,
        team,
    }))
}

pub async fn create_team(db: &Db, actor: i64, name: &str) -> Result<i64, AppError> {
    let name = TeamName::parse(name)?;
    let mut tx = db.pool.begin().await?;
    let id = insert_team(&mut tx, &name).await?;
    audit(&mut tx, Some(actor), "team.created", name.as_str()).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn insert_team(tx: &mut Transaction<'_, Any>, name: &TeamName) -> Result<i64, AppError> {
    sqlx::query_scalar("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name.as_str())
        .bind(now())
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| conflict_on_unique(e, "A team with that name already exists."))
}

pub async fn rename_team(db: &Db, actor: i64, id: i64, name: &str) -> Result<(), AppError> {
    let name = TeamName::parse(name)?;
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("UPDATE teams SET name = $1 WHERE id = $2")
        .bind(name.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, "A team with that name already exists."))?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found("That team"));
    }
    audit(
        &mut tx,
        Some(actor),
        "team.renamed",
        &format!("{id}: {}", name.as_str()),
    )
    .await?;
    Ok(tx.commit().await?)
}

pub async fn add_manager(db: &Db, actor: i64, team_id: i64, email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let mut tx = db.pool.begin().await?;
    let team: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
        .bind(team_id)
        .fetch_optional(&mut *tx)
        .await?;
    if team.is_none() {
        return Err(AppError::not_found("That team"));
    }
    let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(user_id) = user else {
        return Err(AppError::Invalid(format!(
            "Nobody has an account with the email {email}."
        )));
    };
    sqlx::query("INSERT INTO team_managers (team_id, user_id) VALUES ($1, $2)")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, "That person already manages this team."))?;
    let has_role: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM user_roles WHERE user_id = $1 AND role = 'manager'",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if has_role == 0 {
        exec_by_id(
            &mut tx,
            "INSERT INTO user_roles (user_id, role) VALUES ($1, 'manager')",
            user_id,
        )
        .await?;
    }
    audit(
        &mut tx,
        Some(actor),
        "team.manager_added",
        &format!("{team_id}: {email}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

pub async fn remove_manager(
    db: &Db,
    actor: i64,
    team_id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("DELETE FROM team_managers WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound(
            "That person does not manage this team.".into(),
        ));
    }
    audit(
        &mut tx,
        Some(actor),
        "team.manager_removed",
        &format!("{team_id}: {user_id}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

pub async fn my_team(db: &Db, user_id: i64) -> Result<TeamMembership, AppError> {
    let row: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT u.team_id, t.name FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let (team_id, team_name) = row.unwrap_or((None, None));
    let managers = match team_id {
        Some(t) => managers_of(db, &[t])
            .await?
            .into_iter()
            .map(|(_, p)| p)
            .collect(),
        None => Vec::new(),
    };
    Ok(TeamMembership {
        team_name,
        managers,
    })
}

/// The teams `manager_id` manages, with members. The scope of every
/// manager-facing view starts here.
pub async fn managed_team_ids(db: &Db, manager_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT team_id FROM team_managers WHERE user_id = $1 ORDER BY team_id")
            .bind(manager_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn managed_teams(db: &Db, manager_id: i64) -> Result<Vec<TeamDetail>, AppError> {
    let ids = managed_team_ids(db, manager_id).await?;
    let mut out = Vec::new();
    for team in list_teams(db, Some(&ids)).await? {
        out.push(TeamDetail {
            members: members_of(db, team.id).await?,
            team,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_ids_parse_or_explain() {
        assert_eq!(parse_team_id(None).unwrap(), None);
        assert_eq!(parse_team_id(Some(" ")).unwrap(), None);
        assert_eq!(parse_team_id(Some("12")).unwrap(), Some(12));
        assert!(matches!(
            parse_team_id(Some("x")),
            Err(AppError::Invalid(_))
        ));
    }
}
