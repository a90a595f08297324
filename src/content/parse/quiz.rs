//! Quizzes: questions with one or several right options, pass mark and
//! attempts.

use super::check_id;
use super::items::{shorten, split_item};
use crate::content::blocks::{top_level, Block, Kind};
use crate::content::front_matter::FrontMatter;
use crate::content::markdown::{plain_text, render, render_inline};
use crate::content::source::Source;
use crate::domain::course::{Question, Quiz, QuizOption};
use std::collections::HashMap;

pub fn parse_quiz(src: &mut Source, mut fm: FrontMatter) -> Option<Quiz> {
    let templated = super::lesson::check_placeholders(src, fm.body_start);
    let pass_percent = match fm.text(src, "pass", "80%") {
        Some((p, at)) => match p.trim_end_matches('%').trim().parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                src.error_hint(
                    at,
                    format!("the pass mark `{p}` is out of range"),
                    "write a percentage from 1% to 100%, e.g. `pass: 80%`",
                );
                None
            }
        },
        None => None,
    };
    let shuffle = fm.flag(src, "shuffle").unwrap_or(false);
    let draw = fm
        .fields
        .iter()
        .find(|f| f.key == "draw")
        .map(|f| f.value_at);
    let draw_n = fm.number(src, "draw", 1..=1000);
    let attempts = fm.number(src, "attempts", 1..=100);
    fm.warn_unused(
        src,
        &[
            "id", "kind", "title", "minutes", "pass", "shuffle", "draw", "attempts",
        ],
    );

    let text = src.text.clone();
    let blocks = top_level(&text, fm.body_start);
    let mut intro = String::new();
    let mut questions: Vec<Question> = Vec::new();
    let mut q_at: Vec<usize> = Vec::new();
    let mut has_list: Vec<bool> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for Block { kind, range } in &blocks {
        let slice = &text[range.clone()];
        let at = range.start;
        match kind {
            Kind::Heading { level: 1, .. } if questions.is_empty() => {}
            Kind::Heading {
                level: 2,
                id,
                classes,
                ..
            } => {
                let n = questions.len() + 1;
                let id = id.clone().unwrap_or_else(|| format!("q{n}"));
                if check_id(src, &id, at, "question") {
                    if let Some(first) = ids.insert(id.clone(), at) {
                        let (l, _) = src.line_col(first);
                        src.error(
                            at,
                            format!("question id `{id}` is used twice (first on line {l})"),
                        );
                    }
                }
                let line_text = slice.lines().next().unwrap_or("");
                let prompt = line_text.trim_start_matches('#').trim();
                let prompt = match prompt.rfind(" {") {
                    Some(i) if prompt.ends_with('}') => &prompt[..i],
                    _ => prompt,
                };
                let (line, _) = src.line_col(at);
                questions.push(Question {
                    id,
                    prompt_html: render_inline(prompt),
                    detail_html: String::new(),
                    multiple: classes.iter().any(|c| c == "multiple"),
                    options: Vec::new(),
                    line,
                });
                q_at.push(at);
                has_list.push(false);
            }
            _ if questions.is_empty() => intro.push_str(&render(slice)),
            Kind::List(items) if is_option_list(slice) => {
                let q = questions.len() - 1;
                if has_list[q] {
                    src.error(at, "a question has one list of options");
                    continue;
                }
                has_list[q] = true;
                for r in items {
                    let parts = split_item(src, r.clone());
                    let head = parts.head.trim_start();
                    let (correct, label) =
                        if let Some(rest) = head.strip_prefix("[x]").or(head.strip_prefix("[X]")) {
                            (true, rest)
                        } else if let Some(rest) = head.strip_prefix("[ ]") {
                            (false, rest)
                        } else {
                            src.error_hint(
                                parts.head_at,
                                "an option starts with `[ ]` or `[x]`",
                                "mark right options `- [x] …` and wrong ones `- [ ] …`",
                            );
                            continue;
                        };
                    if label.trim().is_empty() {
                        src.error(parts.head_at, "the option has no text");
                    }
                    if parts.effects.is_some() {
                        src.error(
                            parts.effects.as_ref().map_or(parts.head_at, |e| e.1),
                            "quiz options have no effects",
                        );
                    }
                    if let Some((_, at)) = parts.also.first() {
                        src.error(
                            *at,
                            "quiz options have no `Also:` phrasings: they are for scenario replies",
                        );
                    }
                    if parts.feedback.is_empty() {
                        src.warning_hint(
                            parts.head_at,
                            format!(
                                "the option `{}` has no feedback",
                                shorten(&plain_text(label))
                            ),
                            "add a line `> …` under the option explaining why it is right or wrong",
                        );
                    }
                    questions[q].options.push(QuizOption {
                        html: render_inline(label),
                        correct,
                        feedback_html: render(&parts.feedback),
                    });
                }
            }
            Kind::Heading { level: 1, .. } => {
                src.error_hint(
                    at,
                    "a `#` heading among the questions",
                    "questions are `##` headings",
                );
            }
            _ => {
                let q = questions.len() - 1;
                if has_list[q] {
                    src.warning(at, "text after the options is shown above them");
                }
                questions[q].detail_html.push_str(&render(slice));
            }
        }
    }
    if questions.is_empty() {
        src.error_hint(
            fm.body_start,
            "the quiz has no questions",
            "each question is a `##` heading followed by a task list of options",
        );
    }
    for (q, &at) in questions.iter_mut().zip(&q_at) {
        let right = q.options.iter().filter(|o| o.correct).count();
        if q.options.len() < 2 {
            src.error_hint(
                at,
                format!("question `{}` needs at least two options", q.id),
                "list the options under the question as `- [ ] …` / `- [x] …`",
            );
        } else if right == 0 {
            src.error_hint(
                at,
                format!("question `{}` has no correct option", q.id),
                "mark the right option(s) with `- [x]`",
            );
        } else if right == q.options.len() {
            src.warning(
                at,
                format!("every option of question `{}` is correct", q.id),
            );
        }
        if right > 1 {
            q.multiple = true;
        }
    }
    if let (Some(n), Some(at)) = (draw_n, draw) {
        if n as usize > questions.len() && !questions.is_empty() {
            src.error(
                at,
                format!(
                    "`draw: {n}` asks for more questions than the quiz has ({})",
                    questions.len()
                ),
            );
        }
    }
    Some(Quiz {
        pass_percent: pass_percent?,
        shuffle,
        draw: draw_n,
        attempts,
        intro_html: intro,
        questions,
        templated,
    })
}

pub(super) fn is_option_list(slice: &str) -> bool {
    let t = slice.trim_start();
    let after = t
        .trim_start_matches(|c: char| c.is_ascii_digit() || "-*+.)".contains(c))
        .trim_start();
    after.starts_with("[ ]") || after.starts_with("[x]") || after.starts_with("[X]")
}
