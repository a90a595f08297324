//! People: creating, changing, disabling, listing.

use super::invites::insert_invite;
use super::sessions::count_sessions;
use super::{audit, exec_by_id, parse_team_id, USERS_PER_PAGE};
use crate::api::admin::{TeamRef, UserDetail, UserFilter, UserList, UserSummary};
use crate::api::AppError;
use crate::domain::{Email, PersonName, Role, Roles};
use crate::server::db::Db;
use crate::server::mail::{Body, Kind, Mail, Outgoing};
use crate::server::now;
use crate::server::sql::{conflict_on_unique, like_contains, placeholders, BindValues, Value};
use sqlx::{Any, FromRow, Transaction};

pub(super) async fn set_roles(
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

pub(super) async fn check_team_exists(
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
        crate::server::dashboard::refresh(tx, team, None).await?;
    }
    Ok(id)
}

pub async fn create_user_with_invite(
    db: &Db,
    mail: &Mail,
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
    let company = company_sign_in(db, email.as_str()).await?;
    let mut tx = db.begin_write().await?;
    let id = insert_user(&mut tx, &email, &name, None, team_id, roles).await?;
    let token = insert_invite(&mut tx, id).await?;
    let link = company.as_deref().map_or(Link::Invite, Link::Company);
    mail_invite(
        &mut tx,
        mail,
        id,
        email.as_str(),
        name.as_str(),
        &token,
        link,
    )
    .await?;
    audit(&mut tx, Some(actor), "user.created", email.as_str()).await?;
    tx.commit().await?;
    mail.wake();
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
    let mut tx = db.begin_write().await?;
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
            crate::server::dashboard::refresh(&mut tx, team, None).await?;
        }
    }
    if !roles.has(Role::Manager) {
        exec_by_id(&mut tx, "DELETE FROM team_managers WHERE user_id = $1", id).await?;
    }
    audit(&mut tx, Some(actor), "user.updated", &id.to_string()).await?;
    Ok(tx.commit().await?)
}

/// Moves a person to `team` and gives them `roles` (each when `Some`), as
/// their identity provider's mapping says at a sign-in. An administrator
/// keeps that role whatever the mapping says. Dashboards follow as with an
/// admin's change; without the manager role a person manages no team, and
/// with it and `manages` (the rules name managed teams) exactly those.
/// Returns whether anything changed.
pub async fn follow_mapping(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    team: Option<i64>,
    roles: Option<Roles>,
    manages: Option<&[i64]>,
) -> Result<bool, AppError> {
    let old_team: Option<i64> = sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    let old_roles = super::sessions::roles_of(&mut **tx, id).await?;
    let mut changed = false;
    if let Some(team) = team.filter(|t| Some(*t) != old_team) {
        sqlx::query("UPDATE users SET team_id = $1 WHERE id = $2")
            .bind(team)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for t in [old_team, Some(team)].into_iter().flatten() {
            crate::server::dashboard::refresh(tx, t, None).await?;
        }
        changed = true;
    }
    if let Some(roles) = roles {
        let admin = old_roles.has(Role::Admin).then_some(Role::Admin);
        let roles = Roles::new(roles.iter().chain(admin));
        if !roles.is_empty() && roles != old_roles {
            set_roles(tx, id, &roles).await?;
            changed = true;
        }
        if !roles.has(Role::Manager) {
            changed |= set_managed_teams(tx, id, &[]).await?;
        } else if let Some(teams) = manages {
            changed |= set_managed_teams(tx, id, teams).await?;
        }
    }
    if changed {
        audit(tx, None, "user.updated.sso", &id.to_string()).await?;
    }
    Ok(changed)
}

/// Makes `teams` exactly the teams person `id` manages; returns whether
/// that changed anything. Their dashboards need no refresh: a manager's
/// view is read from `team_managers` at each request.
pub async fn set_managed_teams(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    teams: &[i64],
) -> Result<bool, AppError> {
    let old: Vec<i64> = sqlx::query_scalar("SELECT team_id FROM team_managers WHERE user_id = $1")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    let mut changed = false;
    for t in old.iter().filter(|t| !teams.contains(t)) {
        sqlx::query("DELETE FROM team_managers WHERE team_id = $1 AND user_id = $2")
            .bind(t)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        changed = true;
    }
    for t in teams.iter().filter(|t| !old.contains(t)) {
        sqlx::query("INSERT INTO team_managers (team_id, user_id) VALUES ($1, $2)")
            .bind(t)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        changed = true;
    }
    Ok(changed)
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
    let mut tx = db.begin_write().await?;
    let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::not_found("That person"));
    }
    crate::server::dashboard::refresh_for_user(&mut tx, id, None).await?;
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

pub async fn new_invite(db: &Db, mail: &Mail, actor: i64, id: i64) -> Result<String, AppError> {
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT disabled, email, name, CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((disabled, email, name, has_password)) = row else {
        return Err(AppError::not_found("That person"));
    };
    if disabled == 1 {
        return Err(AppError::Conflict(
            "Enable the account before sending a new link.".into(),
        ));
    }
    let token = insert_invite(&mut tx, id).await?;
    let company = company_sign_in(db, &email).await?;
    let link = match company.as_deref() {
        Some(label) => Link::Company(label),
        None if has_password == 1 => Link::Reset,
        None => Link::Invite,
    };
    mail_invite(&mut tx, mail, id, &email, &name, &token, link).await?;
    audit(&mut tx, Some(actor), "invite.issued", &id.to_string()).await?;
    tx.commit().await?;
    mail.wake();
    Ok(token)
}

/// What an invitation link is for.
enum Link<'a> {
    /// A new account: choose a password.
    Invite,
    /// A person who has a password: choose a new one.
    Reset,
    /// A person whose company signs them in (passwords off for their
    /// domain): the provider's label; nothing to choose.
    Company(&'a str),
}

/// The label of the provider that signs `email` in when passwords are off
/// for its domain. Read outside the caller's transaction (providers change
/// rarely, and SQLite's readers do not wait for the writer).
async fn company_sign_in(db: &Db, email: &str) -> Result<Option<String>, AppError> {
    Ok(crate::server::sso::providers::passwords_off_for(db, email)
        .await?
        .map(|p| p.label))
}

/// Emails an invitation (or a reset) link.
async fn mail_invite(
    tx: &mut Transaction<'_, Any>,
    mail: &Mail,
    user_id: i64,
    email: &str,
    name: &str,
    token: &str,
    link: Link<'_>,
) -> Result<(), AppError> {
    let path = format!("/invite/{}", crate::server::guard::path_segment(token));
    let (subject, body) = match link {
        Link::Reset => (
            "A link to choose a new Rapport password".to_owned(),
            Body::default()
                .para("An administrator asked for a new password link for your Rapport account.")
                .para("Choose your password with the link below. It works once, for 7 days. If you did not expect this email, you can ignore it.")
                .action("Choose your password", path),
        ),
        Link::Invite => (
            "You are invited to your training on Rapport".to_owned(),
            Body::default()
                .para("An administrator made you an account on Rapport, where you take your training.")
                .para("Choose your password with the link below. It works once, for 7 days. If you did not expect this email, you can ignore it.")
                .action("Choose your password", path),
        ),
        Link::Company(label) => (
            "You are invited to your training on Rapport".to_owned(),
            Body::default()
                .para("An administrator made you an account on Rapport, where you take your training.")
                .para(format!("You sign in with your {label} account: there is no password to choose. Open Rapport with the link below and press “Sign in with {label}”. If you did not expect this email, you can ignore it."))
                .action("Open Rapport", path),
        ),
    };
    mail.queue(
        tx,
        Outgoing {
            kind: Kind::Invite,
            user_id: Some(user_id),
            to: email,
            to_name: name,
            subject,
            body,
            dedupe: None,
        },
    )
    .await?;
    Ok(())
}

#[derive(FromRow)]
pub(super) struct UserRowRaw {
    pub(super) id: i64,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) team_id: Option<i64>,
    pub(super) team_name: Option<String>,
    pub(super) disabled: i64,
    pub(super) has_password: i64,
    pub(super) last_login_at: Option<i64>,
}

pub(super) const USER_COLUMNS: &str =
    "u.id, u.email, u.name, u.team_id, t.name AS team_name, u.disabled, \
     CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, u.last_login_at \
     FROM users u LEFT JOIN teams t ON t.id = u.team_id";

pub(super) async fn with_roles(
    db: &Db,
    rows: Vec<UserRowRaw>,
) -> Result<Vec<UserSummary>, AppError> {
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
