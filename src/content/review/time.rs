//! `minutes` against the time it takes: reading at about 200 words a
//! minute, plus a few seconds for each decision.

use super::{key_offset, plain, words, Source};
use crate::domain::course::{Course, ItemBody, Quiz, Scenario};
use crate::domain::scenario::topological_order_of;

pub const WORDS_PER_MINUTE: f64 = 200.0;
/// Time to weigh the replies of a scene or the options of a question.
pub const SECONDS_PER_DECISION: f64 = 10.0;

/// About how long an item takes, in minutes: a lesson's reading time; a
/// typical route through a scenario (every scene's text and replies, the
/// feedback of the reply taken, replies taken with equal likelihood); a
/// quiz attempt. `None` for a scenario with loops (no typical route).
pub fn estimate_minutes(body: &ItemBody) -> Option<f64> {
    match body {
        ItemBody::Lesson(l) => Some(words(&plain(&l.html)) as f64 / WORDS_PER_MINUTE),
        ItemBody::Scenario(s) => scenario_minutes(s),
        ItemBody::Quiz(q) => Some(quiz_minutes(q)),
    }
}

fn scenario_minutes(s: &Scenario) -> Option<f64> {
    let scenes = &s.graph.scenes;
    let order = topological_order_of(&s.graph)?;
    let index: std::collections::HashMap<&str, usize> = scenes
        .iter()
        .enumerate()
        .rev()
        .map(|(i, sc)| (sc.id.as_str(), i))
        .collect();
    // Expected minutes from each scene to the end of the conversation.
    let mut from = vec![0.0f64; scenes.len()];
    for &i in order.iter().rev() {
        let sc = &scenes[i];
        let shown: usize = sc.blocks.iter().map(|b| words(&plain(&b.html))).sum();
        let replies: usize = sc.choices.iter().map(|c| words(&c.text)).sum();
        let mut minutes = (shown + replies) as f64 / WORDS_PER_MINUTE;
        let next: Vec<f64> = sc
            .choices
            .iter()
            .filter_map(|c| {
                let t = *index.get(c.target.as_str())?;
                Some(words(&plain(&c.feedback_html)) as f64 / WORDS_PER_MINUTE + from[t])
            })
            .collect();
        if !next.is_empty() {
            minutes += SECONDS_PER_DECISION / 60.0 + next.iter().sum::<f64>() / next.len() as f64;
        }
        from[i] = minutes;
    }
    let intro = words(&plain(&s.intro_html)) as f64 / WORDS_PER_MINUTE;
    Some(intro + from.first().copied().unwrap_or(0.0))
}

fn quiz_minutes(q: &Quiz) -> f64 {
    if q.questions.is_empty() {
        return 0.0;
    }
    let per_question: f64 = q
        .questions
        .iter()
        .map(|question| {
            let text = words(&plain(&question.prompt_html)) + words(&plain(&question.detail_html));
            let options: usize = question
                .options
                .iter()
                .map(|o| words(&plain(&o.html)))
                .sum();
            let feedback: usize = question
                .options
                .iter()
                .map(|o| words(&plain(&o.feedback_html)))
                .max()
                .unwrap_or(0);
            (text + options + feedback) as f64 / WORDS_PER_MINUTE + SECONDS_PER_DECISION / 60.0
        })
        .sum::<f64>()
        / q.questions.len() as f64;
    let intro = words(&plain(&q.intro_html)) as f64 / WORDS_PER_MINUTE;
    intro + per_question * q.questions_per_attempt() as f64
}

/// Whether `said` is more than half away from `about`: the estimate counts
/// at least a minute, and half a minute of rounding is allowed.
fn far(said: f64, about: f64) -> bool {
    let about = about.max(1.0);
    (said - about).abs() > about * 0.5 + 0.5
}

fn say(minutes: f64) -> String {
    if minutes < 1.5 {
        "about a minute".to_string()
    } else {
        format!("about {} minutes", minutes.round())
    }
}

pub(super) fn review_item(src: &mut Source, minutes: Option<u32>, body: &ItemBody) {
    let (Some(said), Some(about)) = (minutes, estimate_minutes(body)) else {
        return;
    };
    let what = match body {
        ItemBody::Lesson(_) => "reading it takes",
        ItemBody::Scenario(_) => "a typical route through it takes",
        // A quiz's time depends on how long people think; not checked.
        ItemBody::Quiz(_) => return,
    };
    if far(f64::from(said), about) {
        src.review(
            key_offset(src, "minutes"),
            "minutes",
            format!(
                "`minutes: {said}`, but {what} {} (at {WORDS_PER_MINUTE} words a minute{})",
                say(about),
                if matches!(body, ItemBody::Scenario(_)) {
                    format!(", plus {SECONDS_PER_DECISION} seconds a decision")
                } else {
                    String::new()
                }
            ),
            "learners plan their time by this number: set it to what the item really takes",
        );
    }
}

pub(super) fn review_course(src: &mut Source, course: &Course) {
    let mut total = 0.0;
    for item in &course.items {
        total += match (item.minutes, estimate_minutes(&item.body)) {
            (Some(m), _) => f64::from(m),
            (None, Some(e)) => e,
            (None, None) => return,
        };
    }
    if far(f64::from(course.minutes), total) {
        src.review(
            key_offset(src, "minutes"),
            "minutes",
            format!(
                "`minutes: {}`, but the course's items add up to {}",
                course.minutes,
                say(total)
            ),
            "set the course's `minutes` to the sum of its items' (their own `minutes`, or their reading time)",
        );
    }
}
