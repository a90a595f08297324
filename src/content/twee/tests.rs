use super::*;

const STORY: &str = r#":: StoryTitle
Dana's refund

:: StoryData
{
  "ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC",
  "format": "SugarCube",
  "start": "Call"
}

:: Call [start] {"position":"100,100"}
Dana is upset. <<set $angry to true>>
[[Apologise->Sorry]]
[[Transfer her|Queue]]
[[Sorry<-Say sorry again]]

:: Sorry
She calms down. (if: $angry)[She sighs.]
[[Fix it]]
[[Missing passage]]

:: Fix it
Done.

:: Queue
She hangs up.

:: Orphan
Nobody comes here.
"#;

#[test]
fn converts_passages_links_and_start() {
    let out = convert(STORY).unwrap();
    let md = &out.markdown;
    assert!(
        md.starts_with("---\nid: dana-s-refund\nkind: scenario\n"),
        "{md}"
    );
    let call = md.find("## Call {#call}").unwrap();
    assert!(call < md.find("## Sorry {#sorry}").unwrap());
    assert!(md.contains("- [Apologise](#sorry)"));
    assert!(md.contains("- [Transfer her](#queue)"));
    assert!(md.contains("- [Say sorry again](#sorry)"));
    assert!(md.contains("- [Fix it](#fix-it)"));
    assert!(md.contains("She calms down."), "{md}");
    assert!(md.contains("She sighs."), "{md}");
    // Story code with no equivalent stays, as a comment.
    assert!(
        md.contains("<!-- twine: <<set $angry to true>> -->"),
        "{md}"
    );
    // Every passage is a scene, reachable or not.
    assert!(md.contains("## Orphan {#orphan}"), "{md}");
    assert_eq!(out.scenes, 5);
    assert_eq!(out.passages, 5);
    let w: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        w.iter()
            .any(|m| m.contains("kept as a comment: <<set $angry to true>>")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("`Missing passage`, which does not exist")),
        "{w:?}"
    );
    assert!(w
        .iter()
        .any(|m| m.contains("`Queue` has no way on and becomes an ending")));
    let call = out.report.iter().find(|r| r.name == "Call").unwrap();
    assert_eq!((call.links, call.choices), (3, 3));
    assert_eq!(
        call.dropped[0].0, 12,
        "the line of the dropped code: {:?}",
        call.dropped
    );
}

#[test]
fn the_result_passes_the_checker_without_errors() {
    let out = convert(STORY).unwrap();
    let (item, report) =
        crate::content::load_item("x.md".into(), "x.md".into(), out.markdown.as_bytes(), None);
    assert_eq!(
        report.errors(),
        0,
        "{:#?}\n{}",
        report.diagnostics,
        out.markdown
    );
    assert!(item.is_some());
}

#[test]
fn a_missing_start_is_an_error() {
    let e = convert(":: StoryData\n{\"start\": \"Nope\"}\n:: A\nhi\n").unwrap_err();
    assert!(e.contains("`Nope`"), "{e}");
    assert!(convert("just text").is_err());
}

/// Found by `cargo fuzz`: a line whose 7th byte falls inside a
/// multi-byte character was sliced there and panicked.
#[test]
fn lines_with_multibyte_characters_near_the_start_convert() {
    for (line, kept) in [
        ("abcdé€x", "abcdé€x"),
        ("ab\u{FFFD}cdefg", "cdefg"),
        ("Ending: fine", "nding: fine"),
        ("ÉNDING: too", "NDING: too"),
    ] {
        let story = format!(":: Start\n{line}\n[[Next]]\n:: Next\nThe end.\n");
        let out = convert(&story).expect("converts");
        assert!(out.markdown.contains(kept), "{}", out.markdown);
    }
}
