//! The Twine corpus (`tests/twine/`): stories written for this test in each
//! story format (Harlowe, SugarCube, Snowman, Chapbook), each link form,
//! the navigation macros, story state, older Twee, and Twine 2's published
//! HTML and archive files. For every file: every passage that is part of
//! the story becomes a scene, every way on becomes a choice, and the result
//! passes the validator with 0 errors. `cargo bench --bench twine_import`
//! prints the same table with timings.
#![cfg(feature = "ssr")]

use rapport::content::twee::convert;

/// File, passages that are part of the story, ways on written in them.
const CORPUS: &[(&str, usize, usize)] = &[
    ("01-harlowe-links.twee", 7, 9),
    ("02-harlowe-macros.twee", 7, 9),
    ("03-sugarcube-links.twee", 6, 8),
    ("04-sugarcube-macros.twee", 8, 13),
    ("05-snowman.twee", 5, 6),
    ("06-chapbook.twee", 4, 7),
    ("07-twee1-old.tw", 5, 4),
    ("08-harlowe-published.html", 6, 7),
    ("09-sugarcube-archive.html", 5, 6),
    ("10-chapbook-archive.html", 4, 5),
    ("11-snowman-published.html", 5, 5),
    ("12-unreachable-and-special.twee", 5, 3),
    ("13-long-shift.twee", 160, 332),
];

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twine")
}

#[test]
fn every_passage_and_every_link_arrives() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let listed: Vec<&str> = CORPUS.iter().map(|c| c.0).collect();
    assert_eq!(files, listed, "every corpus file is in the table");
    assert!(files.len() >= 12);
    for (file, passages, links) in CORPUS {
        let text = std::fs::read_to_string(dir().join(file)).unwrap();
        let out = convert(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(out.passages, *passages, "{file}: passages");
        assert_eq!(out.report.len(), *passages, "{file}: a scene per passage");
        for r in &out.report {
            assert!(
                out.markdown.contains(&format!("{{#{}}}", r.scene)),
                "{file}: passage `{}` has no scene",
                r.name
            );
        }
        assert_eq!(out.links, *links, "{file}: ways on found\n{}", out.markdown);
        assert_eq!(
            out.choices, *links,
            "{file}: choices written\n{}",
            out.markdown
        );
        let (item, report) = rapport::content::load_item(
            file.to_string(),
            "x.md".into(),
            out.markdown.as_bytes(),
            None,
        );
        let errors: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == rapport::content::source::Severity::Error)
            .map(|d| format!("{}:{}: {}", d.line, d.col, d.message))
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:#?}\n{}", out.markdown);
        assert!(item.is_some(), "{file}");
    }
}

/// What the formats' state becomes: numeric changes are effects on the
/// choices (a click's own, and those of the passage it leads to), simple
/// conditions are `{if …}`, and anything else stays as a comment.
#[test]
fn state_becomes_effects_and_conditions() {
    let text = std::fs::read_to_string(dir().join("02-harlowe-macros.twee")).unwrap();
    let md = convert(&text).unwrap().markdown;
    assert!(md.contains("competencies: [trust"), "{md}");
    // (link: "Offer a coffee")[(set: $trust to it + 1)…(goto: "Coffee")]
    assert!(
        md.contains("- [Offer a coffee](#coffee)\n\n  > You handed")
            || md.contains("- [Offer a coffee](#coffee)\n\n  > You hand her a coffee."),
        "{md}"
    );
    // Entering Truth adds 2; the link that leads there carries it.
    assert!(
        md.contains("- [Say the tailor left](#truth)\n\n  Effects: trust +2"),
        "{md}"
    );
    assert!(md.contains("{if trust > 1} She smiles a little."), "{md}");
    assert!(
        md.contains("- [Apologise](#booking) {if not (trust > 1)}"),
        "{md}"
    );
    assert!(
        md.contains("<!-- twine: (set: $name to \"Ana\") -->")
            || md.contains("<!-- twine: (set: $name to"),
        "{md}"
    );
    let text = std::fs::read_to_string(dir().join("03-sugarcube-links.twee")).unwrap();
    let md = convert(&text).unwrap().markdown;
    assert!(
        md.contains("- [Apologise](#sorry)\n\n  Effects: empathy +2"),
        "{md}"
    );
    assert!(
        md.contains("- [Read the terms](#terms)\n\n  Effects: empathy -1"),
        "{md}"
    );
}

#[test]
fn presentation_goes_with_one_summary_and_text_stays() {
    let text = std::fs::read_to_string(dir().join("08-harlowe-published.html")).unwrap();
    let out = convert(&text).unwrap();
    assert!(
        out.markdown
            .contains("Jo's refund was promised \"within 5 days\". It has been 12."),
        "{}",
        out.markdown
    );
    assert!(!out.markdown.contains("<audio") && !out.markdown.contains("<div"));
    let summaries: Vec<&str> = out
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("presentation removed"))
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(summaries.len(), 1, "{:#?}", out.warnings);
    assert!(
        summaries[0].contains("media") && summaries[0].contains("HTML"),
        "{}",
        summaries[0]
    );
}

#[test]
fn the_report_names_lines() {
    let text = std::fs::read_to_string(dir().join("04-sugarcube-macros.twee")).unwrap();
    let out = convert(&text).unwrap();
    let swap = out.report.iter().find(|r| r.name == "Swap it").unwrap();
    // `<<audio "chime" play>>` on line 48 is kept as a comment.
    assert!(
        swap.dropped
            .iter()
            .any(|(line, what)| *line == 48 && what.contains("<<audio")),
        "{:?}",
        swap.dropped
    );
    // Conditions name the line they are on.
    let story = out.report.iter().find(|r| r.name == "Story").unwrap();
    assert!(
        story
            .translated
            .iter()
            .any(|(line, what)| *line == 32 && what == "condition {if calm > 2}"),
        "{:?}",
        story.translated
    );
    let counter = out.report.iter().find(|r| r.name == "Counter").unwrap();
    assert!(
        counter
            .translated
            .iter()
            .any(|(line, what)| *line == 24 && what.contains("trust +1")),
        "{:?}",
        counter.translated
    );
}
