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
use crate::server::db::Db;
use crate::server::guard::path_segment;
use crate::server::mail::{Body, Kind, Outgoing};
use crate::server::now;
use crate::server::sql::BindValues;
use crate::server::AppState;
use std::collections::HashMap;

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
    let people = if state.mail.settings().is_some() {
        contacts(db, send.iter().map(|r| r.0)).await?
    } else {
        HashMap::new()
    };
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
        for (user, course, due, _) in chunk.iter().copied() {
            let Some((email, name)) = people.get(user) else {
                continue;
            };
            let title = titles.get(course).map_or(course.as_str(), |t| t.as_str());
            state
                .mail
                .queue(
                    &mut tx,
                    Outgoing {
                        kind: Kind::Nudge,
                        user_id: Some(*user),
                        to: email,
                        to_name: name,
                        subject: format!("Reminder: “{title}” is overdue"),
                        body: Body::default()
                            .para(format!(
                                "{sender} sent you a reminder: “{title}” was due on {}.",
                                format_date(*due)
                            ))
                            .para("Your progress is saved, so you can pick up where you left off.")
                            .action(
                                format!("Open “{title}”"),
                                format!("/learn/{}", path_segment(course)),
                            ),
                        // The same once-a-day rule as the notice, should
                        // two managers press the button at the same moment.
                        dedupe: Some(format!("nudge:{user}:{course}:{}", t / 86_400)),
                    },
                )
                .await?;
        }
    }
    accounts::audit(
        &mut tx,
        Some(actor),
        "dashboard.nudged",
        &format!("{} people", send.len()),
    )
    .await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(NudgeResult {
        sent: send.len() as i64,
        skipped,
    })
}

/// The email address and name of each of these people.
pub(crate) async fn contacts(
    db: &Db,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, (String, String)>, AppError> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, email, name FROM users WHERE disabled = 0 AND id IN ({})",
            crate::server::sql::placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String, String)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, email, name) in q.fetch_all(&db.pool).await? {
            out.insert(id, (email, name));
        }
    }
    Ok(out)
}
