//! Recertification: re-opening recurring courses whose completion expired.

use super::aggregates::refresh_for_user;
use super::RENEWAL_GRACE;
use crate::api::AppError;
use crate::domain::time::{add_months, format_date};
use crate::server::db::Db;
use std::collections::HashMap;

/// Re-opens every recurring course whose completion has expired by `at`:
/// the completion is cleared (the certificate stays), the course's items
/// start afresh, it is due `RENEWAL_GRACE` after the expiry, and the
/// learner is told. Safe to run on several instances at once: each
/// completion is re-opened by exactly one. Returns how many were re-opened.
pub async fn renew_expired(db: &Db, at: i64) -> Result<usize, AppError> {
    let candidates: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT e.user_id, e.course_id, e.completed_at, x.renew FROM enrolments e
           JOIN (SELECT y.user_id, y.course_id, MIN(y.renew) AS renew FROM (
                   SELECT u.id AS user_id, a.course_id AS course_id, a.renew_months AS renew
                     FROM users u JOIN assignments a ON a.team_id = u.team_id WHERE a.renew_months IS NOT NULL
                   UNION ALL
                   SELECT a.user_id, a.course_id, a.renew_months
                     FROM assignments a WHERE a.user_id IS NOT NULL AND a.renew_months IS NOT NULL
                 ) y GROUP BY y.user_id, y.course_id) x
             ON x.user_id = e.user_id AND x.course_id = e.course_id
          WHERE e.completed_at IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let titles: HashMap<String, String> = sqlx::query_as("SELECT id, title FROM courses")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .collect();
    let mut renewed = 0;
    for (user, course, completed, months) in candidates {
        let expiry = add_months(completed, months);
        if expiry > at {
            continue;
        }
        let due = expiry.max(at) + RENEWAL_GRACE;
        let _turn = db.write_turn().await;
        let mut tx = db.begin_write().await?;
        let n = sqlx::query(
            "UPDATE enrolments SET completed_at = NULL, last_item = NULL, due_override = $4,
                    renewals = renewals + 1, renewed_at = $5, updated_at = $5
              WHERE user_id = $1 AND course_id = $2 AND completed_at = $3",
        )
        .bind(user)
        .bind(&course)
        .bind(completed)
        .bind(due)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            continue;
        }
        sqlx::query("DELETE FROM item_progress WHERE user_id = $1 AND course_id = $2")
            .bind(user)
            .bind(&course)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE attempts SET status = 'abandoned', updated_at = $3
              WHERE user_id = $1 AND course_id = $2 AND status = 'active'",
        )
        .bind(user)
        .bind(&course)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let title = titles
            .get(&course)
            .cloned()
            .unwrap_or_else(|| course.clone());
        sqlx::query(
            "INSERT INTO notifications (user_id, course_id, message, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user)
        .bind(&course)
        .bind(format!(
            "Time to renew “{title}”: it is renewed every {months} months. Please take it again by {}.",
            format_date(due)
        ))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        refresh_for_user(&mut tx, user, Some(&course)).await?;
        tx.commit().await?;
        renewed += 1;
    }
    Ok(renewed)
}
