//! Taking a quiz: which questions an attempt draws and in what order, the
//! answers given, the score and pass/fail.
//!
//! Randomness comes from a seed stored with the attempt, so an attempt shows
//! the same questions in the same order on every device and after a restart.

use super::course::Quiz;
use super::rng::SplitMix64;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Index of the question in the quiz's bank.
    pub question: usize,
    /// Picked option indices (as written in the file), ascending.
    pub picked: Vec<usize>,
    pub correct: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizState {
    /// The questions of this attempt, as indices into the bank, in order.
    pub questions: Vec<usize>,
    /// For each of them, the order its options are shown in.
    pub option_order: Vec<Vec<usize>>,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuizError {
    /// Every question of the attempt is answered.
    Finished,
    /// The question is not the one this attempt is waiting for.
    NotCurrent,
    /// No option was picked.
    Empty,
    /// An option that the question does not have, or several for a
    /// single-choice question.
    BadOptions,
}

impl std::fmt::Display for QuizError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuizError::Finished => "Every question of this attempt is already answered.",
            QuizError::NotCurrent => "That question is not the one this attempt is waiting for.",
            QuizError::Empty => "Pick an answer first.",
            QuizError::BadOptions => "That answer is not one of this question's options.",
        })
    }
}

impl QuizState {
    /// Draws and orders the questions of a new attempt.
    pub fn start(quiz: &Quiz, seed: u64) -> QuizState {
        let mut rng = SplitMix64::new(seed);
        let mut bank: Vec<usize> = (0..quiz.questions.len()).collect();
        let n = quiz.questions_per_attempt();
        if n < bank.len() {
            // Draw without replacement, then keep the file's order unless
            // the quiz asks for shuffling.
            rng.shuffle(&mut bank);
            bank.truncate(n);
            if !quiz.shuffle {
                bank.sort_unstable();
            }
        } else if quiz.shuffle {
            rng.shuffle(&mut bank);
        }
        let option_order = bank
            .iter()
            .map(|&q| {
                let mut order: Vec<usize> = (0..quiz.questions[q].options.len()).collect();
                if quiz.shuffle {
                    rng.shuffle(&mut order);
                }
                order
            })
            .collect();
        QuizState {
            questions: bank,
            option_order,
            answers: Vec::new(),
        }
    }

    /// Position (0-based) of the next question to answer.
    pub fn current(&self) -> Option<usize> {
        (self.answers.len() < self.questions.len()).then_some(self.answers.len())
    }

    pub fn is_finished(&self) -> bool {
        self.current().is_none()
    }

    /// Answers the current question, given by its bank index.
    pub fn answer(
        &mut self,
        quiz: &Quiz,
        question: usize,
        picked: &[usize],
    ) -> Result<&Answer, QuizError> {
        let pos = self.current().ok_or(QuizError::Finished)?;
        if self.questions[pos] != question {
            return Err(QuizError::NotCurrent);
        }
        let q = quiz.questions.get(question).ok_or(QuizError::NotCurrent)?;
        if picked.is_empty() {
            return Err(QuizError::Empty);
        }
        let mut picked = picked.to_vec();
        picked.sort_unstable();
        picked.dedup();
        if picked.iter().any(|&i| i >= q.options.len()) || (!q.multiple && picked.len() > 1) {
            return Err(QuizError::BadOptions);
        }
        let correct = q
            .options
            .iter()
            .enumerate()
            .all(|(i, o)| o.correct == picked.contains(&i));
        self.answers.push(Answer {
            question,
            picked,
            correct,
        });
        Ok(self.answers.last().expect("just pushed"))
    }

    pub fn right(&self) -> usize {
        self.answers.iter().filter(|a| a.correct).count()
    }

    /// Whole percent of the attempt's questions answered correctly.
    pub fn percent(&self) -> u32 {
        if self.questions.is_empty() {
            return 0;
        }
        (self.right() * 100 / self.questions.len()) as u32
    }

    /// Passed: finished and at or above the pass mark.
    pub fn passed(&self, quiz: &Quiz) -> bool {
        self.is_finished() && self.percent() >= quiz.pass_percent
    }
}

/// Whether a learner who has used `used` attempts may start another.
pub fn may_retry(quiz: &Quiz, used: usize) -> bool {
    quiz.attempts.is_none_or(|max| used < max as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::course::{Question, QuizOption};

    fn quiz(n: usize, draw: Option<u32>, shuffle: bool) -> Quiz {
        Quiz {
            pass_percent: 75,
            shuffle,
            draw,
            attempts: Some(2),
            intro_html: String::new(),
            questions: (0..n)
                .map(|i| Question {
                    id: format!("q{i}"),
                    prompt_html: String::new(),
                    detail_html: String::new(),
                    multiple: i == 0,
                    options: (0..3)
                        .map(|o| QuizOption {
                            html: String::new(),
                            // q0 (multiple): options 0 and 2; others: option 1.
                            correct: if i == 0 { o != 1 } else { o == 1 },
                            feedback_html: String::new(),
                        })
                        .collect(),
                    line: 1,
                })
                .collect(),
            templated: false,
        }
    }

    #[test]
    fn draws_the_same_questions_for_the_same_seed() {
        let q = quiz(10, Some(4), true);
        let a = QuizState::start(&q, 42);
        assert_eq!(a, QuizState::start(&q, 42));
        assert_eq!(a.questions.len(), 4);
        let mut unique = a.questions.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 4, "drawn without replacement");
        // Over many seeds every question gets drawn.
        let mut seen = [false; 10];
        for seed in 0..200 {
            for i in QuizState::start(&q, seed).questions {
                seen[i] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn without_shuffle_the_file_order_is_kept() {
        let q = quiz(5, None, false);
        let s = QuizState::start(&q, 7);
        assert_eq!(s.questions, vec![0, 1, 2, 3, 4]);
        assert!(s.option_order.iter().all(|o| o == &vec![0, 1, 2]));
        let drawn = QuizState::start(&quiz(10, Some(3), false), 9).questions;
        assert!(drawn.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn answers_in_order_score_and_pass() {
        let q = quiz(4, None, false);
        let mut s = QuizState::start(&q, 1);
        assert_eq!(s.answer(&q, 1, &[1]), Err(QuizError::NotCurrent));
        assert_eq!(s.answer(&q, 0, &[]), Err(QuizError::Empty));
        assert_eq!(s.answer(&q, 0, &[5]), Err(QuizError::BadOptions));
        // Multiple choice: right only with exactly the right options.
        assert!(!s.answer(&q, 0, &[0]).expect("answer").correct);
        assert_eq!(s.answer(&q, 1, &[0, 1]), Err(QuizError::BadOptions));
        assert!(s.answer(&q, 1, &[1]).expect("answer").correct);
        assert!(s.answer(&q, 2, &[1]).expect("answer").correct);
        assert!(!s.passed(&q), "not finished yet");
        assert!(s.answer(&q, 3, &[1, 1]).expect("answer").correct);
        assert_eq!(s.answer(&q, 3, &[1]), Err(QuizError::Finished));
        assert_eq!((s.right(), s.percent()), (3, 75));
        assert!(s.passed(&q), "75% meets a 75% pass mark");
        let mut t = QuizState::start(&q, 1);
        assert!(t.answer(&q, 0, &[2, 0]).expect("answer").correct);
    }

    #[test]
    fn retries_are_limited_when_the_quiz_says_so() {
        let mut q = quiz(1, None, false);
        assert!(may_retry(&q, 1));
        assert!(!may_retry(&q, 2));
        q.attempts = None;
        assert!(may_retry(&q, 99));
    }
}
