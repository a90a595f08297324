//! Play-testing a draft scenario: the moves live in the URL, nothing is
//! stored.

use super::check::{check_parsed, heavy_turn};
use super::{check_path, draft, published};
use crate::api::authoring::*;
use crate::api::AppError;
use crate::content::markdown;
use crate::domain::course::{ItemBody, Scenario};
use crate::domain::play::ScenarioState;
use crate::server::sql::internal;
use crate::server::AppState;

/// The scenario of `path`: the draft if there is one, else what is
/// published.
pub(super) async fn scenario_of(
    state: &AppState,
    path: &str,
) -> Result<(Scenario, String, bool), AppError> {
    check_path(path)?;
    let (text, from_draft) = match draft(state, path).await? {
        Some(d) => (d.source, true),
        None => match published(state, path).await? {
            Some(f) => (f.source, false),
            None => return Err(AppError::not_found("This file")),
        },
    };
    let result = check_parsed(state, path, &text).await?;
    let Some(preview) = result.preview else {
        return Err(AppError::Invalid(
            "This file cannot be played: fix its front matter first.".into(),
        ));
    };
    let title = preview.item.title.clone();
    match preview.item.body {
        ItemBody::Scenario(s) => {
            if s.graph.scenes.is_empty() {
                return Err(AppError::Invalid("This scenario has no scenes yet.".into()));
            }
            Ok((s, title, from_draft))
        }
        _ => Err(AppError::Invalid(
            "Only scenarios can be play-tested; lessons and quizzes show in the preview.".into(),
        )),
    }
}

/// The most transcript one play-test shows: a walk of 500 moves through
/// scenes of a megabyte each would otherwise copy every scene each time.
/// The oldest lines go first.
const MAX_TRANSCRIPT_BYTES: usize = 2 * 1024 * 1024;

pub async fn playtest(
    state: &AppState,
    path: &str,
    moves: &str,
    said: Option<&str>,
) -> Result<PlaytestView, AppError> {
    let (scenario, title, from_draft) = scenario_of(state, path).await?;
    // Walking up to 500 moves (conditions, totals, the best route) is CPU
    // work on a scenario of any size: on the blocking pool, one at a time
    // with the live checks.
    let turn = heavy_turn().await?;
    let moves = moves.to_owned();
    let (scenario, walked) = tokio::task::spawn_blocking(move || {
        let walked = walk(&scenario, &moves);
        (scenario, walked)
    })
    .await
    .map_err(internal)?;
    drop(turn);
    let Walked {
        mut view,
        scene,
        typed,
    } = walked?;
    view.path = path.to_string();
    view.title = title;
    view.from_draft = from_draft;
    if let Some((offered, links)) = typed {
        let scene = scenario
            .graph
            .scene(&scene)
            .ok_or_else(|| internal("play-test: no current scene"))?;
        view.typed = Some(typed_play(state, scene, &offered, said, &links).await?);
    }
    Ok(view)
}

/// A play-test walked: the view (without path, title, origin and typed
/// replies), the current scene, and for a scene that takes typed replies
/// the replies on offer with their links.
struct Walked {
    view: PlaytestView,
    scene: String,
    typed: Option<(Vec<usize>, Vec<String>)>,
}

/// Takes `moves` (choice indexes joined by `.`, at most 500) from the start.
fn walk(scenario: &Scenario, moves: &str) -> Result<Walked, AppError> {
    let mut play = ScenarioState::start(scenario);
    let mut taken: Vec<usize> = Vec::new();
    let mut transcript = Transcript::default();
    let mut feedback = None;
    let push_scene = |play: &ScenarioState, transcript: &mut Transcript| {
        if let Some(scene) = play.current(scenario) {
            let facts = play.progress(scenario);
            for b in &scene.blocks {
                if b.condition.as_ref().is_none_or(|c| c.holds(&facts)) {
                    transcript.push(PlayLine {
                        speaker: b.speaker.clone(),
                        html: b.html.clone(),
                        mine: false,
                    });
                }
            }
        }
    };
    push_scene(&play, &mut transcript);
    for part in moves.split('.').filter(|p| !p.is_empty()).take(500) {
        let index: usize = part.parse().map_err(|_| {
            AppError::Invalid("This play-test link is damaged; start again.".into())
        })?;
        let scene = play
            .current(scenario)
            .ok_or_else(|| internal("play-test: no current scene"))?;
        let choice = scene.choices.get(index).cloned();
        match play.choose(scenario, index) {
            Ok(_) => {
                let choice =
                    choice.ok_or_else(|| internal("play-test: the chosen reply vanished"))?;
                transcript.push(PlayLine {
                    speaker: None,
                    html: markdown::escape(&choice.text),
                    mine: true,
                });
                feedback = Some(choice.feedback_html.clone());
                taken.push(index);
                push_scene(&play, &mut transcript);
            }
            Err(e) => {
                return Err(AppError::Invalid(format!(
                    "{e} The draft may have changed since this step; start the play-test again."
                )))
            }
        }
    }
    let joined = |extra: Option<usize>| {
        let mut v: Vec<String> = taken.iter().map(|i| i.to_string()).collect();
        if let Some(e) = extra {
            v.push(e.to_string());
        }
        v.join(".")
    };
    let scene = play
        .current(scenario)
        .ok_or_else(|| internal("play-test: no current scene"))?;
    let offered = play.offered(scenario);
    let choices = offered
        .iter()
        .map(|&i| (i, scene.choices[i].text.clone(), joined(Some(i))))
        .collect();
    let typed = scene.takes_typed_replies().then(|| {
        let links: Vec<String> = offered.iter().map(|&i| joined(Some(i))).collect();
        (offered.clone(), links)
    });
    let result = play.result(scenario);
    let back = (!taken.is_empty()).then(|| {
        taken[..taken.len() - 1]
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(".")
    });
    Ok(Walked {
        view: PlaytestView {
            path: String::new(),
            title: String::new(),
            persona: scenario.persona.name.clone(),
            situation: scenario.persona.situation.clone(),
            from_draft: false,
            moves: joined(None),
            transcript: transcript.lines(),
            feedback_html: feedback,
            scene_title: scene.title.clone(),
            choices,
            totals: play.totals(scenario).into_iter().collect(),
            ending: result.as_ref().map(|r| r.outcome),
            score: result.as_ref().and_then(|r| r.score),
            best: result.as_ref().and_then(|r| r.best),
            back,
            typed: None,
        },
        scene: scene.id.clone(),
        typed,
    })
}

/// The transcript's lines, at most [`MAX_TRANSCRIPT_BYTES`] of them (the
/// newest, and always the last line).
#[derive(Default)]
struct Transcript {
    lines: std::collections::VecDeque<PlayLine>,
    bytes: usize,
    cut: bool,
}

impl Transcript {
    fn push(&mut self, line: PlayLine) {
        self.bytes += line.html.len();
        self.lines.push_back(line);
        while self.bytes > MAX_TRANSCRIPT_BYTES && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.html.len();
                self.cut = true;
            }
        }
    }

    fn lines(self) -> Vec<PlayLine> {
        let mut out = Vec::with_capacity(self.lines.len() + 1);
        if self.cut {
            out.push(PlayLine {
                speaker: None,
                html: "<p><em>Earlier lines of this play-test are left out.</em></p>".into(),
                mine: false,
            });
        }
        out.extend(self.lines);
        out
    }
}

/// The editor's preview: how `said` would be read in scene `scene_id` of
/// `source` (the text in the editor, saved or not), against every reply of
/// the scene.
pub async fn try_reply(
    state: &AppState,
    path: &str,
    source: &str,
    scene_id: &str,
    said: &str,
) -> Result<PlayTyped, AppError> {
    check_path(path)?;
    if said.trim().is_empty() {
        return Err(AppError::Invalid(
            "Type what a learner might say, then try it.".into(),
        ));
    }
    let result = check_parsed(state, path, source).await?;
    let Some(ItemBody::Scenario(scenario)) = result.preview.map(|p| p.item.body) else {
        return Err(AppError::Invalid(
            "Only a scenario whose front matter is complete takes typed replies.".into(),
        ));
    };
    let Some(scene) = scenario.graph.scenes.iter().find(|s| s.id == scene_id) else {
        return Err(AppError::Invalid(format!(
            "The text has no scene #{scene_id} any more: choose another scene."
        )));
    };
    if !scene.takes_typed_replies() {
        return Err(AppError::Invalid(format!(
            "Scene #{scene_id} does not take typed replies (add a line `Replies: typed` to it)."
        )));
    }
    let every: Vec<usize> = (0..scene.choices.len()).collect();
    let links = vec![String::new(); every.len()];
    typed_play(state, scene, &every, Some(said), &links).await
}

/// How `said` would be read in `scene`: the closeness to every offered
/// reply, and the reply it would be understood as.
async fn typed_play(
    state: &AppState,
    scene: &crate::domain::scenario::Scene,
    offered: &[usize],
    said: Option<&str>,
    links: &[String],
) -> Result<PlayTyped, AppError> {
    use crate::server::understanding::{clean_reply, decide, EmbedError, Thresholds, Verdict};
    let mut out = PlayTyped {
        available: state.understanding.available(),
        ..PlayTyped::default()
    };
    let Some(raw) = said.filter(|s| !s.trim().is_empty()) else {
        return Ok(out);
    };
    let text = clean_reply(raw)?;
    out.said = text.clone();
    match state
        .understanding
        .closeness(
            crate::server::guard::asker(),
            &state.db,
            scene,
            offered,
            &text,
        )
        .await
    {
        Ok(scores) => {
            let verdict = decide(&scores, Thresholds::DEFAULT);
            out.scores = scores
                .iter()
                .zip(links)
                .map(|(c, link)| (scene.choices[c.choice].text.clone(), c.score, link.clone()))
                .collect();
            if let Verdict::Understood(i) = verdict {
                out.understood = scores.iter().position(|c| c.choice == i);
            }
        }
        Err(EmbedError::Unavailable(_)) => out.available = false,
        Err(EmbedError::Failed(e)) => return Err(e),
    }
    Ok(out)
}
