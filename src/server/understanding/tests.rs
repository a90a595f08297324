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
