//! Back-filling the LRS when xAPI is turned on later: every attempt
//! finished before that moment is sent as the statements it would have made
//! (attempted, each reply or answer, its ending or result), dated when it
//! finished. Ids are derived from the attempt, so pressing the button twice
//! queues nothing new. Attempts started since xAPI is on were sent live.

use crate::api::AppError;
use crate::domain::course::ItemBody;
use crate::domain::play::ScenarioState;
use crate::domain::quiz_play::QuizState;
use crate::server::xapi::statements::Actor;
use crate::server::xapi::Statement;
use crate::server::AppState;

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Queues the statements of past attempts. Returns how many were new.
pub async fn backfill(state: &AppState) -> Result<usize, AppError> {
    let Some(cutoff) = state.xapi.enabled_at() else {
        return Err(AppError::Conflict(
            "xAPI is off: start Rapport with --xapi-endpoint, --xapi-key and --xapi-secret first."
                .into(),
        ));
    };
    let db = &state.db;
    let catalog = state.content.get();
    let mut after = 0i64;
    let mut queued = 0;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.user_id, u.email, u.name, a.course_id, a.item_id, a.state, a.outcome, \
                    a.score, a.passed, a.finished_at \
               FROM attempts a JOIN users u ON u.id = a.user_id \
              WHERE a.status = 'finished' AND a.started_at < $1 AND a.id > $2 \
              ORDER BY a.id LIMIT 200",
        )
        .bind(cutoff)
        .bind(after)
        .fetch_all(&db.pool)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.0;
        let mut batch: Vec<(i64, Vec<Statement>)> = Vec::with_capacity(rows.len());
        for (id, user, email, name, course_id, item_id, raw, outcome, score, passed, finished) in
            &rows
        {
            let Some(course) = catalog.courses().iter().find(|c| &c.id == course_id) else {
                continue;
            };
            let Some(item) = course.items.iter().find(|i| &i.id == item_id) else {
                continue;
            };
            let Some(b) = state.xapi.backfill_builder(*id, finished.unwrap_or(cutoff)) else {
                break;
            };
            let who = Actor {
                user_id: *user,
                email,
                name,
            };
            let mut out = vec![b.attempted(&who, *id, course, item)];
            match &item.body {
                ItemBody::Scenario(s) => {
                    let Ok(play) = serde_json::from_str::<ScenarioState>(raw) else {
                        continue;
                    };
                    for m in &play.moves {
                        let Some(scene) = s.graph.scene(&m.scene) else {
                            continue;
                        };
                        if m.choice >= scene.choices.len() {
                            continue;
                        }
                        let all: Vec<usize> = (0..scene.choices.len()).collect();
                        out.push(b.responded(
                            &who,
                            *id,
                            course,
                            item,
                            scene,
                            &all,
                            m.choice,
                            m.said.is_some(),
                        ));
                    }
                    out.push(b.ended(
                        &who,
                        *id,
                        course,
                        item,
                        outcome.as_deref().unwrap_or(""),
                        *score,
                    ));
                }
                ItemBody::Quiz(q) => {
                    let Ok(play) = serde_json::from_str::<QuizState>(raw) else {
                        continue;
                    };
                    for a in &play.answers {
                        if let Some(question) = q.questions.get(a.question) {
                            out.push(
                                b.answered(&who, *id, course, item, question, &a.picked, a.correct),
                            );
                        }
                    }
                    out.push(b.quiz_result(
                        &who,
                        *id,
                        course,
                        item,
                        passed.unwrap_or(0) == 1,
                        score.unwrap_or(0),
                    ));
                }
                ItemBody::Lesson(_) => continue,
            }
            batch.push((*user, out));
        }
        let _turn = db.write_turn().await;
        let mut tx = db.begin_write().await?;
        for (user, statements) in &batch {
            queued += state.xapi.queue(&mut tx, *user, statements).await?;
        }
        tx.commit().await?;
    }
    state.xapi.wake();
    Ok(queued)
}
