//! Scene endings (`Ending: resolved, score 10`) and ids made from titles.

use crate::content::source::Source;
use crate::domain::course::Scoring;
use crate::domain::scenario::{Ending, Outcome};

/// `resolved, score 10`
pub(super) fn parse_ending(
    src: &mut Source,
    text: &str,
    at: usize,
    scoring: Option<Scoring>,
) -> Option<Ending> {
    let mut parts = text.split(',');
    let outcome_text = parts.next().unwrap_or("").trim();
    let outcome = match Outcome::parse(outcome_text) {
        Some(o) => Some(o),
        None => {
            src.error_hint(
                at,
                format!("unknown outcome `{outcome_text}`"),
                "write `Ending: resolved`, `Ending: partly resolved` or `Ending: lost`, then optionally `, score 10`",
            );
            None
        }
    };
    let mut score = None;
    let mut offset = text.find(',').map_or(text.len(), |c| c + 1);
    for part in parts {
        let lead = part.len() - part.trim_start().len();
        let p = part.trim();
        let part_at = at + offset + lead;
        offset += part.len() + 1;
        match p
            .strip_prefix("score")
            .map(str::trim)
            .map(str::parse::<i32>)
        {
            Some(Ok(n)) if n.abs() <= 1000 => score = Some(n),
            _ => src.error_hint(
                part_at,
                format!("unexpected `{p}` in the ending"),
                "the ending's score is written `score 10`",
            ),
        }
    }
    if scoring == Some(Scoring::Ending) && score.is_none() && outcome.is_some() {
        src.error_hint(
            at,
            "this scenario is scored by ending, but the ending has no score",
            "add it: `Ending: resolved, score 10`",
        );
    }
    Some(Ending {
        outcome: outcome?,
        score: score.unwrap_or(0),
    })
}

/// An id made from a title: its words, starting with a letter.
pub fn slug(s: &str) -> String {
    let out = crate::content::source::kebab(s);
    if out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out
    } else {
        format!("s-{out}")
    }
}
