//! The JSON the database keeps, frozen as it was written by the demo on
//! 2026-12-02. Attempts live for months; a renamed or retyped field in one
//! of these types would make every stored attempt undecodable (a learner
//! could no longer resume, a replayed step would fail). Each sample must
//! keep decoding, to the same values, whatever the types become.
//!
//! - `attempts.state`: a `ScenarioState` or a `QuizState`.
//! - `attempt_steps.result`: a `StoredStep` (the answer a replayed step
//!   gets again; a type of its own, not the wire's `StepResult`).

#![cfg(feature = "ssr")]

use rapport::domain::play::ScenarioState;
use rapport::domain::quiz_play::QuizState;
use rapport::server::learning::stored::{StoredAttempt, StoredStep};

const SCENARIO_STATE: &str = r#"{"scene":"partly","moves":[{"scene":"start","choice":1,"target":"pitch","effects":{"empathy":-1,"honesty":-1}},{"scene":"pitch","choice":0,"target":"needs","effects":{"empathy":1,"ownership":1}},{"scene":"needs","choice":0,"target":"honest-repair","effects":{"empathy":1,"honesty":2}},{"scene":"honest-repair","choice":1,"target":"partly","effects":{"honesty":-2,"ownership":-1}}]}"#;

const QUIZ_STATE: &str = r#"{"questions":[6,4,7,1,3,2,0,5],"option_order":[[1,2,0],[3,1,0,2],[2,0,1],[2,0,1],[2,1,0],[0,2,1],[2,0,1],[0,2,1]],"answers":[{"question":6,"picked":[0],"correct":true},{"question":4,"picked":[0,1,3],"correct":true},{"question":7,"picked":[1],"correct":true},{"question":1,"picked":[1],"correct":true},{"question":3,"picked":[2],"correct":true},{"question":2,"picked":[0],"correct":true},{"question":0,"picked":[1],"correct":true},{"question":5,"picked":[1],"correct":true}]}"#;

const STEP_RESULT: &str = r#"{"attempt":{"id":1,"step":4},"finished":true,"replayed":false}"#;

#[test]
fn a_stored_scenario_state_decodes() {
    let s: ScenarioState = serde_json::from_str(SCENARIO_STATE).expect("decodes");
    assert_eq!(s.scene, "partly");
    assert_eq!(s.moves.len(), 4);
    assert_eq!(s.moves[0].scene, "start");
    assert_eq!(s.moves[0].choice, 1);
    assert_eq!(s.moves[0].target, "pitch");
    assert_eq!(s.moves[0].effects.get("empathy"), Some(&-1));
    assert_eq!(s.moves[3].effects.get("ownership"), Some(&-1));
    // Written back, it is the same text: nothing is lost on the way.
    assert_eq!(serde_json::to_string(&s).expect("encodes"), SCENARIO_STATE);
}

#[test]
fn a_stored_quiz_state_decodes() {
    let q: QuizState = serde_json::from_str(QUIZ_STATE).expect("decodes");
    assert_eq!(q.questions, [6, 4, 7, 1, 3, 2, 0, 5]);
    assert_eq!(q.option_order[1], [3, 1, 0, 2]);
    assert_eq!(q.answers.len(), 8);
    assert_eq!(q.answers[1].question, 4);
    assert_eq!(q.answers[1].picked, [0, 1, 3]);
    assert!(q.answers.iter().all(|a| a.correct));
    assert_eq!(serde_json::to_string(&q).expect("encodes"), QUIZ_STATE);
}

#[test]
fn a_stored_step_result_decodes() {
    let r: StoredStep = serde_json::from_str(STEP_RESULT).expect("decodes");
    assert_eq!(
        r.attempt,
        StoredAttempt { id: 1, step: 4 },
        "the attempt and the step it moved to"
    );
    assert!(r.finished && !r.replayed);
    assert_eq!(serde_json::to_string(&r).expect("encodes"), STEP_RESULT);
}

#[test]
fn a_stored_step_answers_a_replay_on_the_wire() {
    use rapport::api::learn::AttemptRef;
    let stored: StoredStep = serde_json::from_str(STEP_RESULT).expect("decodes");
    let wire = stored.to_wire(true);
    assert_eq!(wire.attempt, AttemptRef { id: 1, step: 4 });
    assert!(wire.finished && wire.replayed);
    // What a new step stores is the same shape as the frozen sample.
    let fresh = StoredStep::new(1, 4, true);
    assert_eq!(serde_json::to_string(&fresh).expect("encodes"), STEP_RESULT);
}
