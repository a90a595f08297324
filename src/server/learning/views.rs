//! What a learner reads: My learning, a course's outline, a lesson, and
//! opening an item at the version the learner's attempt is pinned to.

use super::attempts::latest_attempt;
use super::quiz::quiz_view;
use super::scenario::scenario_view;
use super::{
    card, due_dates, find_course, find_item, item_state, latest_certificate, place, progress_rows,
    states_only, AttemptRow, EnrolmentRow,
};
use crate::api::auth::SessionUser;
use crate::api::learn::*;
use crate::api::AppError;
use crate::content::store::Catalog;
use crate::domain::completion::{self, CourseStatus, ItemState};
use crate::domain::course::{Course, Item, ItemKind};
use crate::server::now;
use crate::server::AppState;
use std::collections::HashMap;
use std::sync::Arc;

pub async fn my_learning(state: &AppState, user: &SessionUser) -> Result<MyLearningData, AppError> {
    let db = &state.db;
    let catalog = state.content.get();
    let t = now();
    let enrolments: Vec<EnrolmentRow> = sqlx::query_as(
        "SELECT course_id, last_item, completed_at FROM enrolments WHERE user_id = $1",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let enrolments: HashMap<String, EnrolmentRow> = enrolments
        .into_iter()
        .map(|e| (e.course_id.clone(), e))
        .collect();
    let progress: Vec<(String, String, String)> =
        sqlx::query_as("SELECT course_id, item_id, state FROM item_progress WHERE user_id = $1")
            .bind(user.id)
            .fetch_all(&db.pool)
            .await?;
    let mut states: HashMap<String, HashMap<String, ItemState>> = HashMap::new();
    for (c, i, s) in progress {
        states.entry(c).or_default().insert(i, item_state(&s));
    }
    let certs: Vec<(String, String)> = sqlx::query_as(
        "SELECT course_id, code FROM certificates WHERE user_id = $1 ORDER BY issued_at",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let certs: HashMap<String, String> = certs.into_iter().collect();
    let due = due_dates(db, user.id).await?;
    let empty = HashMap::new();
    let mut assigned = Vec::new();
    let mut other = Vec::new();
    for course in catalog.courses() {
        let c = card(
            course,
            states.get(&course.id).unwrap_or(&empty),
            enrolments.get(&course.id),
            due.get(&course.id).copied(),
            certs.get(&course.id).cloned(),
            t,
        );
        if c.assigned {
            assigned.push(c);
        } else {
            other.push(c);
        }
    }
    // Overdue first, then by due date; completed last.
    assigned.sort_by_key(|c| {
        (
            c.status == CourseStatus::Completed,
            c.status != CourseStatus::Overdue,
            c.due_at.unwrap_or(i64::MAX),
        )
    });
    let notices: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, message, course_id, created_at FROM notifications
         WHERE user_id = $1 AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 20",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(MyLearningData {
        name: user.name.clone(),
        assigned,
        other,
        notices: notices
            .into_iter()
            .map(|(id, message, course_id, created_at)| Notice {
                id,
                message,
                course_id,
                created_at,
            })
            .collect(),
        now: t,
    })
}

pub async fn course_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
) -> Result<CourseData, AppError> {
    let db = &state.db;
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let progress = progress_rows(db, user.id, course_id).await?;
    let states = states_only(&progress);
    let enrolment: Option<EnrolmentRow> = sqlx::query_as(
        "SELECT course_id, last_item, completed_at FROM enrolments WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user.id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await?;
    let due = due_dates(db, user.id).await?;
    let cert = latest_certificate(db, user.id, course_id).await?;
    let required = completion::required_items(course);
    Ok(CourseData {
        card: card(
            course,
            &states,
            enrolment.as_ref(),
            due.get(course_id).copied(),
            cert,
            now(),
        ),
        description_html: course.description_html.clone(),
        competencies: course.competencies.clone(),
        items: course
            .items
            .iter()
            .map(|i| OutlineItem {
                id: i.id.clone(),
                title: i.title.clone(),
                kind: i.kind(),
                minutes: i.minutes,
                state: progress.get(&i.id).map_or(ItemState::NotStarted, |p| p.0),
                required: required.contains(&i.id.as_str()),
                best_score: progress.get(&i.id).and_then(|p| p.1),
            })
            .collect(),
    })
}

pub async fn item_data(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<ItemData, AppError> {
    let kind = {
        let catalog = state.content.get();
        let course = find_course(&catalog, course_id)?;
        find_item(course, item_id)?.1.kind()
    };
    Ok(match kind {
        ItemKind::Lesson => ItemData::Lesson(lesson_view(state, user, course_id, item_id).await?),
        ItemKind::Scenario => {
            ItemData::Scenario(scenario_view(state, user, course_id, item_id).await?)
        }
        ItemKind::Quiz => ItemData::Quiz(quiz_view(state, user, course_id, item_id).await?),
    })
}

pub async fn lesson_view(
    state: &AppState,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
) -> Result<LessonData, AppError> {
    let catalog = state.content.get();
    let course = find_course(&catalog, course_id)?;
    let (index, item) = find_item(course, item_id)?;
    if item.kind() != ItemKind::Lesson {
        return Err(AppError::not_found("This lesson"));
    }
    let org = crate::content::store::organisation(&state.db).await?;
    let html = catalog.lesson_html(item, &org).to_string();
    let progress = progress_rows(&state.db, user.id, course_id).await?;
    Ok(LessonData {
        place: place(course, index),
        html,
        done: progress
            .get(item_id)
            .is_some_and(|p| p.0 == ItemState::Done),
    })
}

/// The course, the item's position, the learner's latest attempt at it and
/// the item as that attempt sees it (its pinned version), or the current
/// version when there is no attempt yet.
pub(super) async fn open_item<'a>(
    state: &AppState,
    catalog: &'a Catalog,
    user: &SessionUser,
    course_id: &str,
    item_id: &str,
    kind: ItemKind,
) -> Result<(&'a Course, usize, Option<AttemptRow>, Arc<Item>), AppError> {
    let course = find_course(catalog, course_id)?;
    let (index, current) = find_item(course, item_id)?;
    if current.kind() != kind {
        return Err(AppError::not_found(match kind {
            ItemKind::Scenario => "This scenario",
            ItemKind::Quiz => "This quiz",
            ItemKind::Lesson => "This lesson",
        }));
    }
    let attempt = latest_attempt(&state.db, user.id, course_id, item_id).await?;
    let version = match &attempt {
        Some(a) => Some(a.version_id),
        None => catalog.version(course_id, item_id).map(|v| v.id),
    };
    let mut item = match version {
        Some(v) => catalog.item_at_version(&state.db, course_id, v).await?,
        None => Arc::new(current.clone()),
    };
    if catalog.is_templated(&item) {
        let org = crate::content::store::organisation(&state.db).await?;
        item = catalog.with_organisation(item, &org);
    }
    Ok((course, index, attempt, item))
}
