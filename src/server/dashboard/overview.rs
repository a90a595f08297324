//! The organisation overview: totals, the heat map of teams by course,
//! competency scores and the weekly trend, all summed from the aggregates.

use super::filter::{course_titles, echo, parse_filter, sorted_choices, stats_conds};
use super::{
    teams_in_scope, week_of, week_start, Scope, TEAMS_PER_PAGE, TEAM_LIST_MAX, TREND_WEEKS,
};
use crate::api::dashboard::*;
use crate::api::AppError;
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::{like_contains, BindValues, Value, Where};
use crate::server::AppState;
use sqlx::FromRow;

#[derive(FromRow)]
pub(super) struct StatRow {
    pub(super) team_id: i64,
    pub(super) course_id: String,
    pub(super) assigned: i64,
    pub(super) started: i64,
    pub(super) completed: i64,
    pub(super) overdue: i64,
}

impl StatRow {
    pub(super) fn counts(&self) -> Counts {
        Counts {
            assigned: self.assigned,
            not_started: self.assigned - self.started - self.completed,
            in_progress: self.started,
            completed: self.completed,
            overdue: self.overdue,
        }
    }
}

pub(super) fn stat_select(group_team: bool, now_ph: usize) -> String {
    format!(
        "SELECT {team} AS team_id, course_id,
                CAST(SUM(assigned) AS BIGINT) AS assigned,
                CAST(SUM(started) AS BIGINT) AS started,
                CAST(SUM(completed) AS BIGINT) AS completed,
                CAST(SUM(CASE WHEN due_at > 0 AND due_at < ${now_ph} THEN assigned - completed ELSE 0 END) AS BIGINT) AS overdue
           FROM team_course_stats",
        team = if group_team { "team_id" } else { "0" },
    )
}

pub(super) async fn stat_rows(
    db: &Db,
    conds: &Where,
    group_team: bool,
    now: i64,
) -> Result<Vec<StatRow>, AppError> {
    let sql = format!(
        "{} WHERE {} GROUP BY {}course_id",
        stat_select(group_team, conds.next()),
        conds.sql(),
        if group_team { "team_id, " } else { "" }
    );
    Ok(sqlx::query_as::<_, StatRow>(&sql)
        .bind_values(conds.binds())
        .bind(now)
        .fetch_all(&db.pool)
        .await?)
}

pub(super) async fn competency_rows(
    db: &Db,
    conds: &Where,
    group_team: bool,
) -> Result<Vec<CompRow>, AppError> {
    let sql = format!(
        "SELECT {team} AS team_id, competency, CAST(SUM(total) AS BIGINT), CAST(SUM(n) AS BIGINT),
                CAST(SUM(share_total) AS BIGINT), CAST(SUM(share_n) AS BIGINT)
           FROM team_competency_stats WHERE {} GROUP BY {group}competency ORDER BY competency",
        conds.sql(),
        team = if group_team { "team_id" } else { "0" },
        group = if group_team { "team_id, " } else { "" },
    );
    Ok(sqlx::query_as(&sql)
        .bind_values(conds.binds())
        .fetch_all(&db.pool)
        .await?)
}

/// One team's (or everyone's) sums for one competency: team id,
/// competency, total points, results, total of shares, results with a share.
pub(super) type CompRow = (i64, String, i64, i64, i64, i64);

pub(super) fn competency_scores<'a>(
    rows: impl Iterator<Item = &'a CompRow>,
) -> Vec<CompetencyScore> {
    rows.filter(|r| r.3 > 0)
        .map(
            |(_, competency, total, n, share_total, share_n)| CompetencyScore {
                competency: competency.clone(),
                // Rounded to the nearest tenth.
                average_tenths: (total * 20 + n * total.signum()) / (2 * n),
                results: *n,
                // Rounded to the nearest per cent.
                share: (*share_n > 0).then(|| (share_total * 2 + share_n) / (2 * share_n)),
            },
        )
        .collect()
}

pub async fn overview(
    state: &AppState,
    scope: &Scope,
    raw: &DashFilter,
) -> Result<Overview, AppError> {
    let db = &state.db;
    let titles = course_titles(state).await?;
    let f = parse_filter(scope, &titles, raw)?;
    let t = now();

    // The teams of the heat map's page.
    let mut tc = Where::default();
    if let Scope::Teams(ids) = scope {
        tc.in_list("id", ids);
    }
    if let Some(team) = f.team {
        tc.push("id = {}", Value::Int(team));
    }
    if let Some(q) = &f.q {
        tc.push(
            "LOWER(name) LIKE {} ESCAPE '\\'",
            Value::Text(like_contains(q)),
        );
    }
    let (teams_total,): (i64,) =
        sqlx::query_as(&format!("SELECT COUNT(*) FROM teams WHERE {}", tc.sql()))
            .bind_values(tc.binds())
            .fetch_one(&db.pool)
            .await?;
    let pages = ((teams_total + TEAMS_PER_PAGE - 1) / TEAMS_PER_PAGE).max(1);
    let page = f.page.min(pages);
    let page_teams_sql = format!(
        "SELECT id, name FROM teams WHERE {} ORDER BY LOWER(name), id LIMIT {TEAMS_PER_PAGE} OFFSET {}",
        tc.sql(),
        (page - 1) * TEAMS_PER_PAGE
    );
    let page_teams: Vec<(i64, String)> = sqlx::query_as(&page_teams_sql)
        .bind_values(tc.binds())
        .fetch_all(&db.pool)
        .await?;

    // The filter's team list: every team in scope, unless there are too many.
    let teams = teams_in_scope(db, scope, TEAM_LIST_MAX + 1).await?;
    let teams: Vec<Choice> = if teams.len() as i64 > TEAM_LIST_MAX {
        Vec::new()
    } else {
        teams
            .into_iter()
            .map(|(id, name)| Choice {
                id: id.to_string(),
                name,
            })
            .collect()
    };

    // Per course, for everyone in view.
    let conds = stats_conds(scope, &f, true);
    let by_course = stat_rows(db, &conds, false, t).await?;
    let mut course_ids: Vec<String> = by_course.iter().map(|r| r.course_id.clone()).collect();
    if let Some(c) = &f.course {
        course_ids = vec![c.clone()];
    }
    let courses = sorted_choices(&titles, &course_ids);
    let per_course: Vec<Counts> = courses
        .iter()
        .map(|c| {
            by_course
                .iter()
                .find(|r| r.course_id == c.id)
                .map(StatRow::counts)
                .unwrap_or_default()
        })
        .collect();
    let mut totals = Counts::default();
    for c in &per_course {
        totals.add(c);
    }

    // Heat map: the page's teams × the courses.
    let page_ids: Vec<i64> = page_teams.iter().map(|(id, _)| *id).collect();
    let mut hc = stats_conds(scope, &f, true);
    hc.in_list("team_id", &page_ids);
    let cells = if page_ids.is_empty() {
        Vec::new()
    } else {
        stat_rows(db, &hc, true, t).await?
    };
    let heat = page_teams
        .iter()
        .map(|(id, name)| HeatRow {
            team_id: *id,
            team: name.clone(),
            cells: courses
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .find(|r| r.team_id == *id && r.course_id == c.id)
                        .map(StatRow::counts)
                })
                .collect(),
        })
        .collect();

    // Completions per week.
    let this_week = week_of(t);
    let mut wc = stats_conds(scope, &f, false);
    wc.push("week >= {}", Value::Int(this_week - TREND_WEEKS + 1));
    let weeks_sql = format!(
        "SELECT week, CAST(SUM(completed) AS BIGINT) FROM team_course_weekly WHERE {} GROUP BY week",
        wc.sql()
    );
    let weeks: Vec<(i64, i64)> = sqlx::query_as(&weeks_sql)
        .bind_values(wc.binds())
        .fetch_all(&db.pool)
        .await?;
    let trend = (this_week - TREND_WEEKS + 1..=this_week)
        .map(|w| TrendPoint {
            week_start: week_start(w),
            completed: weeks
                .iter()
                .find(|(wk, _)| *wk == w)
                .map(|r| r.1)
                .unwrap_or(0),
        })
        .collect();

    // Competencies: everyone in view, then each team of the page.
    let cc = stats_conds(scope, &f, false);
    let all = competency_rows(db, &cc, false).await?;
    let mut competencies = vec![TeamCompetencies {
        team_id: None,
        team: "Everyone in this view".into(),
        scores: competency_scores(all.iter()),
    }];
    if !page_ids.is_empty() {
        let mut pc = stats_conds(scope, &f, false);
        pc.in_list("team_id", &page_ids);
        let rows = competency_rows(db, &pc, true).await?;
        for (id, name) in &page_teams {
            let scores = competency_scores(rows.iter().filter(|r| r.0 == *id));
            if !scores.is_empty() {
                competencies.push(TeamCompetencies {
                    team_id: Some(*id),
                    team: name.clone(),
                    scores,
                });
            }
        }
    }

    let all_ids: Vec<String> = titles.keys().cloned().collect();
    let mut filter = echo(&f, raw);
    filter.page = Some(page.to_string());
    Ok(Overview {
        filter,
        is_admin: scope.is_admin(),
        teams,
        teams_total,
        all_courses: sorted_choices(&titles, &all_ids),
        courses,
        per_course,
        totals,
        heat,
        page,
        pages,
        trend,
        competencies,
        now: t,
    })
}
