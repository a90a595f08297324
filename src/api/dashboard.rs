//! Managers' dashboards: completion at a glance for the teams a manager
//! manages (administrators: every team), drill-down to a team and a person,
//! assignments with due dates, and nudges. The CSV export is a plain GET
//! route (`/dashboard/export.csv`), see `server::http`.
//!
//! Access: managers see only the teams they manage, administrators see all;
//! everyone else is refused. Every function starts from
//! `server::dashboard::scope`.

use super::AppError;
use crate::domain::completion::{AttemptStatus, CourseStatus};
use crate::domain::course::ItemKind;
use crate::domain::scenario::Outcome;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The dashboard's filters as they appear in the URL, unparsed: the server
/// checks them and answers a clear message for a bad one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DashFilter {
    pub team: Option<String>,
    pub course: Option<String>,
    pub status: Option<String>,
    /// Due dates from (inclusive), `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Due dates to (inclusive), `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Team name contains (the heat map's teams).
    pub q: Option<String>,
    pub page: Option<String>,
}

impl DashFilter {
    pub fn from_query(q: &leptos_router::params::ParamsMap) -> DashFilter {
        let get = |k: &str| {
            q.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        DashFilter {
            team: get("team"),
            course: get("course"),
            status: get("status"),
            from: get("from"),
            to: get("to"),
            q: get("q"),
            page: get("page"),
        }
    }

    /// The filter as `k=v&…` (without the page), for links and the export.
    pub fn query_string(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::components::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("team", &self.team),
            ("course", &self.course),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

/// The label of a status named in a URL ("Unknown" for anything else: the
/// server refuses such a filter with a message).
pub fn status_label(key: &str) -> &'static str {
    CourseStatus::parse(key).map_or("Unknown", CourseStatus::label)
}

/// People with a course assigned, by where they are. `overdue` counts
/// people who have not completed by their due date (they are also counted
/// as not started or in progress).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub assigned: i64,
    pub not_started: i64,
    pub in_progress: i64,
    pub completed: i64,
    pub overdue: i64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.assigned += o.assigned;
        self.not_started += o.not_started;
        self.in_progress += o.in_progress;
        self.completed += o.completed;
        self.overdue += o.overdue;
    }

    pub fn get(&self, status: &str) -> i64 {
        match status {
            "not_started" => self.not_started,
            "in_progress" => self.in_progress,
            "overdue" => self.overdue,
            _ => self.completed,
        }
    }

    /// The share of assigned people in `status`, in whole percent (rounded down).
    pub fn percent(&self, status: &str) -> u32 {
        if self.assigned <= 0 {
            0
        } else {
            (self.get(status) * 100 / self.assigned) as u32
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeatRow {
    pub team_id: i64,
    pub team: String,
    /// One per column of `Overview::courses`; `None`: not assigned.
    pub cells: Vec<Option<Counts>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Monday 00:00 UTC of the week.
    pub week_start: i64,
    pub completed: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompetencyScore {
    pub competency: String,
    /// Average points per finished scenario, in tenths (27 = 2.7).
    pub average_tenths: i64,
    pub results: i64,
    /// Average share of what each scenario made possible, 0 to 100: 0 is
    /// the worst route's total, 100 the best's. `None` when no result has
    /// one (attempts finished before shares were recorded).
    #[serde(default)]
    pub share: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamCompetencies {
    /// `None`: everyone in the view.
    pub team_id: Option<i64>,
    pub team: String,
    pub scores: Vec<CompetencyScore>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// The filter as understood (normalised dates).
    pub filter: DashFilter,
    pub is_admin: bool,
    /// The teams that can be picked in the filter; empty when there are
    /// too many for a list (then the name search is the way).
    pub teams: Vec<Choice>,
    pub teams_total: i64,
    /// Every course assigned in the view (the filter's list).
    pub all_courses: Vec<Choice>,
    /// The courses shown: all, or the one filtered.
    pub courses: Vec<Choice>,
    pub totals: Counts,
    /// One per `courses`.
    pub per_course: Vec<Counts>,
    pub heat: Vec<HeatRow>,
    pub page: i64,
    pub pages: i64,
    pub trend: Vec<TrendPoint>,
    /// The first row is everyone in the view, then one per team of the page.
    pub competencies: Vec<TeamCompetencies>,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonCourse {
    /// Never `Overdue`: that is `overdue`, beside the status.
    pub status: CourseStatus,
    pub overdue: bool,
    pub due_at: Option<i64>,
    pub completed_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// One per column of `TeamReport::courses`; `None`: not assigned.
    pub cells: Vec<Option<PersonCourse>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamReport {
    pub team_id: i64,
    pub team: String,
    pub filter: DashFilter,
    pub courses: Vec<Choice>,
    pub totals: Counts,
    pub per_course: Vec<Counts>,
    pub people: Vec<PersonRow>,
    /// Members before the status filter.
    pub members: i64,
    pub competencies: TeamCompetencies,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonCourseRow {
    pub course: Choice,
    pub assigned: bool,
    pub state: PersonCourse,
    pub started_at: Option<i64>,
    pub renewals: i64,
    pub last_nudged_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathStep {
    pub scene: String,
    pub reply: String,
    /// Effects of the reply, e.g. "empathy +2".
    pub effects: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptReport {
    pub id: i64,
    pub course: String,
    pub item: String,
    pub kind: ItemKind,
    pub status: AttemptStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: Option<Outcome>,
    pub score: Option<i64>,
    pub passed: Option<bool>,
    pub competencies: Vec<(String, i64)>,
    pub path: Vec<PathStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonReport {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub team: Option<Choice>,
    pub disabled: bool,
    pub courses: Vec<PersonCourseRow>,
    pub attempts: Vec<AttemptReport>,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRow {
    pub id: i64,
    pub course: Choice,
    /// "Team: Name" or "Person: Name".
    pub target: String,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    pub due_at: Option<i64>,
    pub renew_months: Option<i64>,
    pub assigned_by: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentsData {
    pub rows: Vec<AssignmentRow>,
    pub teams: Vec<Choice>,
    pub courses: Vec<Choice>,
    pub is_admin: bool,
    pub now: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeResult {
    pub sent: i64,
    pub skipped: i64,
}

/// The overview for the caller's teams.
#[server(endpoint = "dashboard_overview")]
pub async fn dashboard_overview(filter: Option<DashFilter>) -> Result<Overview, AppError> {
    use crate::server::{dashboard, guard};
    let state = guard::state()?;
    let me = guard::require_user()?;
    let scope = dashboard::scope(&state.db, &me).await?;
    dashboard::overview(&state, &scope, &filter.unwrap_or_default()).await
}

/// One team's people with their status per course.
#[server(endpoint = "dashboard_team")]
pub async fn dashboard_team(id: i64, filter: Option<DashFilter>) -> Result<TeamReport, AppError> {
    use crate::server::{dashboard, guard};
    let state = guard::state()?;
    let me = guard::require_user()?;
    let scope = dashboard::scope(&state.db, &me).await?;
    dashboard::team_report(&state, &scope, id, &filter.unwrap_or_default()).await
}

/// One person's courses, attempts, scores, endings and paths.
#[server(endpoint = "dashboard_person")]
pub async fn dashboard_person(id: i64) -> Result<PersonReport, AppError> {
    use crate::server::{dashboard, guard};
    let state = guard::state()?;
    let me = guard::require_user()?;
    let scope = dashboard::scope(&state.db, &me).await?;
    dashboard::person_report(&state, &scope, id).await
}

/// Reminds everyone overdue in the view; nobody twice a day per course.
#[server(endpoint = "dashboard_nudge")]
pub async fn nudge_overdue(
    team: Option<String>,
    course: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
) -> Result<NudgeResult, AppError> {
    use crate::server::{dashboard, guard};
    let filter = DashFilter {
        team,
        course,
        status,
        from,
        to,
        q,
        page: None,
    };
    let back = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, String)> = filter.pairs();
        pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        guard::url_with("/dashboard", &refs)
    };
    let result = async {
        let state = guard::state()?;
        let me = guard::require_user()?;
        let scope = dashboard::scope(&state.db, &me).await?;
        dashboard::nudge(&state, &scope, me.id, &filter).await
    }
    .await;
    match &result {
        Ok(r) => guard::redirect(&back(&[
            ("nudged", &r.sent.to_string()),
            ("skipped", &r.skipped.to_string()),
        ])),
        Err(e) => guard::redirect(&back(&[("error", &e.to_string())])),
    }
    result
}

/// The assignments the caller may see and change.
#[server(endpoint = "dashboard_assignments")]
pub async fn list_assignments() -> Result<AssignmentsData, AppError> {
    use crate::server::{dashboard, guard};
    let state = guard::state()?;
    let me = guard::require_user()?;
    let scope = dashboard::scope(&state.db, &me).await?;
    dashboard::assignments(&state, &scope).await
}

/// Assigns a course to a team (`team`) or a person (`email`), with a due
/// date (`YYYY-MM-DD`) and, for recurring training, a renewal in months.
#[server(endpoint = "dashboard_assign")]
pub async fn create_assignment(
    course: String,
    team: Option<String>,
    email: Option<String>,
    due: Option<String>,
    renew_months: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::{dashboard, guard};
    let result = async {
        let state = guard::state()?;
        let me = guard::require_user()?;
        let scope = dashboard::scope(&state.db, &me).await?;
        dashboard::assign(
            &state,
            &scope,
            me.id,
            dashboard::AssignInput {
                course: &course,
                team: team.as_deref(),
                email: email.as_deref(),
                due: due.as_deref(),
                renew_months: renew_months.as_deref(),
            },
        )
        .await
    }
    .await;
    let mut keep = vec![("course", course.as_str())];
    for (k, v) in [
        ("team", &team),
        ("email", &email),
        ("due", &due),
        ("renew_months", &renew_months),
    ] {
        if let Some(v) = v.as_deref() {
            keep.push((k, v));
        }
    }
    match &result {
        Ok(_) => guard::redirect("/dashboard/assignments?saved=1"),
        Err(e) => {
            let msg = e.to_string();
            keep.push(("error", &msg));
            guard::redirect(&guard::url_with("/dashboard/assignments", &keep));
        }
    }
    result
}

#[server(endpoint = "dashboard_unassign")]
pub async fn delete_assignment(id: i64) -> Result<(), AppError> {
    use crate::server::{dashboard, guard};
    let result = async {
        let state = guard::state()?;
        let me = guard::require_user()?;
        let scope = dashboard::scope(&state.db, &me).await?;
        dashboard::unassign(&state, &scope, me.id, id).await
    }
    .await;
    guard::redirect_result("/dashboard/assignments", &result, |_| {
        "/dashboard/assignments?removed=1".into()
    });
    result
}
