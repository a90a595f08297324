//! Each check: a small file that trips it (with the line it points at) and
//! one that does not.

use crate::content::load_item;
use crate::content::source::Diagnostic;

fn check(text: &str) -> Vec<Diagnostic> {
    let comps: Vec<String> = ["empathy", "honesty"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    load_item("t.md".into(), "t.md".into(), text.as_bytes(), Some(&comps))
        .1
        .diagnostics
}

/// (line, message) of the warnings of one check.
fn found(diags: &[Diagnostic], name: &str) -> Vec<(usize, String)> {
    assert!(
        diags
            .iter()
            .all(|d| d.severity == crate::content::source::Severity::Warning),
        "{diags:#?}"
    );
    diags
        .iter()
        .filter(|d| d.check == Some(name))
        .map(|d| (d.line, d.message.clone()))
        .collect()
}

fn scenario(extra: &str, body: &str) -> String {
    format!(
        "---\nid: s\nkind: scenario\ntitle: T\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy, honesty]\n{extra}---\n{body}"
    )
}

/// A decision scene `id` with replies (text, target, effects).
fn scene(id: &str, replies: &[(&str, &str, &str)]) -> String {
    let mut s = format!("## Scene {id} {{#{id}}}\n\n**P:** Something happens.\n\n");
    for (text, target, effects) in replies {
        s.push_str(&format!("- [{text}](#{target})\n  > Feedback.\n"));
        if !effects.is_empty() {
            s.push_str(&format!("  Effects: {effects}\n"));
        }
        s.push('\n');
    }
    s
}

/// The smallest scenario with a choice: one decision, one ending.
fn one_decision() -> String {
    [
        scene(
            "a",
            &[
                ("Listen", "win", "empathy +1"),
                ("Argue", "win", "empathy -1, honesty +1"),
            ],
        ),
        ending("win", "resolved"),
    ]
    .concat()
}

fn ending(id: &str, outcome: &str) -> String {
    format!("## End {id} {{#{id}}}\n\nEnding: {outcome}\n\nIt ended.\n\n")
}

#[test]
fn longest_answer_in_scenarios() {
    let long = "I hear you, and I am sorry: let me look at the whole history now";
    let body = [
        scene(
            "a",
            &[(long, "b", "empathy +2"), ("Fine.", "b", "empathy -1")],
        ),
        scene(
            "b",
            &[(long, "c", "empathy +2"), ("Next.", "c", "empathy -1")],
        ),
        scene(
            "c",
            &[
                (long, "win", "empathy +1"),
                ("Sure.", "lose", "empathy -1, honesty +1"),
            ],
        ),
        ending("win", "resolved"),
        ending("lose", "lost"),
    ]
    .concat();
    let d = check(&scenario("", &body));
    let w = found(&d, "longest-answer");
    assert_eq!(w.len(), 1, "{d:#?}");
    assert_eq!(w[0].0, 15, "points at the first such reply");
    assert!(w[0].1.contains("3 of 3 decisions"), "{}", w[0].1);
    // The same scenario where the best reply is short in two scenes.
    let fixed = body
        .replacen(
            "Fine.",
            "Fine, I'll just read you what the policy says about refunds and about exchanges",
            1,
        )
        .replacen(
            "Next.",
            "Next, can you tell me your account number and the date of the order again, please?",
            1,
        );
    let d = check(&scenario("", &fixed));
    assert!(found(&d, "longest-answer").is_empty(), "{d:#?}");
}

#[test]
fn longest_answer_in_quizzes() {
    let q = |id: &str, key_long: bool| {
        let (right, wrong) = if key_long {
            (
                "Ask what happened and write it down in their words",
                "Refund",
            )
        } else {
            (
                "Ask what happened",
                "Offer a refund before anything else is known",
            )
        };
        format!("## Question {id} {{#{id}}}\n\n- [x] {right}\n  > Yes.\n- [ ] {wrong}\n  > No.\n- [ ] Wait\n  > No.\n\n")
    };
    let head = "---\nid: q\nkind: quiz\ntitle: Q\npass: 80%\n---\n";
    let bad = format!("{head}{}{}{}", q("a", true), q("b", true), q("c", false));
    let w = found(&check(&bad), "longest-answer");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, 7);
    assert!(w[0].1.contains("2 of 3 questions"), "{}", w[0].1);
    let good = format!("{head}{}{}{}", q("a", true), q("b", false), q("c", false));
    assert!(found(&check(&good), "longest-answer").is_empty());
}

#[test]
fn one_right_answer() {
    let plain = [
        scene(
            "a",
            &[("Listen", "b", "empathy +1"), ("Argue", "b", "empathy -1")],
        ),
        scene(
            "b",
            &[("Own it", "c", "honesty +1"), ("Blame", "c", "honesty -1")],
        ),
        scene(
            "c",
            &[
                ("Promise", "win", "honesty +1"),
                ("Shrug", "lose", "empathy -1"),
            ],
        ),
        ending("win", "resolved"),
        ending("lose", "lost"),
    ]
    .concat();
    let w = found(&check(&scenario("", &plain)), "one-right-answer");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, 11);
    // One reply that trades honesty for empathy is a real dilemma.
    let dilemma = plain.replacen("empathy -1", "empathy +2, honesty -1", 1);
    assert!(found(&check(&scenario("", &dilemma)), "one-right-answer").is_empty());
    // So is a scene with two good replies (good, better).
    let graded = plain.replacen("honesty -1", "honesty +1", 1);
    assert!(found(&check(&scenario("", &graded)), "one-right-answer").is_empty());
}

#[test]
fn mistakes_that_pay() {
    // Blunder (-1) then apologise (+3) beats getting it right (+1, then 0).
    let body = [
        scene(
            "a",
            &[
                ("Get it right", "b", "empathy +1"),
                ("Blunder", "sorry", "empathy -1"),
            ],
        ),
        scene(
            "b",
            &[("Carry on", "win", "honesty +1"), ("Stop", "win", "")],
        ),
        scene(
            "sorry",
            &[
                ("Apologise", "win", "empathy +3"),
                ("Shrug", "win", "honesty +1"),
            ],
        ),
        ending("win", "resolved"),
    ]
    .concat();
    let d = check(&scenario("", &body));
    let w = found(&d, "mistake-pays");
    assert_eq!(w.len(), 1, "{d:#?}");
    assert_eq!(w[0].0, 19, "the blunder's line");
    assert!(w[0].1.contains("highest `empathy` (2)"), "{}", w[0].1);
    assert!(w[0].1.contains("at most 1"), "{}", w[0].1);
    let fair = body.replacen("empathy +3", "empathy +1", 1);
    assert!(found(&check(&scenario("", &fair)), "mistake-pays").is_empty());
}

#[test]
fn scores_that_cannot_fail() {
    let body = [
        scene(
            "a",
            &[
                ("Listen", "win", "empathy +1"),
                ("Argue", "lose", "empathy -1, honesty +1"),
            ],
        ),
        "## Won {#win}\n\nEnding: resolved, score 10\n\nGood.\n\n".to_string(),
        "## Lost {#lose}\n\nEnding: lost, score 2\n\nBad.\n\n".to_string(),
    ]
    .concat();
    let d = check(&scenario("scoring: ending\nback: true\n", &body));
    let w = found(&d, "score-cannot-fail");
    assert_eq!(w.len(), 1, "{d:#?}");
    assert_eq!(w[0].0, 11, "the `back` line");
    assert!(w[0].1.contains("top score (10)"), "{}", w[0].1);
    assert!(found(
        &check(&scenario("scoring: ending\n", &body)),
        "score-cannot-fail"
    )
    .is_empty());
    // Every ending scores the same.
    let flat = body.replace("score 2", "score 10");
    let w = found(
        &check(&scenario("scoring: ending\n", &flat)),
        "score-cannot-fail",
    );
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, 10, "the `scoring` line");
    assert!(w[0].1.contains("every route scores 10"));
    // The worse reply (net 0 against +1) leads to the top ending.
    let lucky = body
        .replacen("(#win)", "(#tmp)", 1)
        .replacen("(#lose)", "(#win)", 1)
        .replacen("(#tmp)", "(#lose)", 1);
    let w = found(
        &check(&scenario("scoring: ending\n", &lucky)),
        "score-cannot-fail",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].1.contains("the route with the worst replies"),
        "{}",
        w[0].1
    );
    // A loop that gains each time round.
    let looped = [
        scene(
            "a",
            &[
                ("Ask", "b", "empathy +1"),
                ("Go", "win", "honesty +2, empathy -1"),
            ],
        ),
        scene(
            "b",
            &[
                ("Ask again", "a", "empathy +1"),
                ("Go", "win", "honesty -1"),
            ],
        ),
        ending("win", "resolved"),
    ]
    .concat();
    let w = found(&check(&scenario("", &looped)), "score-cannot-fail");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].1.contains("gains `empathy` every time round"),
        "{}",
        w[0].1
    );
    let even = looped.replacen(
        "Ask again](#a)\n  > Feedback.\n  Effects: empathy +1",
        "Ask again](#a)\n  > Feedback.\n  Effects: empathy -1",
        1,
    );
    assert_ne!(even, looped);
    assert!(found(&check(&scenario("", &even)), "score-cannot-fail").is_empty());
}

#[test]
fn minutes_against_reading_time() {
    let words = |n: usize| vec!["word"; n].join(" ");
    let lesson = |minutes: u32, n: usize| {
        format!(
            "---\nid: l\nkind: lesson\ntitle: L\nminutes: {minutes}\n---\n\n{}\n",
            words(n)
        )
    };
    // 1,000 words: 5 minutes.
    assert!(found(&check(&lesson(5, 1000)), "minutes").is_empty());
    assert!(found(&check(&lesson(4, 1000)), "minutes").is_empty());
    let w = found(&check(&lesson(10, 1000)), "minutes");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, 5);
    assert!(w[0].1.contains("about 5 minutes"), "{}", w[0].1);
    assert_eq!(found(&check(&lesson(1, 1000)), "minutes").len(), 1);
    // A short scenario said to take 15 minutes.
    let body = one_decision();
    let w = found(&check(&scenario("minutes: 15\n", &body)), "minutes");
    assert_eq!(w.len(), 1);
    assert!(w[0].1.contains("a typical route"), "{}", w[0].1);
    assert!(found(&check(&scenario("minutes: 1\n", &body)), "minutes").is_empty());
}

#[test]
fn figures_need_a_source_in_their_passage() {
    let lesson = |body: &str| format!("---\nid: l\nkind: lesson\ntitle: L\n---\n\n{body}\n");
    let w = found(
        &check(&lesson(
            "## Why\n\n64% of customers hate repeating themselves.\n",
        )),
        "figure-without-source",
    );
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, 9);
    assert!(w[0].1.contains("`64%`"));
    for ok in [
        "## Why\n\n64% of customers hate repeating themselves.\n\n*Source: Webex survey.*\n",
        "The parcel cost £1,200 and arrived at 10:30 on day 3.\n",
        "Call 0800 123 456, or see section 2.\n",
        "You need 75% to pass, and you have three attempts.\n",
    ] {
        assert!(
            found(&check(&lesson(ok)), "figure-without-source").is_empty(),
            "{ok}"
        );
    }
    // A source in another section does not cover it.
    let far = "## One\n\n1 in 3 customers leave.\n\n## Two\n\n(Source: Webex.)\n";
    let w = found(&check(&lesson(far)), "figure-without-source");
    assert_eq!(w.len(), 1);
    assert!(w[0].1.contains("`1 in 3`"), "{}", w[0].1);
    // In a scenario, each reply is its own passage.
    let body = one_decision().replacen("Feedback.", "40 per cent leave a bad review.", 1);
    let w = found(&check(&scenario("", &body)), "figure-without-source");
    assert_eq!(w.len(), 1);
    assert!(w[0].1.contains("40 per cent"));
    let cited = body.replacen("bad review.", "bad review (Source: Webex).", 1);
    assert!(found(&check(&scenario("", &cited)), "figure-without-source").is_empty());
}

#[test]
fn all_but_the_silly_one() {
    let quiz = |marks: [&str; 4]| {
        format!(
            "---\nid: q\nkind: quiz\ntitle: Q\npass: 80%\n---\n\n## What helps? {{#helps}}\n\nChoose all that apply.\n\n- [{}] Listen\n  > a\n- [{}] Ask\n  > b\n- [{}] Confirm\n  > c\n- [{}] Shout\n  > d\n",
            marks[0], marks[1], marks[2], marks[3]
        )
    };
    let d = check(&quiz(["x", "x", "x", " "]));
    let w = found(&d, "all-but-one");
    assert_eq!(w.len(), 1, "{d:#?}");
    assert_eq!(w[0].0, 8);
    assert!(found(&check(&quiz(["x", " ", "x", " "])), "all-but-one").is_empty());
}

#[test]
fn the_name_of_the_check_is_shown() {
    let text = "---\nid: l\nkind: lesson\ntitle: L\n---\n\n64% agree.\n";
    let d = check(text);
    assert_eq!(d.len(), 1);
    let shown = d[0].to_string();
    assert!(
        shown.starts_with("t.md:7:1: warning[figure-without-source]: "),
        "{shown}"
    );
}
