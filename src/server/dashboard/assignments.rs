//! Assigning courses to teams and people, with due dates and recurrence.

use super::aggregates::refresh;
use super::drilldown::team_name;
use super::filter::{course_titles, parse_day, sorted_choices};
use super::{teams_in_scope, Scope, DAY, MAX_ASSIGNMENT_ROWS, TEAM_LIST_MAX};
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::time::format_date;
use crate::server::accounts;
use crate::server::now;
use crate::server::sql::{BindValues, Where};
use crate::server::AppState;
use sqlx::FromRow;

pub struct AssignInput<'a> {
    pub course: &'a str,
    pub team: Option<&'a str>,
    pub email: Option<&'a str>,
    pub due: Option<&'a str>,
    pub renew_months: Option<&'a str>,
}

pub(super) fn blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

pub async fn assign(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    input: AssignInput<'_>,
) -> Result<i64, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let course = input.course.trim();
    if !titles.contains_key(course) {
        return Err(AppError::Invalid("Choose a course from the list.".into()));
    }
    let t = now();
    let due = match blank(input.due) {
        None => None,
        Some(d) => {
            let day = parse_day(d, "due")?;
            let end = day + DAY - 1;
            if end < t {
                return Err(AppError::Invalid(format!(
                    "The due date {} is in the past. Choose today or a later day.",
                    format_date(day)
                )));
            }
            Some(end)
        }
    };
    let renew = match blank(input.renew_months) {
        None => None,
        Some(r) => match r.parse::<i64>() {
            Ok(n) if (1..=60).contains(&n) => Some(n),
            _ => return Err(AppError::Invalid(
                "Renew every 1 to 60 months, or leave it empty for training that does not recur."
                    .into(),
            )),
        },
    };
    // Exactly one of a team and a person.
    let (team, user, refresh_team) = match (blank(input.team), blank(input.email)) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(AppError::Invalid(
                "Choose a team, or give one person's email address, not both.".into(),
            ))
        }
        (Some(team), None) => {
            let id = team
                .parse::<i64>()
                .map_err(|_| AppError::Invalid("Choose a team from the list.".into()))?;
            if !scope.allows(id) || team_name(db, id).await?.is_none() {
                return Err(AppError::NotFound(
                    "That team is not one of the teams you can see.".into(),
                ));
            }
            (Some(id), None, Some(id))
        }
        (None, Some(email)) => {
            let email = crate::domain::Email::parse(email)?;
            let found: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT id, team_id FROM users WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(&db.pool)
                    .await?;
            let ok = found.filter(|(_, team)| match (scope, team) {
                (Scope::All, _) => true,
                (Scope::Teams(ids), Some(t)) => ids.contains(t),
                _ => false,
            });
            let (uid, team) = ok.ok_or_else(|| {
                AppError::NotFound("Nobody in the teams you can see has that email address.".into())
            })?;
            (None, Some(uid), team)
        }
    };
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM assignments WHERE course_id = $1
           AND ((team_id = $2 AND $2 IS NOT NULL) OR (user_id = $3 AND $3 IS NOT NULL))",
    )
    .bind(course)
    .bind(team)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query("UPDATE assignments SET due_at = $2, renew_months = $3 WHERE id = $1")
                .bind(id)
                .bind(due)
                .bind(renew)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO assignments (course_id, team_id, user_id, due_at, renew_months, assigned_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(course)
        .bind(team)
        .bind(user)
        .bind(due)
        .bind(renew)
        .bind(actor)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?,
    };
    if let Some(team) = refresh_team {
        refresh(&mut tx, team, Some(course)).await?;
    }
    accounts::audit(
        &mut tx,
        Some(actor),
        "assignment.saved",
        &format!("{id}: {course}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn unassign(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    id: i64,
) -> Result<(), AppError> {
    let db = &state.db;
    let missing = || AppError::NotFound("That assignment is not one you can change.".into());
    let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT a.course_id, COALESCE(a.team_id, u.team_id), a.user_id
           FROM assignments a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let (course, team, _) = row.ok_or_else(missing)?;
    let visible = match (scope, team) {
        (Scope::All, _) => true,
        (Scope::Teams(ids), Some(t)) => ids.contains(&t),
        _ => false,
    };
    if !visible {
        return Err(missing());
    }
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM assignments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if let Some(team) = team {
        refresh(&mut tx, team, Some(&course)).await?;
    }
    accounts::audit(
        &mut tx,
        Some(actor),
        "assignment.deleted",
        &format!("{id}: {course}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

#[derive(FromRow)]
pub(super) struct AssignmentDbRow {
    pub(super) id: i64,
    pub(super) course_id: String,
    pub(super) team_id: Option<i64>,
    pub(super) user_id: Option<i64>,
    pub(super) team_name: Option<String>,
    pub(super) user_name: Option<String>,
    pub(super) due_at: Option<i64>,
    pub(super) renew_months: Option<i64>,
    pub(super) assigned_by: Option<String>,
    pub(super) created_at: i64,
}

pub async fn assignments(state: &AppState, scope: &Scope) -> Result<AssignmentsData, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let mut c = Where::default();
    if let Scope::Teams(ids) = scope {
        // The same placeholders serve both lists.
        c.in_any_list(&["a.team_id", "u.team_id"], ids);
    }
    let rows: Vec<AssignmentDbRow> = sqlx::query_as(&format!(
        "SELECT a.id, a.course_id, a.team_id, a.user_id, t.name AS team_name, u.name AS user_name,
                    a.due_at, a.renew_months, b.name AS assigned_by, a.created_at
               FROM assignments a
               LEFT JOIN teams t ON t.id = a.team_id
               LEFT JOIN users u ON u.id = a.user_id
               LEFT JOIN users b ON b.id = a.assigned_by
              WHERE {}
              ORDER BY a.id DESC LIMIT {MAX_ASSIGNMENT_ROWS}",
        c.sql()
    ))
    .bind_values(c.binds())
    .fetch_all(&db.pool)
    .await?;
    let teams = teams_in_scope(db, scope, TEAM_LIST_MAX).await?;
    let ids: Vec<String> = titles.keys().cloned().collect();
    Ok(AssignmentsData {
        rows: rows
            .into_iter()
            .map(|r| AssignmentRow {
                id: r.id,
                course: Choice {
                    name: titles
                        .get(&r.course_id)
                        .cloned()
                        .unwrap_or_else(|| r.course_id.clone()),
                    id: r.course_id,
                },
                target: match (&r.team_name, &r.user_name) {
                    (Some(t), _) => format!("Team: {t}"),
                    (None, Some(u)) => format!("Person: {u}"),
                    _ => "Nobody".into(),
                },
                team_id: r.team_id,
                user_id: r.user_id,
                due_at: r.due_at,
                renew_months: r.renew_months,
                assigned_by: r.assigned_by,
                created_at: r.created_at,
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|(id, name)| Choice {
                id: id.to_string(),
                name,
            })
            .collect(),
        courses: sorted_choices(&titles, &ids),
        is_admin: scope.is_admin(),
        now: now(),
    })
}
