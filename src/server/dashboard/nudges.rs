//! Reminding the overdue: an in-app notice per person and course, at most
//! once a day.

use super::filter::{course_titles, parse_filter, PairFilter};
use super::pairs::{pairs_sql, EFFECTIVE_DUE};
use super::{Scope, NUDGE_GAP};
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::domain::completion::CourseStatus;
use crate::domain::time::format_date;
use crate::server::accounts;
use crate::server::now;
use crate::server::sql::BindValues;
use crate::server::AppState;

pub async fn nudge(
    state: &AppState,
    scope: &Scope,
    actor: i64,
    raw: &DashFilter,
) -> Result<NudgeResult, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let mut f = parse_filter(scope, &titles, raw)?;
    f.status = Some(CourseStatus::Overdue);
    let t = now();
    let pf = PairFilter::new(scope, &f, t);
    let binds = pf.binds();
    let gap_ph = binds.len() + 1;
    let sql = format!(
        "SELECT p.user_id, p.course_id, {EFFECTIVE_DUE},
                CASE WHEN EXISTS (SELECT 1 FROM nudges n WHERE n.user_id = p.user_id
                                   AND n.course_id = p.course_id AND n.sent_at > ${gap_ph})
                     THEN 1 ELSE 0 END
           FROM ({}) p
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
          WHERE {}",
        pairs_sql(&pf.pairs.sql()),
        pf.status.sql()
    );
    let targets: Vec<(i64, String, i64, i64)> = sqlx::query_as(&sql)
        .bind_values(&binds)
        .bind(t - NUDGE_GAP)
        .fetch_all(&db.pool)
        .await?;
    let skipped = targets.iter().filter(|r| r.3 == 1).count() as i64;
    let send: Vec<&(i64, String, i64, i64)> = targets.iter().filter(|r| r.3 == 0).collect();
    if send.is_empty() {
        return Ok(NudgeResult { sent: 0, skipped });
    }
    let sender: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(actor)
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or_else(|| "your manager".into());
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    for chunk in send.chunks(200) {
        let mut nudges =
            String::from("INSERT INTO nudges (user_id, course_id, sent_by, sent_at) VALUES ");
        let mut notes = String::from(
            "INSERT INTO notifications (user_id, course_id, message, created_at) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let b = i * 4;
            if i > 0 {
                nudges.push_str(", ");
                notes.push_str(", ");
            }
            nudges.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            notes.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
        }
        let mut q1 = sqlx::query(&nudges);
        let mut q2 = sqlx::query(&notes);
        for (user, course, due, _) in chunk.iter().copied() {
            let title = titles
                .get(course)
                .cloned()
                .unwrap_or_else(|| course.clone());
            q1 = q1.bind(*user).bind(course.clone()).bind(actor).bind(t);
            q2 = q2
                .bind(*user)
                .bind(course.clone())
                .bind(format!(
                    "Reminder from {sender}: “{title}” was due on {}. Please complete it as soon as you can.",
                    format_date(*due)
                ))
                .bind(t);
        }
        q1.execute(&mut *tx).await?;
        q2.execute(&mut *tx).await?;
    }
    accounts::audit(
        &mut tx,
        Some(actor),
        "dashboard.nudged",
        &format!("{} people", send.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(NudgeResult {
        sent: send.len() as i64,
        skipped,
    })
}
