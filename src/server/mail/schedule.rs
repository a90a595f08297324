//! Email that time brings: a reminder a few days before a due date, one on
//! the day a course becomes overdue, and each manager's weekly digest.
//!
//! Every instance runs this; each message has a dedupe key (person, course
//! and due date; manager and week), so a second instance, or a second run
//! after a restart, queues nothing twice.

use super::{Body, Kind, Outgoing};
use crate::api::AppError;
use crate::domain::time::format_date;
use crate::server::dashboard::filter::course_titles;
use crate::server::dashboard::pairs::{pairs_sql, EFFECTIVE_DUE};
use crate::server::dashboard::DAY;
use crate::server::guard::path_segment;
use crate::server::{now, AppState};
use std::collections::BTreeMap;

const WEEK: i64 = 7 * DAY;
/// Digests go out from Monday 07:00 UTC.
const DIGEST_FROM: i64 = 7 * 3600;
/// People and completions listed per team in a digest; the rest are counted.
const DIGEST_LIST: usize = 15;

/// Every ten minutes while email is on.
pub async fn run(state: AppState) {
    if state.mail.settings().is_none() {
        return;
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match run_once(&state, now()).await {
            Ok((0, 0)) => {}
            Ok((due, digests)) => {
                tracing::info!("queued {due} due-date reminders and {digests} digests")
            }
            Err(e) => tracing::warn!("queuing scheduled email failed: {e}"),
        }
    }
}

/// Queues what is due at time `t`: (reminders, digests) queued.
pub async fn run_once(state: &AppState, t: i64) -> Result<(usize, usize), AppError> {
    let Some(settings) = state.mail.settings() else {
        return Ok((0, 0));
    };
    let due = due_reminders(state, t, settings.due_soon_days).await?;
    let digests = if t - week_start(t) >= DIGEST_FROM {
        weekly_digests(state, t).await?
    } else {
        0
    };
    if due + digests > 0 {
        state.mail.wake();
    }
    Ok((due, digests))
}

/// Monday 00:00 UTC of `t`'s week (1970-01-01 was a Thursday).
fn week_start(t: i64) -> i64 {
    let days = t.div_euclid(DAY);
    (days - (days + 3).rem_euclid(7)) * DAY
}

type Row = (i64, String, i64, String, String);

async fn due_reminders(state: &AppState, t: i64, days: i64) -> Result<usize, AppError> {
    let db = &state.db;
    let sql = format!(
        "SELECT p.user_id, p.course_id, {EFFECTIVE_DUE}, u.email, u.name
           FROM ({}) p
           JOIN users u ON u.id = p.user_id
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
          WHERE e.completed_at IS NULL AND {EFFECTIVE_DUE} > $1 AND {EFFECTIVE_DUE} <= $2
          ORDER BY p.user_id, p.course_id",
        pairs_sql("1 = 1")
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(t - DAY)
        .bind(t + days * DAY)
        .fetch_all(&db.pool)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let titles = course_titles(state).await?;
    let mut queued = 0;
    for chunk in rows.chunks(200) {
        let _turn = db.write_turn().await;
        let mut tx = db.begin_write().await?;
        for (user, course, due, email, name) in chunk {
            let title = titles.get(course).map_or(course.as_str(), |s| s.as_str());
            let link = format!("/learn/{}", path_segment(course));
            let date = format_date(*due);
            let m = if *due > t {
                Outgoing {
                    kind: Kind::DueSoon,
                    user_id: Some(*user),
                    to: email,
                    to_name: name,
                    subject: format!("“{title}” is due on {date}"),
                    body: Body::default()
                        .para(format!("“{title}” is assigned to you and due on {date}. You have not completed it yet."))
                        .para("Your progress is saved, so you can pick up where you left off.")
                        .action(format!("Open “{title}”"), link),
                    dedupe: Some(format!("due_soon:{user}:{course}:{due}")),
                }
            } else {
                Outgoing {
                    kind: Kind::Overdue,
                    user_id: Some(*user),
                    to: email,
                    to_name: name,
                    subject: format!("“{title}” is now overdue"),
                    body: Body::default()
                        .para(format!("“{title}” was due on {date} and is now overdue."))
                        .para("Your progress is saved, so you can finish where you left off.")
                        .action(format!("Open “{title}”"), link),
                    dedupe: Some(format!("overdue:{user}:{course}:{due}")),
                }
            };
            if state.mail.queue(&mut tx, m).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(queued)
}

struct Team {
    name: String,
    overdue: Vec<String>,
    completed: Vec<String>,
}

async fn weekly_digests(state: &AppState, t: i64) -> Result<usize, AppError> {
    let db = &state.db;
    let week = week_start(t) / WEEK;
    let managers: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT m.user_id, u.email, u.name, m.team_id, t.name
           FROM team_managers m
           JOIN users u ON u.id = m.user_id
           JOIN teams t ON t.id = m.team_id
          WHERE u.disabled = 0
            AND NOT EXISTS (SELECT 1 FROM mail_optouts o WHERE o.user_id = m.user_id AND o.kind = 'digest')
          ORDER BY m.user_id, t.name",
    )
    .fetch_all(&db.pool)
    .await?;
    if managers.is_empty() {
        return Ok(0);
    }
    let titles = course_titles(state).await?;
    let mut by_manager: BTreeMap<i64, (String, String, Vec<Team>)> = BTreeMap::new();
    let mut teams: BTreeMap<i64, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (_, _, _, team, _) in &managers {
        if teams.contains_key(team) {
            continue;
        }
        teams.insert(*team, team_week(state, &titles, *team, t).await?);
    }
    for (user, email, name, team, team_name) in managers {
        let (overdue, completed) = teams.get(&team).cloned().unwrap_or_default();
        by_manager
            .entry(user)
            .or_insert_with(|| (email, name, Vec::new()))
            .2
            .push(Team {
                name: team_name,
                overdue,
                completed,
            });
    }
    let mut queued = 0;
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    for (user, (email, name, teams)) in &by_manager {
        if teams
            .iter()
            .all(|t| t.overdue.is_empty() && t.completed.is_empty())
        {
            continue;
        }
        let overdue: usize = teams.iter().map(|t| t.overdue.len()).sum();
        let completed: usize = teams.iter().map(|t| t.completed.len()).sum();
        let mut body = Body::default().para(format!(
            "This week in your {}: {overdue} overdue and {completed} completed in the last 7 days.",
            if teams.len() == 1 { "team" } else { "teams" }
        ));
        for team in teams {
            if !team.overdue.is_empty() {
                body = body
                    .para(format!("{}: overdue ({})", team.name, team.overdue.len()))
                    .list(capped(&team.overdue));
            }
            if !team.completed.is_empty() {
                body = body
                    .para(format!(
                        "{}: completed this week ({})",
                        team.name,
                        team.completed.len()
                    ))
                    .list(capped(&team.completed));
            }
        }
        body = body.action("Open the dashboard", "/dashboard");
        let m = Outgoing {
            kind: Kind::Digest,
            user_id: Some(*user),
            to: email,
            to_name: name,
            subject: format!("Your team this week: {overdue} overdue, {completed} completed"),
            body,
            dedupe: Some(format!("digest:{user}:{week}")),
        };
        if state.mail.queue(&mut tx, m).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

fn capped(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().take(DIGEST_LIST).cloned().collect();
    if items.len() > DIGEST_LIST {
        out.push(format!("and {} more", items.len() - DIGEST_LIST));
    }
    out
}

/// A team's overdue people and the week's completions, as lines.
async fn team_week(
    state: &AppState,
    titles: &BTreeMap<String, String>,
    team: i64,
    t: i64,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let title = |c: &str| titles.get(c).cloned().unwrap_or_else(|| c.to_owned());
    let sql = format!(
        "SELECT u.name, p.course_id, {EFFECTIVE_DUE}
           FROM ({}) p
           JOIN users u ON u.id = p.user_id
           LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
          WHERE e.completed_at IS NULL AND {EFFECTIVE_DUE} > 0 AND {EFFECTIVE_DUE} < $2
          ORDER BY 3, 1",
        pairs_sql("u.team_id = $1")
    );
    let overdue: Vec<(String, String, i64)> = sqlx::query_as(&sql)
        .bind(team)
        .bind(t)
        .fetch_all(&state.db.pool)
        .await?;
    let completed: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.name, e.course_id FROM enrolments e JOIN users u ON u.id = e.user_id
          WHERE u.team_id = $1 AND u.disabled = 0 AND e.completed_at >= $2 AND e.completed_at <= $3
          ORDER BY e.completed_at DESC",
    )
    .bind(team)
    .bind(t - WEEK)
    .bind(t)
    .fetch_all(&state.db.pool)
    .await?;
    Ok((
        overdue
            .into_iter()
            .map(|(n, c, due)| format!("{n}: “{}”, due {}", title(&c), format_date(due)))
            .collect(),
        completed
            .into_iter()
            .map(|(n, c)| format!("{n} completed “{}”", title(&c)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-30 was a Monday.
        let monday = 1_795_996_800;
        assert_eq!(week_start(monday), monday);
        assert_eq!(week_start(monday + 6 * DAY + 3600), monday);
        assert_eq!(week_start(monday - 1), monday - WEEK);
    }
}
