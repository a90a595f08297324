//! Managers' dashboards: every SQL statement of assignments, aggregates,
//! drill-down, export, nudges and recertification.
//!
//! **Aggregates, not recounts.** `team_course_stats`, `team_course_weekly`
//! and `team_competency_stats` hold per team and course what the overview
//! shows. They are recounted for one (team, course) cell, or one team,
//! whenever something that changes them is written: an enrolment starts or
//! completes, an assignment or a membership changes, a completion expires.
//! A finished scenario attempt only adds its scores to its team's
//! competency rows (`add_attempt_scores`: the hot path of every learner's
//! last step, constant cost). A page view only sums them. A recount, and
//! that addition, first bump `teams.stats_version`, so on PostgreSQL two
//! writers of one team queue on that row's lock and the second sees the
//! first's rows.
//!
//! **Who sees what.** Every entry point takes a `Scope`: administrators see
//! every team, managers the teams they manage (`accounts::managed_team_ids`),
//! anyone else is refused before any query.

mod aggregates;
mod assignments;
mod drilldown;
mod export;
pub(crate) mod filter;
pub(crate) mod nudges;
mod overview;
pub(crate) mod pairs;
mod renewals;

use super::accounts;
use super::db::Db;
use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::domain::Role;
pub use aggregates::{
    add_attempt_scores, aggregate_differences, build_if_missing, rebuild_all, refresh,
    refresh_for_user,
};
pub use assignments::{assign, assignments, unassign, AssignInput};
pub use drilldown::{person_report, team_report};
pub use export::{csv_field, export_csv, export_query, Export, CSV_HEADER, EXPORT_SEND_DEADLINE};
pub use nudges::nudge;
pub use overview::overview;
pub use renewals::renew_expired;

pub const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// Weeks start on Monday 00:00 UTC (1970-01-01 was a Thursday).
const WEEK_SHIFT: i64 = 3 * DAY;
/// How many weeks the trend shows.
pub const TREND_WEEKS: i64 = 12;
/// Teams per page of the heat map.
pub const TEAMS_PER_PAGE: i64 = 25;
/// Above this many teams the filter offers a name search, not a list.
const TEAM_LIST_MAX: i64 = 300;
/// How long a re-opened recurring course gives the learner.
pub const RENEWAL_GRACE: i64 = 30 * DAY;
/// Nobody is nudged twice within this for the same course.
pub const NUDGE_GAP: i64 = DAY;
const MAX_ASSIGNMENT_ROWS: i64 = 500;

pub fn week_of(t: i64) -> i64 {
    (t + WEEK_SHIFT).div_euclid(WEEK)
}

pub fn week_start(week: i64) -> i64 {
    week * WEEK - WEEK_SHIFT
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Teams(Vec<i64>),
}

impl Scope {
    pub fn allows(&self, team: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Teams(t) => t.contains(&team),
        }
    }

    fn is_admin(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// Administrators see every team, managers the teams they manage; anyone
/// else may not use the dashboards.
pub async fn scope(db: &Db, me: &SessionUser) -> Result<Scope, AppError> {
    if me.roles.has(Role::Admin) {
        Ok(Scope::All)
    } else if me.roles.has(Role::Manager) {
        Ok(Scope::Teams(accounts::managed_team_ids(db, me.id).await?))
    } else {
        Err(AppError::Forbidden)
    }
}

/// The teams in scope by name, at most `limit` of them (the filters' team
/// lists, and the choice of whom to assign a course to).
async fn teams_in_scope(
    db: &Db,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let mut w = super::sql::Where::default();
    if let Scope::Teams(ids) = scope {
        w.in_list("id", ids);
    }
    use super::sql::BindValues;
    Ok(sqlx::query_as(&format!(
        "SELECT id, name FROM teams WHERE {} ORDER BY LOWER(name), id LIMIT {limit}",
        w.sql()
    ))
    .bind_values(w.binds())
    .fetch_all(&db.pool)
    .await?)
}
