//! The checks of typed replies that need the model: whether the replies of
//! a scene can be told apart, and a word when the model is not there to
//! check with. Used by `rapport check` and the editor's problems list.

use super::{dot, phrasings_of, EmbedError, Thresholds, Understanding};
use crate::domain::course::Scenario;
use crate::server::db::Db;

/// A warning about one place of a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: String,
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(48).collect();
    if s.chars().count() > 48 {
        out.push('…');
    }
    out
}

/// One phrasing of a reply that is as close to another reply of the scene
/// as to its own (leave-one-out: its own reply without it).
struct Clash {
    phrasing: String,
    own: f32,
    other: f32,
}

/// Checks every scene that accepts typed replies. Pairs of replies where a
/// phrasing of one is not clearly closer to its own reply than to the other
/// are reported once, at the later reply.
pub async fn check_scenario(
    u: &Understanding,
    who: super::Who,
    db: Option<&Db>,
    s: &Scenario,
) -> Vec<Finding> {
    let typed: Vec<_> = s
        .graph
        .scenes
        .iter()
        .filter(|sc| sc.takes_typed_replies())
        .collect();
    let Some(first) = typed.first() else {
        return Vec::new();
    };
    if !u.available() {
        return vec![Finding {
            line: first.line,
            col: 1,
            message: "typed replies cannot be checked: the language model is not installed here, so whether replies can be told apart is unknown".into(),
            hint: "run scripts/setup (it installs the model), or set RAPPORT_MODEL_DIR".into(),
        }];
    }
    let margin = Thresholds::DEFAULT.min_margin;
    let mut out = Vec::new();
    let mut reported = std::collections::HashSet::new();
    for scene in typed {
        let groups: Vec<Vec<String>> = (0..scene.choices.len())
            .map(|i| phrasings_of(scene, i))
            .collect();
        let all: Vec<String> = groups.iter().flatten().cloned().collect();
        let vectors = match u.phrasing_vectors(who, db, &all).await {
            Ok(v) => v,
            Err(EmbedError::Unavailable(_)) | Err(EmbedError::Failed(_)) => {
                out.push(Finding {
                    line: scene.line,
                    col: 1,
                    message: format!("the replies of scene `{}` could not be compared (the model failed or is busy)", scene.id),
                    hint: "check again in a moment".into(),
                });
                continue;
            }
        };
        let mut at = Vec::with_capacity(groups.len());
        let mut n = 0;
        for g in &groups {
            at.push(n..n + g.len());
            n += g.len();
        }
        for a in 0..groups.len() {
            for b in 0..groups.len() {
                if a == b {
                    continue;
                }
                // Phrasings of `a` that lean towards `b`.
                let mut worst: Option<Clash> = None;
                for i in at[a].clone() {
                    let own = at[a]
                        .clone()
                        .filter(|&j| j != i)
                        .map(|j| dot(&vectors[i], &vectors[j]))
                        .fold(f32::MIN, f32::max);
                    if own == f32::MIN {
                        continue;
                    }
                    let other = at[b]
                        .clone()
                        .map(|j| dot(&vectors[i], &vectors[j]))
                        .fold(f32::MIN, f32::max);
                    if other + margin > own
                        && worst.as_ref().is_none_or(|w| other - own > w.other - w.own)
                    {
                        worst = Some(Clash {
                            phrasing: all[i].clone(),
                            own,
                            other,
                        });
                    }
                }
                let Some(w) = worst else { continue };
                // Once per pair: at the later reply, naming the earlier one.
                let (first, later) = if a < b { (a, b) } else { (b, a) };
                if !reported.insert((scene.id.as_str(), first, later)) {
                    continue;
                }
                let (ca, cb) = (&scene.choices[a], &scene.choices[b]);
                out.push(Finding {
                    line: scene.choices[later].line,
                    col: scene.choices[later].col.max(1),
                    message: format!(
                        "replies `{}` (line {}) and `{}` (line {}) are too close to tell apart: `{}` is {:.2} similar to the second reply and only {:.2} to its own",
                        shorten(&ca.text), ca.line, shorten(&cb.text), cb.line, shorten(&w.phrasing), w.other, w.own
                    ),
                    hint: "reword the phrasings so each says only what its reply means, or merge the two replies".into(),
                });
            }
        }
    }
    out
}
