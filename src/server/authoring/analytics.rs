//! What learners chose in a published scenario.

use super::check::heavy_turn;
use super::check_path;
use super::map::scenario_map;
use crate::api::authoring::*;
use crate::api::AppError;
use crate::domain::course::ItemBody;
use crate::domain::play::ScenarioState;
use crate::server::sql::internal;
use crate::server::AppState;
use std::collections::{BTreeMap, HashMap};

/// What learners did on the published version of a scenario: choices by
/// (scene, index), endings by scene, unfinished attempts by scene.
#[derive(Default)]
pub(super) struct Counts {
    pub(super) attempts: i64,
    pub(super) choices: HashMap<(String, usize), i64>,
    pub(super) ended: HashMap<String, i64>,
    pub(super) dropped: HashMap<String, i64>,
}

/// The published version of the item at `path`, if it is live.
pub(super) fn live_version(state: &AppState, path: &str) -> Option<(String, String, i64)> {
    let catalog = state.content.get();
    catalog.courses().iter().find_map(|c| {
        let item = c.items.iter().find(|i| i.file == path)?;
        let v = catalog.version(&c.id, &item.id)?;
        Some((c.id.clone(), item.id.clone(), v.id))
    })
}

/// The saved states of the learners' attempts on the published version of
/// the scenario at `path` (status, state as JSON): counted with
/// [`count_choices`], on the blocking pool.
pub(super) async fn scenario_attempts(
    state: &AppState,
    path: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let Some((_, _, version_id)) = live_version(state, path) else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query_as(
        "SELECT status, state FROM attempts WHERE version_id = $1 AND kind = 'scenario' AND status <> 'abandoned'",
    )
    .bind(version_id)
    .fetch_all(&state.db.pool)
    .await?)
}

/// What the attempts chose, where they ended and where they stopped.
pub(super) fn count_choices(rows: &[(String, String)]) -> Counts {
    let mut counts = Counts::default();
    for (status, json) in rows {
        let Ok(play) = serde_json::from_str::<ScenarioState>(json) else {
            continue;
        };
        counts.attempts += 1;
        for m in &play.moves {
            *counts
                .choices
                .entry((m.scene.clone(), m.choice))
                .or_default() += 1;
        }
        if status == "finished" {
            *counts.ended.entry(play.scene.clone()).or_default() += 1;
        } else {
            *counts.dropped.entry(play.scene.clone()).or_default() += 1;
        }
    }
    counts
}

pub async fn analytics(state: &AppState, path: &str) -> Result<Analytics, AppError> {
    check_path(path)?;
    let catalog = state.content.get();
    let (course_id, item_id, version_id) = live_version(state, path).ok_or_else(|| {
        AppError::NotFound(format!(
            "`{path}` is not published as part of a course, so learners have not taken it."
        ))
    })?;
    let item = catalog
        .course(&course_id)
        .and_then(|c| c.item(&item_id))
        .ok_or_else(|| internal("analytics: the checked item is not in the catalog"))?;
    let mut out = Analytics {
        path: path.to_string(),
        title: item.title.clone(),
        kind: item.kind(),
        attempts: 0,
        finished: 0,
        endings: Vec::new(),
        map: None,
        questions: Vec::new(),
        typed: Vec::new(),
    };
    match &item.body {
        ItemBody::Scenario(s) => {
            let rows = scenario_attempts(state, path).await?;
            // Reading every attempt and laying out the map of a scenario
            // of any size: on the blocking pool, one at a time.
            let turn = heavy_turn().await?;
            let (at, catalog_in) = (path.to_string(), catalog.clone());
            let (course, id) = (course_id.clone(), item_id.clone());
            let (attempts, finished, endings, map) = tokio::task::spawn_blocking(move || {
                let Some(ItemBody::Scenario(s)) = catalog_in
                    .course(&course)
                    .and_then(|c| c.item(&id))
                    .map(|i| &i.body)
                else {
                    return None;
                };
                let counts = count_choices(&rows);
                let mut endings: BTreeMap<String, i64> = BTreeMap::new();
                for scene in &s.graph.scenes {
                    if let Some(e) = &scene.ending {
                        *endings
                            .entry(format!("{} ({})", scene.title, e.outcome.label()))
                            .or_default() += counts.ended.get(&scene.id).copied().unwrap_or(0);
                    }
                }
                Some((
                    counts.attempts,
                    counts.ended.values().sum(),
                    endings.into_iter().collect(),
                    scenario_map(&at, s, &counts),
                ))
            })
            .await
            .map_err(internal)?
            .ok_or_else(|| internal("analytics: the scenario left the catalog"))?;
            drop(turn);
            out.attempts = attempts;
            out.finished = finished;
            out.endings = endings;
            out.map = Some(map);
            out.typed = typed_stats(state, version_id, s).await?;
        }
        ItemBody::Quiz(q) => {
            let attempts: Vec<(String, String)> = sqlx::query_as(
                "SELECT status, state FROM attempts WHERE version_id = $1 AND kind = 'quiz'",
            )
            .bind(version_id)
            .fetch_all(&state.db.pool)
            .await?;
            out.attempts = attempts.len() as i64;
            out.finished = attempts.iter().filter(|(s, _)| s == "finished").count() as i64;
            // Reading every attempt: on the blocking pool, one at a time.
            let turn = heavy_turn().await?;
            let (answered, right, picked) =
                tokio::task::spawn_blocking(move || count_answers(&attempts))
                    .await
                    .map_err(internal)?;
            drop(turn);
            let share = |n: i64, of: i64| (of > 0).then(|| ((n * 100 + of / 2) / of) as u32);
            out.questions = q
                .questions
                .iter()
                .enumerate()
                .map(|(qi, question)| {
                    let n = answered.get(&qi).copied().unwrap_or(0);
                    QuestionStats {
                        id: question.id.clone(),
                        prompt_html: question.prompt_html.clone(),
                        answered: n,
                        correct_share: share(right.get(&qi).copied().unwrap_or(0), n),
                        options: question
                            .options
                            .iter()
                            .enumerate()
                            .map(|(i, o)| {
                                (
                                    o.html.clone(),
                                    o.correct,
                                    share(picked.get(&(qi, i)).copied().unwrap_or(0), n),
                                )
                            })
                            .collect(),
                    }
                })
                .collect();
        }
        ItemBody::Lesson(_) => {
            return Err(AppError::Invalid(
                "Lessons have no choices to count; open a scenario or a quiz.".into(),
            ))
        }
    }
    Ok(out)
}

/// Per question of a quiz's attempts: how many answered it, how many
/// rightly, and how many picked each option.
#[allow(clippy::type_complexity)]
fn count_answers(
    attempts: &[(String, String)],
) -> (
    HashMap<usize, i64>,
    HashMap<usize, i64>,
    HashMap<(usize, usize), i64>,
) {
    let mut answered: HashMap<usize, i64> = HashMap::new();
    let mut right: HashMap<usize, i64> = HashMap::new();
    let mut picked: HashMap<(usize, usize), i64> = HashMap::new();
    for (_, json) in attempts {
        let Ok(play) = serde_json::from_str::<crate::domain::quiz_play::QuizState>(json) else {
            continue;
        };
        for a in &play.answers {
            *answered.entry(a.question).or_default() += 1;
            if a.correct {
                *right.entry(a.question).or_default() += 1;
            }
            for &o in &a.picked {
                *picked.entry((a.question, o)).or_default() += 1;
            }
        }
    }
    (answered, right, picked)
}

/// Per typed scene of the published version: steps understood at once,
/// after another try, or taken from the list after typing; and the replies
/// that were not understood (text only).
async fn typed_stats(
    state: &AppState,
    version_id: i64,
    s: &crate::domain::course::Scenario,
) -> Result<Vec<TypedSceneStats>, AppError> {
    if !s.graph.scenes.iter().any(|sc| sc.typed) {
        return Ok(Vec::new());
    }
    // One row per step that had typed replies: its scene, whether one was
    // understood, how many were not, and whether the attempt moved past it.
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT t.scene,
                SUM(CASE WHEN t.verdict = 'understood' THEN 1 ELSE 0 END),
                SUM(CASE WHEN t.verdict = 'understood' THEN 0 ELSE 1 END),
                SUM(CASE WHEN a.step > t.step THEN 1 ELSE 0 END)
         FROM typed_tries t JOIN attempts a ON a.id = t.attempt_id
         WHERE a.version_id = $1
         GROUP BY t.attempt_id, t.step, t.scene",
    )
    .bind(version_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut by_scene: HashMap<String, TypedSceneStats> = HashMap::new();
    for (scene, understood, missed, moved_on) in rows {
        let e = by_scene.entry(scene).or_default();
        match (understood > 0, missed > 0) {
            (true, false) => e.at_once += 1,
            (true, true) => e.after_retry += 1,
            (false, _) if moved_on > 0 => e.fell_back += 1,
            _ => {}
        }
    }
    let missed: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT t.scene, t.said, COUNT(*) FROM typed_tries t JOIN attempts a ON a.id = t.attempt_id
         WHERE a.version_id = $1 AND t.verdict = 'unsure'
         GROUP BY t.scene, t.said ORDER BY COUNT(*) DESC, t.said LIMIT 2000",
    )
    .bind(version_id)
    .fetch_all(&state.db.pool)
    .await?;
    for (scene, said, n) in missed {
        let e = by_scene.entry(scene).or_default();
        if e.not_understood.len() < 20 {
            e.not_understood.push((said, n));
        }
    }
    Ok(s.graph
        .scenes
        .iter()
        .filter(|sc| sc.takes_typed_replies())
        .map(|sc| TypedSceneStats {
            scene: sc.title.clone(),
            ..by_scene.remove(&sc.id).unwrap_or_default()
        })
        .collect())
}
