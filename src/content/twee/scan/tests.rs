use super::*;

fn choices(p: &[Piece]) -> Vec<(String, Target)> {
    let mut v = Vec::new();
    for x in p {
        match x {
            Piece::Choice(c) => v.push((c.label.clone(), c.target.clone())),
            Piece::Cond(_, inner, _) => v.extend(choices(inner)),
            _ => {}
        }
    }
    v
}

fn t(s: &str) -> Target {
    Target::Passage(s.into())
}

#[test]
fn link_forms_and_setters() {
    let p = Scanner::new(
        "a [[A]] b [[go->B]] [[C<-back]] [[x|D][$gold to it + 2]] <div>[[E]]</div>",
        "harlowe",
    )
    .scan();
    assert_eq!(
        choices(&p),
        vec![
            ("A".into(), t("A")),
            ("go".into(), t("B")),
            ("back".into(), t("C")),
            ("x".into(), t("D")),
            ("E".into(), t("E"))
        ]
    );
    let d = p
        .iter()
        .find_map(|x| match x {
            Piece::Choice(c) if c.label == "x" => Some(c.effects.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(d, vec![("gold".into(), 2)]);
}

#[test]
fn harlowe_navigation_macros() {
    let p = Scanner::new(r#"(link-goto: "Run", "Away") (click-goto: "Door") (link: "Open it")[(set: $courage to it + 1)It creaks.(goto: "Hall")] (link-reveal-goto: "Look", "Room")[You look.]"#, "harlowe").scan();
    assert_eq!(
        choices(&p),
        vec![
            ("Run".into(), t("Away")),
            ("Door".into(), t("Door")),
            ("Open it".into(), t("Hall")),
            ("Look".into(), t("Room"))
        ]
    );
    let open = p
        .iter()
        .find_map(|x| match x {
            Piece::Choice(c) if c.label == "Open it" => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(open.effects, vec![("courage".into(), 1)]);
    assert_eq!(open.feedback, "It creaks.");
    let auto = Scanner::new(r#"Wait. (goto: "Next")"#, "harlowe").scan();
    assert!(auto.iter().any(|x| matches!(x, Piece::Choice(c) if c.auto)));
}

#[test]
fn sugarcube_navigation_macros() {
    let p = Scanner::new(r#"<<link "Pay" "Till">><<set $trust += 2>><</link>> <<link [[Leave|Street]]>><</link>> <<button "Ask" "Desk">><</button>> <<choice "Yard" "Go out">> <<actions [[Left]] [[Right|R]]>> <<back>> <<return>> <<goto "End">>"#, "sugarcube").scan();
    assert_eq!(
        choices(&p),
        vec![
            ("Pay".into(), t("Till")),
            ("Leave".into(), t("Street")),
            ("Ask".into(), t("Desk")),
            ("Go out".into(), t("Yard")),
            ("Left".into(), t("Left")),
            ("Right".into(), t("R")),
            ("Go back".into(), Target::Back),
            ("Return".into(), Target::Back),
            ("Continue".into(), t("End")),
        ]
    );
}

#[test]
fn chapbook_and_snowman() {
    let p = Scanner::new(
        "mood: mood + 1\n--\nHi {link to: 'Shop', label: 'Go shopping'} {back link} {restart link}",
        "chapbook",
    )
    .scan();
    assert_eq!(
        choices(&p),
        vec![
            ("Go shopping".into(), t("Shop")),
            ("Go back".into(), Target::Back),
            ("Start again".into(), Target::Restart)
        ]
    );
    assert!(p
        .iter()
        .any(|x| matches!(x, Piece::Effect(v, 1, _) if v == "mood")));
    let p = Scanner::new(
        r#"<a href="javascript:void(0)" data-passage="Cave">Enter the cave</a> [[Out]]"#,
        "snowman",
    )
    .scan();
    assert_eq!(
        choices(&p),
        vec![
            ("Enter the cave".into(), t("Cave")),
            ("Out".into(), t("Out"))
        ]
    );
}

#[test]
fn conditions_translate_or_are_noted() {
    assert_eq!(condition("$x > 2").as_deref(), Some("x > 2"));
    assert_eq!(
        condition("$x gt 2 and $y lte 1").as_deref(),
        Some("x > 2 and y <= 1")
    );
    assert_eq!(condition("$x is not 3").as_deref(), Some("x != 3"));
    assert_eq!(condition("$x>=4").as_deref(), Some("x >= 4"));
    assert_eq!(condition("$name is \"Bob\""), None);
    let p = Scanner::new("(if: $x > 2)[Rich. [[Buy]]](else:)[Poor.]", "harlowe").scan();
    assert!(
        matches!(&p[0], Piece::Cond(c, _, _) if c == "x > 2"),
        "{p:?}"
    );
    assert!(
        matches!(&p[1], Piece::Cond(c, _, _) if c == "not (x > 2)"),
        "{p:?}"
    );
    let p = Scanner::new(
        "<<if $x gt 2>>A [[B]]<<elseif $x gt 0>>C<<else>>D<</if>>",
        "sugarcube",
    )
    .scan();
    let conds: Vec<&str> = p
        .iter()
        .filter_map(|x| match x {
            Piece::Cond(c, _, _) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        conds,
        vec![
            "x > 2",
            "x > 0 and not (x > 2)",
            // None of the branches before: their own conditions (the
            // same as naming their joined ones, which doubled in length
            // with every branch).
            "not (x > 2) and not (x > 0)"
        ]
    );
    // A chain of `elseif`s: each branch names the earlier conditions once,
    // and a chain too long to say within `MAX_CONDITION` is kept as notes.
    let chain = |n: usize| {
        let mut s = String::from("<<if $x gt 0>>a");
        for i in 1..=n {
            s.push_str(&format!("<<elseif $x gt {i}>>b"));
        }
        s.push_str("<<else>>c<</if>>");
        Scanner::new(&s, "sugarcube").scan()
    };
    let conds = |p: &[Piece]| -> Vec<String> {
        p.iter()
            .filter_map(|x| match x {
                Piece::Cond(c, _, _) => Some(c.clone()),
                _ => None,
            })
            .collect()
    };
    let short = conds(&chain(3));
    assert_eq!(short.len(), 5, "{short:?}");
    assert_eq!(
        short[3],
        "x > 3 and not (x > 0) and not (x > 1) and not (x > 2)"
    );
    let long = chain(200);
    let kept = conds(&long);
    assert!(kept.len() < 201, "the later branches are notes");
    assert!(kept.iter().all(|c| c.len() <= MAX_CONDITION), "{kept:?}");
    assert!(long
        .iter()
        .any(|p| matches!(p, Piece::Note(n, _) if n.contains("branch"))));
    let p = Scanner::new("(if: $name is 'Bob')[Hi Bob]", "harlowe").scan();
    assert!(p.iter().any(|x| matches!(x, Piece::Note(..))));
    assert!(p
        .iter()
        .any(|x| matches!(x, Piece::Text(t) if t.contains("Hi Bob"))));
}

#[test]
fn numeric_changes() {
    assert_eq!(numeric_change("$x to it + 1"), Some(("x".into(), 1)));
    assert_eq!(numeric_change("$x to $x - 3"), Some(("x".into(), -3)));
    assert_eq!(numeric_change("$trust += 2"), Some(("trust".into(), 2)));
    assert_eq!(numeric_change("$trust++"), Some(("trust".into(), 1)));
    assert_eq!(numeric_change("$x to 5"), None);
    assert_eq!(numeric_change("$name to \"Bo\""), None);
}

#[test]
fn presentation_is_stripped_and_text_kept() {
    let p = Scanner::new("<style>p{color:red}</style>Hello <span class='x'>there</span>(text-colour: red)[ friend]<script>alert(1)</script><audio src='http://x/a.mp3'></audio>.", "harlowe").scan();
    let text: String = p
        .iter()
        .filter_map(|x| match x {
            Piece::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "Hello there friend.");
    assert!(p
        .iter()
        .any(|x| matches!(x, Piece::Stripped("style sheets"))));
    assert!(p.iter().any(|x| matches!(x, Piece::Stripped("scripts"))));
}

/// Found by the benchmark: 1 MB of `(link: "a")[` that never closes
/// took 18 s (each hook looked for its end to the end of the text).
/// Many unclosed openings of every kind now cost linear time.
#[test]
fn unclosed_openings_cost_linear_time() {
    for unit in [
        "(link: \"a\")[",
        "(a: (b: ",
        "[[a ",
        "<<if $x gt 1>>",
        "<<link \"a\">>",
        "{link to: 'x' ",
        "<<<",
        "<a data-passage=\"x\">",
        "@@.a;",
        // Farther apart than a closing mark is looked for.
        &format!("@@{}", "x".repeat(600)),
        &format!("|a>[{}", "x".repeat(600)),
    ] {
        let text = unit.repeat(200_000 / unit.len());
        for format in ["harlowe", "chapbook"] {
            let pieces = Scanner::new(&text, format).scan();
            // Text is kept once, never once per opening that did not close.
            let kept: usize = pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) | Piece::Note(t, _) => t.len(),
                    _ => 0,
                })
                .sum();
            assert!(
                kept <= text.len(),
                "{unit:?} in {format}: {kept} bytes kept"
            );
        }
    }
}

/// An opening whose closing mark is not found stays as text, once.
#[test]
fn unclosed_styling_and_named_hooks_stay_text() {
    for text in ["@@.a;loud and clear", "|tip>[no end in sight"] {
        let p = Scanner::new(text, "harlowe").scan();
        assert_eq!(p, vec![Piece::Text(text.to_owned())], "{text}");
    }
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = "(if: $x > 1)[".repeat(5000) + &"]".repeat(5000);
    let _ = Scanner::new(&deep, "harlowe").scan();
    let deep = "<<if $x gt 1>>".repeat(3000) + &"<</if>>".repeat(3000);
    let _ = Scanner::new(&deep, "sugarcube").scan();
}
