//! Checks on a quiz's questions: keys that give themselves away.

use super::{line_offset, lines_list, plain, Source};
use crate::domain::course::Quiz;

/// Questions needed before "most" of them says anything.
const MIN_QUESTIONS: usize = 3;

pub(super) fn review(src: &mut Source, q: &Quiz) {
    longest_answer(src, q);
    all_but_one(src, q);
}

fn longest_answer(src: &mut Source, q: &Quiz) {
    let mut considered = 0;
    let mut hits: Vec<usize> = Vec::new();
    for question in &q.questions {
        let right: Vec<usize> = (0..question.options.len())
            .filter(|&i| question.options[i].correct)
            .collect();
        if question.multiple || question.options.len() < 3 || right.len() != 1 {
            continue;
        }
        considered += 1;
        let key = right[0];
        let len = |i: usize| plain(&question.options[i].html).trim().chars().count();
        if (0..question.options.len()).all(|i| i == key || len(i) < len(key)) {
            hits.push(question.line);
        }
    }
    if considered >= MIN_QUESTIONS && hits.len() * 2 > considered {
        let at = line_offset(src, hits[0]);
        src.review(
            at,
            "longest-answer",
            format!(
                "the right option is the longest in {} of {considered} questions ({}): a learner can pass by picking the longest",
                hits.len(),
                lines_list(&hits)
            ),
            "make wrong options as long and specific as the right one, and keep the right one plain",
        );
    }
}

fn all_but_one(src: &mut Source, q: &Quiz) {
    for question in &q.questions {
        let n = question.options.len();
        let right = question.options.iter().filter(|o| o.correct).count();
        if question.multiple && n >= 3 && right == n - 1 {
            let at = line_offset(src, question.line);
            src.review(
                at,
                "all-but-one",
                format!(
                    "question `{}`: {right} of its {n} options are right, so a learner ticks everything but the odd one out",
                    question.id
                ),
                "make about half the options right, and the wrong ones mistakes people really make",
            );
        }
    }
}
