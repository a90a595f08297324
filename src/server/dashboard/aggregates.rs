//! Keeping the aggregates that the overview sums (`team_course_stats`,
//! `team_course_weekly`, `team_competency_stats`), and comparing them with a
//! full recount.

use super::pairs::{pairs_sql, EFFECTIVE_DUE};
use super::{WEEK, WEEK_SHIFT};
use crate::api::AppError;
use crate::server::db::Db;
use sqlx::{Any, Transaction};

/// Recounts the aggregates of one team, for one course or all of them.
pub async fn refresh(
    tx: &mut Transaction<'_, Any>,
    team: i64,
    course: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE teams SET stats_version = stats_version + 1 WHERE id = $1")
        .bind(team)
        .execute(&mut **tx)
        .await?;
    let (del_cond, cond) = match course {
        Some(_) => (
            "team_id = $1 AND course_id = $2",
            "u.team_id = $1 AND a.course_id = $2",
        ),
        None => ("team_id = $1", "u.team_id = $1"),
    };
    for table in [
        "team_course_stats",
        "team_course_weekly",
        "team_competency_stats",
    ] {
        let sql = format!("DELETE FROM {table} WHERE {del_cond}");
        let mut q = sqlx::query(&sql).bind(team);
        if let Some(c) = course {
            q = q.bind(c);
        }
        q.execute(&mut **tx).await?;
    }
    for sql in recount_sql(cond) {
        let mut q = sqlx::query(&sql).bind(team);
        if let Some(c) = course {
            q = q.bind(c);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The three statements that fill the aggregates for the people and
/// courses matching `cond`.
pub(super) fn recount_sql(cond: &str) -> [String; 3] {
    let pairs = pairs_sql(cond);
    [
        format!(
            "INSERT INTO team_course_stats (team_id, course_id, due_at, assigned, started, completed)
             SELECT p.team_id, p.course_id, {EFFECTIVE_DUE}, COUNT(*),
                    CAST(SUM(CASE WHEN e.user_id IS NOT NULL AND e.completed_at IS NULL THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)
               FROM ({pairs}) p
               LEFT JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id
              GROUP BY p.team_id, p.course_id, {EFFECTIVE_DUE}"
        ),
        format!(
            "INSERT INTO team_course_weekly (team_id, course_id, week, completed)
             SELECT p.team_id, p.course_id, (c.issued_at + {WEEK_SHIFT}) / {WEEK}, COUNT(*)
               FROM ({pairs}) p
               JOIN certificates c ON c.user_id = p.user_id AND c.course_id = p.course_id
              GROUP BY p.team_id, p.course_id, (c.issued_at + {WEEK_SHIFT}) / {WEEK}"
        ),
        format!(
            "INSERT INTO team_competency_stats (team_id, course_id, competency, total, n, share_total, share_n)
             SELECT u.team_id, a.course_id, s.competency, CAST(SUM(s.score) AS BIGINT), COUNT(*),
                    CAST(COALESCE(SUM(s.share), 0) AS BIGINT), COUNT(s.share)
               FROM users u
               JOIN attempts a ON a.user_id = u.id AND a.status = 'finished' AND a.kind = 'scenario'
               JOIN attempt_scores s ON s.attempt_id = a.id
              WHERE u.disabled = 0 AND u.team_id IS NOT NULL AND {cond}
              GROUP BY u.team_id, a.course_id, s.competency"
        ),
    ]
}

/// Recounts the cell of a person's team and a course (nothing when the
/// person has no team).
pub async fn refresh_for_user(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: Option<&str>,
) -> Result<(), AppError> {
    let team: Option<Option<i64>> = sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(Some(team)) = team {
        refresh(tx, team, course).await?;
    }
    Ok(())
}

/// Adds one finished scenario attempt's competency totals to its person's
/// team (nothing when the person has no team or is disabled, as a recount
/// would do): the same rows a recount makes, without reading the team's
/// other attempts, so finishing costs the same however many came before.
/// `scores`: per competency, the total and its share of the scenario's
/// range. Bumps `teams.stats_version` first, like `refresh`, so on
/// PostgreSQL it queues behind (or ahead of) a recount of the same team
/// instead of racing it.
pub async fn add_attempt_scores(
    tx: &mut Transaction<'_, Any>,
    user: i64,
    course: &str,
    scores: &[(String, i64, Option<i64>)],
) -> Result<(), AppError> {
    if scores.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE teams SET stats_version = stats_version + 1
          WHERE id = (SELECT team_id FROM users WHERE id = $1)",
    )
    .bind(user)
    .execute(&mut **tx)
    .await?;
    for (competency, score, share) in scores {
        sqlx::query(
            "INSERT INTO team_competency_stats (team_id, course_id, competency, total, n, share_total, share_n)
             SELECT u.team_id, $2, $3, $4, 1, COALESCE($5, 0), CASE WHEN $5 IS NULL THEN 0 ELSE 1 END
               FROM users u
              WHERE u.id = $1 AND u.disabled = 0 AND u.team_id IS NOT NULL
             ON CONFLICT (team_id, course_id, competency) DO UPDATE SET
                total = team_competency_stats.total + excluded.total,
                n = team_competency_stats.n + 1,
                share_total = team_competency_stats.share_total + excluded.share_total,
                share_n = team_competency_stats.share_n + excluded.share_n",
        )
        .bind(user)
        .bind(course)
        .bind(competency)
        .bind(score)
        .bind(share)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Counts the aggregates once when a database has assignments but none
/// counted (it was made before the dashboards existed).
pub async fn build_if_missing(db: &Db) -> Result<(), AppError> {
    let (assignments, counted): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM assignments LIMIT 1) a),
                (SELECT COUNT(*) FROM (SELECT 1 FROM team_course_stats LIMIT 1) s)",
    )
    .fetch_one(&db.pool)
    .await?;
    if assignments > 0 && counted == 0 {
        rebuild_all(db).await?;
    }
    Ok(())
}

/// Recounts every aggregate from scratch (after bulk loads: the demo, the
/// generator). Pages never call this.
pub async fn rebuild_all(db: &Db) -> Result<(), AppError> {
    let _turn = db.write_turn().await;
    let mut tx = db.begin_write().await?;
    for table in [
        "team_course_stats",
        "team_course_weekly",
        "team_competency_stats",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    for sql in recount_sql("1 = 1") {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    Ok(tx.commit().await?)
}

/// Every aggregate as a full recount would make it, for tests and
/// `rapport check-aggregates`: returns the rows that differ (empty: equal).
pub async fn aggregate_differences(db: &Db) -> Result<Vec<String>, AppError> {
    let mut diffs = Vec::new();
    for (table, key, vals) in [
        (
            "team_course_stats",
            "team_id, course_id, due_at",
            "assigned, started, completed",
        ),
        (
            "team_course_weekly",
            "team_id, course_id, week",
            "completed",
        ),
        (
            "team_competency_stats",
            "team_id, course_id, competency",
            "total, n",
        ),
    ] {
        let cols = format!("{key}, {vals}");
        let sql = format!("SELECT {cols} FROM {table} ORDER BY {key}",);
        let kept = dump(db, &sql).await?;
        // Recount into a scratch copy inside a transaction that is rolled back.
        let mut tx = db.begin_write().await?;
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
        let idx = match table {
            "team_course_stats" => 0,
            "team_course_weekly" => 1,
            _ => 2,
        };
        sqlx::query(&recount_sql("1 = 1")[idx])
            .execute(&mut *tx)
            .await?;
        let fresh = dump_tx(&mut tx, &sql).await?;
        tx.rollback().await?;
        for row in kept.iter().filter(|r| !fresh.contains(r)) {
            diffs.push(format!("{table}: kept {row} but a recount has no such row"));
        }
        for row in fresh.iter().filter(|r| !kept.contains(r)) {
            diffs.push(format!("{table}: a recount has {row} but it was not kept"));
        }
    }
    Ok(diffs)
}

pub(super) async fn dump(db: &Db, sql: &str) -> Result<Vec<String>, AppError> {
    let mut tx = db.begin_write().await?;
    let out = dump_tx(&mut tx, sql).await;
    let _ = tx.rollback().await;
    out
}

pub(super) async fn dump_tx(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
) -> Result<Vec<String>, AppError> {
    use sqlx::{Column, Row, ValueRef};
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.columns()
                .iter()
                .map(|c| {
                    let i = c.ordinal();
                    if r.try_get_raw(i).is_ok_and(|v| v.is_null()) {
                        "NULL".to_owned()
                    } else if let Ok(v) = r.try_get::<i64, _>(i) {
                        v.to_string()
                    } else {
                        r.try_get::<String, _>(i).unwrap_or_default()
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect())
}
