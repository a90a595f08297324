use super::analytics::Counts;
use super::check_path;
use super::download::{crc32, zip_stored};
use super::history::diff_lines;
use super::library::kind_of;
use super::map::scenario_map;
use crate::content::front_matter::quick_title;
use crate::content::markdown;
use crate::domain::course::FileKind;
use crate::domain::course::ItemBody;
use crate::domain::scenario::Outcome;

#[test]
fn paths_stay_inside_the_content_tree() {
    assert!(check_path("brand-values/01-why.md").is_ok());
    for bad in [
        "../etc/passwd",
        "brand-values/../../x.md",
        "brand-values/x.txt",
        "a/b/c.md",
        "/abs.md",
        "x.md",
        ".hidden/x.md",
        "brand-values/.x.md",
        "br and/x.md",
    ] {
        assert!(check_path(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_map_marks_start_endings_unreachable_scenes_and_dead_ends() {
    let text = "---\nid: m\nkind: scenario\ntitle: M\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n\n## Start {#start}\n\n- [Good](#win)\n  > ok\n- [Loop](#loop)\n  > hm\n\n## Loop {#loop}\n\n- [Again](#loop2)\n  > hm\n\n## Loop two {#loop2}\n\n- [Back](#loop)\n  > hm\n\n## Win {#win}\n\nEnding: resolved\n\n## Island & <co> {#island}\n\nEnding: lost\n";
    let parsed = crate::content::parse_item("m.md".into(), text.as_bytes(), None);
    let Some(ItemBody::Scenario(s)) = parsed.body else {
        panic!("a scenario: {:?}", parsed.report.diagnostics)
    };
    let mut counts = Counts::default();
    counts.choices.insert(("start".into(), 0), 3);
    counts.choices.insert(("start".into(), 1), 1);
    let map = scenario_map("c/m.md", &s, &counts);
    let by_id = |id: &str| map.scenes.iter().find(|m| m.id == id).expect(id);
    assert!(by_id("start").start);
    assert_eq!(by_id("win").ending, Some(Outcome::Resolved));
    assert!(by_id("island").unreachable);
    assert!(by_id("loop").dead_end && by_id("loop2").dead_end);
    assert!(!by_id("start").dead_end && !by_id("win").dead_end);
    assert_eq!(by_id("start").choices[0].share, Some(75));
    assert_eq!(by_id("start").choices[1].share, Some(25));
    // Drawn with view!: titles are escaped; every node links to its line in
    // the editor.
    let svg = leptos::prelude::RenderHtml::to_html(leptos::prelude::view! {
        <crate::components::scenario_map::ScenarioMapSvg path=map.path.clone() geometry=map.geometry.clone() />
    });
    assert!(
        svg.contains("map-unreachable") && svg.contains("map-dead"),
        "{svg}"
    );
    assert!(svg.contains("75%"));
    let island = &by_id("island").title;
    assert!(island.contains('&'), "{island}");
    assert!(
        svg.contains(&markdown::escape(island)) && !svg.contains("& "),
        "{svg}"
    );
    assert!(svg.contains(&format!("line={}#source", by_id("win").line)));
}

#[test]
fn crc32_matches_the_reference_value() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
}

#[test]
fn zip_lists_every_file() {
    let z = zip_stored(
        &[
            ("c/course.md".into(), b"hello".to_vec()),
            ("c/01-a.md".into(), b"world!".to_vec()),
        ],
        1_700_000_000,
    );
    assert_eq!(&z[..4], b"PK\x03\x04");
    let end = &z[z.len() - 22..];
    assert_eq!(&end[..4], b"PK\x05\x06");
    assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
    assert!(z.windows(11).any(|w| w == b"c/course.md"));
}

#[test]
fn diff_marks_added_and_removed_lines() {
    let d = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
    let tags: String = d.iter().map(|l| l.tag).collect();
    assert_eq!(tags, " -+ +");
    assert_eq!(d[2].text, "B");
    assert_eq!(d[2].new, Some(2));
}

#[test]
fn front_matter_is_read_loosely_for_drafts() {
    let src = "---\nid: x\nkind: quiz\ntitle: \"A quiz\"\n---\n";
    assert_eq!(quick_title(src).as_deref(), Some("A quiz"));
    assert_eq!(kind_of(src, "01-x.md"), FileKind::Quiz);
    assert_eq!(kind_of("no front matter", "course.md"), FileKind::Course);
}

#[test]
fn every_template_is_a_clean_file_of_its_kind() {
    use super::create::template;
    let course = template("course", "late-parcels", "Late parcels").expect("course");
    assert!(course.contains("id: late-parcels\n") && course.contains("# Late parcels\n"));
    let competencies = ["empathy".to_string(), "ownership".into(), "honesty".into()];
    for kind in ["lesson", "scenario", "quiz"] {
        let text = template(kind, "the-call", "The call").expect(kind);
        let parsed = crate::content::parse_item(
            format!("late-parcels/01-{kind}.md"),
            text.as_bytes(),
            Some(&competencies),
        );
        assert_eq!(parsed.report.kind.as_str(), kind);
        assert_eq!(
            parsed.report.errors(),
            0,
            "{kind}: {:?}",
            parsed.report.diagnostics
        );
        assert!(text.contains("id: the-call\n"), "{kind}");
    }
    assert!(template("notes", "x", "y").is_none());
    // A title that contains a placeholder stays as typed.
    let odd = template("lesson", "x", "About {id} and {title}").expect("lesson");
    assert!(odd.contains("title: About {id} and {title}\n"), "{odd}");
}
