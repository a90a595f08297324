use super::*;

fn c(choice: usize, score: f32) -> Closeness {
    Closeness { choice, score }
}

const T: Thresholds = Thresholds {
    min_similarity: 0.5,
    min_margin: 0.05,
};

#[test]
fn a_clear_best_reply_is_understood() {
    assert_eq!(
        decide(&[c(0, 0.8), c(1, 0.4), c(2, 0.1)], T),
        Verdict::Understood(0)
    );
    assert_eq!(
        decide(&[c(2, 0.1), c(1, 0.71), c(0, 0.6)], T),
        Verdict::Understood(1)
    );
    assert_eq!(decide(&[c(3, 0.6)], T), Verdict::Understood(3));
}

#[test]
fn too_far_or_too_close_to_two_is_unsure() {
    assert_eq!(decide(&[c(0, 0.45), c(1, 0.1)], T), Verdict::Unsure);
    assert_eq!(decide(&[c(0, 0.80), c(1, 0.78)], T), Verdict::Unsure);
    assert_eq!(decide(&[], T), Verdict::Unsure);
    assert_eq!(decide(&[c(0, 0.2)], T), Verdict::Unsure);
}

#[test]
fn replies_are_cleaned_and_bounded() {
    assert_eq!(
        clean_reply("  I'm\tso\u{200B} sorry\n\nabout  that\u{7}  ").unwrap(),
        "I'm so sorry about that"
    );
    assert_eq!(
        clean_reply("日本語で　すみません").unwrap(),
        "日本語で すみません"
    );
    for empty in ["", "   ", "\n\t", "\u{200B}\u{FEFF}", "\u{0}\u{1b}"] {
        let e = clean_reply(empty).unwrap_err();
        assert!(
            matches!(e, AppError::Invalid(ref m) if m.contains("Type what you would say")),
            "{empty:?}: {e:?}"
        );
    }
    assert_eq!(
        clean_reply(&"é".repeat(MAX_CHARS)).unwrap().chars().count(),
        MAX_CHARS
    );
    let e = clean_reply(&"é".repeat(MAX_CHARS + 1)).unwrap_err();
    assert!(
        matches!(e, AppError::Invalid(ref m) if m.contains("1001 characters")),
        "{e:?}"
    );
    // A megabyte is refused without being copied whole.
    assert!(clean_reply(&"a".repeat(1 << 20)).is_err());
}

#[test]
fn the_stand_in_finds_the_reply_that_shares_words() {
    let v = HashedWords
        .embed(&[
            "I am sorry the parcel is late".into(),
            "sorry your parcel is late".into(),
            "would you like our new bundle".into(),
        ])
        .unwrap();
    assert!(dot(&v[0], &v[1]) > 0.6);
    assert!(dot(&v[0], &v[2]) < 0.2);
    let n: f32 = v[2].iter().map(|x| x * x).sum();
    assert!((n - 1.0).abs() < 1e-4);
}

fn typed_scenario(replies: &str) -> crate::domain::course::Scenario {
    let text = format!(
        "---\nid: s\nkind: scenario\nreplies: typed\ntitle: T\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n## Start {{#start}}\n\n{replies}\n## End {{#end}}\n\nEnding: resolved\n"
    );
    let comps = vec!["empathy".to_string()];
    let (item, report) =
        crate::content::load_item("t.md".into(), "t.md".into(), text.as_bytes(), Some(&comps));
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    match item.expect("an item").body {
        crate::domain::course::ItemBody::Scenario(s) => s,
        _ => panic!("a scenario"),
    }
}

const APART: &str = "- [Sorry the parcel is late](#end)\n  Effects: empathy +1\n  Also: \"so sorry your parcel is late\"\n  Also: \"sorry it is late\"\n  Also: \"the parcel is late, sorry\"\n\n- [Would you like our new bundle](#end)\n  Effects: empathy -1\n  Also: \"try our new bundle\"\n  Also: \"a bundle would suit you\"\n  Also: \"have you seen the bundle offer\"\n\n";

#[tokio::test]
async fn replies_that_can_be_told_apart_pass_the_check() {
    let u = Understanding::new(Arc::new(HashedWords));
    let found = check::check_scenario(&u, 0, None, &typed_scenario(APART)).await;
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn replies_too_close_to_tell_apart_are_reported_once_at_the_later_one() {
    // The second reply's phrasings borrow the first one's words.
    let close = APART.replace(
        "  Also: \"a bundle would suit you\"",
        "  Also: \"sorry your parcel is late, try a bundle\"",
    );
    let u = Understanding::new(Arc::new(HashedWords));
    let found = check::check_scenario(&u, 0, None, &typed_scenario(&close)).await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].line, 20, "the later reply's line");
    assert!(
        found[0].message.contains("(line 14)"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("too close to tell apart"));
}

#[tokio::test]
async fn without_the_model_the_check_says_so_once() {
    let found =
        check::check_scenario(&Understanding::default(), 0, None, &typed_scenario(APART)).await;
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("cannot be checked"));
    assert_eq!(found[0].line, 12, "the first typed scene");
}

#[tokio::test]
async fn a_reply_is_matched_through_its_phrasings() {
    let s = typed_scenario(APART);
    let scene = &s.graph.scenes[0];
    let u = Understanding::new(Arc::new(HashedWords));
    let scores = u
        .closeness_without_db(scene, &[0, 1], "your parcel is so late, sorry")
        .await
        .unwrap();
    assert_eq!(decide(&scores, Thresholds::DEFAULT), Verdict::Understood(0));
    let scores = u
        .closeness_without_db(scene, &[0, 1], "purple elephants")
        .await
        .unwrap();
    assert_eq!(decide(&scores, Thresholds::DEFAULT), Verdict::Unsure);
}
