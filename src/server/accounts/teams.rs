//! Teams, their managers and members.

use super::{audit, exec_by_id};
use crate::api::admin::{PersonRef, TeamDetail, TeamSummary};
use crate::api::team::TeamMembership;
use crate::api::AppError;
use crate::domain::{Email, TeamName};
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::{conflict_on_unique, placeholders};
use sqlx::{Any, Transaction};

pub(super) async fn managers_of(
    db: &Db,
    team_ids: &[i64],
) -> Result<Vec<(i64, PersonRef)>, AppError> {
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

pub(super) async fn members_of(db: &Db, team_id: i64) -> Result<Vec<PersonRef>, AppError> {
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
    let mut tx = db.begin_write().await?;
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
    let mut tx = db.begin_write().await?;
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
    let mut tx = db.begin_write().await?;
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
    let mut tx = db.begin_write().await?;
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
