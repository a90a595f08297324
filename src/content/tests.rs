//! One test per validator check, each asserting the exact line and column,
//! plus the XSS and snapshot tests of rendered HTML and a no-panic sweep
//! over mangled files.

use super::load_item;
use super::source::{Diagnostic, Severity};
use crate::domain::course::FileKind;

const COMPS: &[&str] = &["empathy", "ownership", "honesty"];

fn check(text: &str) -> Vec<Diagnostic> {
    let comps: Vec<String> = COMPS.iter().map(|s| s.to_string()).collect();
    load_item("t.md".into(), "t.md".into(), text.as_bytes(), Some(&comps))
        .1
        .diagnostics
}

/// The one diagnostic whose message contains `needle`, as (line, col).
fn at(diags: &[Diagnostic], needle: &str) -> (usize, usize) {
    let found: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.message.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "expected one `{needle}` in {diags:#?}");
    (found[0].line, found[0].col)
}

const HEAD: &str = "---\nid: s\nkind: scenario\ntitle: T\npersona: P\nsituation: S\nmood: m\nchannel: phone\ncompetencies: [empathy]\n---\n";

/// A scenario whose body starts on line 11.
fn scenario(body: &str) -> Vec<Diagnostic> {
    check(&format!("{HEAD}{body}"))
}

const GOOD: &str = "## Start {#start}\n\n- [Listen](#end)\n  > Good.\n  Effects: empathy +1\n\n## End {#end}\n\nEnding: resolved\n";

#[test]
fn a_sound_scenario_has_no_diagnostics() {
    assert_eq!(scenario(GOOD), vec![]);
}

#[test]
fn bad_front_matter() {
    let d = check("---\nid: s\nkind: scenery\ntitle: T\n---\n");
    assert_eq!(at(&d, "unknown kind `scenery`"), (3, 7));
    let d = check("no front matter here");
    assert_eq!(at(&d, "no front matter"), (1, 1));
    let d = check("---\nid: 9lives\nkind: lesson\ntitle: T\n---\nText\n");
    assert_eq!(at(&d, "not a valid item id"), (2, 5));
    let d = scenario(GOOD)
        .into_iter()
        .chain(check(&HEAD.replace("channel: phone", "channel: pigeon")))
        .collect::<Vec<_>>();
    assert_eq!(at(&d, "unknown channel `pigeon`"), (8, 10));
    let d = check(&format!(
        "{}{GOOD}",
        HEAD.replace("mood: m\n", "mood: m\ncolour: red\n")
    ));
    assert_eq!(at(&d, "unknown front matter key `colour`"), (8, 1));
    assert_eq!(d[0].severity, Severity::Warning);
}

#[test]
fn duplicate_ids() {
    let d = scenario(&format!("{GOOD}\n## Again {{#start}}\n\nEnding: lost\n"));
    assert_eq!(at(&d, "used twice (first on line 11)"), (21, 1));
    let d = scenario("## Start {#start}\n\n- [A](#end \"x\")\n  > a\n  Effects: empathy +1\n- [B](#end \"x\")\n  > b\n\n## End {#end}\n\nEnding: resolved\n");
    assert_eq!(
        at(&d, "choice id `x` is used twice (first on line 13)"),
        (16, 8)
    );
}

#[test]
fn a_choice_to_a_missing_scene() {
    let d = scenario(&GOOD.replace("](#end)", "](#ned)"));
    assert_eq!(at(&d, "`ned`, which does not exist"), (13, 13));
}

#[test]
fn unreachable_scenes() {
    let d = scenario(&format!("{GOOD}\n## Lonely {{#lonely}}\n\nEnding: lost\n"));
    assert_eq!(
        at(&d, "no route from the start reaches scene `lonely`"),
        (21, 1)
    );
}

#[test]
fn a_scene_without_choices_that_is_not_an_ending() {
    let d = scenario("## Start {#start}\n\n- [Go](#middle)\n  > ok\n  Effects: empathy +1\n- [End](#end)\n  > ok\n\n## Middle {#middle}\n\nNothing happens.\n\n## End {#end}\n\nEnding: lost\n");
    assert_eq!(
        at(&d, "`middle` has no choices and is not an ending"),
        (19, 1)
    );
}

#[test]
fn no_reachable_ending() {
    let d = scenario("## Start {#start}\n\n- [Again](#start)\n  > loop\n  Effects: empathy +1\n");
    assert_eq!(at(&d, "no ending can be reached from the start"), (11, 1));
}

#[test]
fn a_loop_with_no_way_out() {
    let d = scenario("## Start {#start}\n\n- [Loop](#a)\n  > x\n  Effects: empathy +1\n- [End](#end)\n  > y\n\n## A {#a}\n\n- [B](#b)\n  > x\n\n## B {#b}\n\n- [A](#a)\n  > x\n\n## End {#end}\n\nEnding: resolved\n");
    assert_eq!(at(&d, "from scene `a` no ending can be reached"), (19, 1));
    assert_eq!(at(&d, "from scene `b` no ending can be reached"), (24, 1));
}

#[test]
fn unknown_competencies() {
    let d = scenario(&GOOD.replace("Effects: empathy +1", "Effects: empathy +1, charm +2"));
    assert_eq!(at(&d, "unknown competency `charm`"), (15, 24));
    let d = check(&format!(
        "{}{GOOD}",
        HEAD.replace("[empathy]", "[empathy, flair]")
    ));
    assert_eq!(at(&d, "the course does not train it"), (9, 25));
    let d = scenario(&GOOD.replace("Effects: empathy +1", "Effects: empathy plenty"));
    assert_eq!(at(&d, "`empathy plenty` is not an effect"), (15, 12));
}

#[test]
fn conditions_naming_unknown_things() {
    let d = scenario(&GOOD.replace("](#end)", "](#end) {if visited nowhere}"));
    assert_eq!(at(&d, "names scene `nowhere`"), (13, 17));
    let d = scenario(&GOOD.replace("](#end)", "](#end) {if chose apologise}"));
    assert_eq!(at(&d, "names choice `apologise`"), (13, 17));
    let d = scenario(&GOOD.replace("](#end)", "](#end) {if honesty > 1}"));
    assert_eq!(at(&d, "not a competency of this scenario"), (13, 17));
    let d = scenario(&GOOD.replace("](#end)", "](#end) {if empathy => 1}"));
    assert_eq!(at(&d, "expected a comparison"), (13, 30));
    let d = scenario(&GOOD.replace(
        "## End {#end}\n\n",
        "## End {#end}\n\n{if visited nope} **P:** Bye.\n\n",
    ));
    assert_eq!(at(&d, "names scene `nope`"), (19, 1));
}

#[test]
fn every_choice_conditional_is_a_warning() {
    let d = scenario(&GOOD.replace("](#end)", "](#end) {if empathy > 0}"));
    assert_eq!(
        at(&d, "every choice in scene `start` has a condition"),
        (11, 1)
    );
}

#[test]
fn choices_need_feedback_and_a_link() {
    let d = scenario(&GOOD.replace("  > Good.\n", ""));
    assert_eq!(at(&d, "has no feedback"), (13, 3));
    let d = scenario(&GOOD.replace("- [Listen](#end)", "- [Listen](end)"));
    assert_eq!(at(&d, "as `#scene-id`"), (13, 12));
    let d = scenario(&GOOD.replace("empathy +1\n", "empathy +1\n  Whatever\n"));
    assert_eq!(at(&d, "unexpected line in a list item"), (16, 3));
}

#[test]
fn endings_need_a_known_outcome_and_a_score_when_scored_by_ending() {
    let d = scenario(&GOOD.replace("Ending: resolved", "Ending: victorious"));
    assert_eq!(at(&d, "unknown outcome `victorious`"), (19, 9));
    let text = format!(
        "{}{GOOD}",
        HEAD.replace("channel: phone\n", "channel: phone\nscoring: ending\n")
    );
    assert_eq!(at(&check(&text), "the ending has no score"), (20, 9));
    let d = scenario(&GOOD.replace("Ending: resolved", "Ending: resolved, score lots"));
    assert_eq!(at(&d, "unexpected `score lots`"), (19, 19));
}

const QUIZ_HEAD: &str = "---\nid: q\nkind: quiz\ntitle: Q\npass: 80%\n---\n";

#[test]
fn quizzes_need_a_correct_option_and_a_sane_pass_mark() {
    let good = "## One? {#one}\n\n- [x] Yes\n  > Right.\n- [ ] No\n  > Wrong.\n";
    assert_eq!(check(&format!("{QUIZ_HEAD}{good}")), vec![]);
    let d = check(&format!("{QUIZ_HEAD}{}", good.replace("[x]", "[ ]")));
    assert_eq!(at(&d, "has no correct option"), (7, 1));
    let d = check(&format!("{}{good}", QUIZ_HEAD.replace("80%", "120%")));
    assert_eq!(at(&d, "pass mark `120%` is out of range"), (5, 7));
    let d = check(&format!("{}{good}", QUIZ_HEAD.replace("80%", "0%")));
    assert_eq!(at(&d, "out of range"), (5, 7));
    let d = check(&format!("{QUIZ_HEAD}## Lonely?\n\n- [x] Only\n  > Hm.\n"));
    assert_eq!(at(&d, "needs at least two options"), (7, 1));
    let d = check(&format!(
        "{}{good}",
        QUIZ_HEAD.replace("pass: 80%\n", "pass: 80%\ndraw: 5\n")
    ));
    assert_eq!(
        at(&d, "asks for more questions than the quiz has (1)"),
        (6, 7)
    );
    let d = check(&format!("{QUIZ_HEAD}{}", good.replace("  > Wrong.\n", "")));
    assert_eq!(at(&d, "the option `No` has no feedback"), (11, 3));
    let d = check(&format!(
        "{QUIZ_HEAD}{good}\n## Two {{#one}}\n\n- [x] A\n  > a\n- [ ] B\n  > b\n"
    ));
    assert_eq!(at(&d, "question id `one` is used twice"), (14, 1));
}

#[test]
fn lessons_reject_unknown_placeholders() {
    let d = check("---\nid: l\nkind: lesson\ntitle: L\n---\nOur {{mision}} is {{mission}}.\n");
    assert_eq!(at(&d, "unknown placeholder `{{mision}}`"), (6, 5));
}

/// Scenarios and quizzes take the organisation's words too: unknown names
/// are errors at their place, known ones are filled in for learners.
#[test]
fn scenarios_and_quizzes_take_placeholders() {
    let body = "## Start {#start}\n\nWelcome to {{organisation}}.\n\n- [Act on {{values}}](#end)\n  > Good.\n  Effects: empathy +1\n\n## End {#end}\n\nEnding: resolved\n";
    assert_eq!(scenario(body), vec![]);
    let d = scenario(&body.replace("{{values}}", "{{valeus}}"));
    assert_eq!(at(&d, "unknown placeholder `{{valeus}}`"), (15, 11));
    let quiz = "## Which of {{organisation}}'s? {#q}\n\n- [x] A\n  > a\n- [ ] B\n  > b\n";
    assert_eq!(check(&format!("{QUIZ_HEAD}{quiz}")), vec![]);
    let d = check(&format!(
        "{QUIZ_HEAD}{}",
        quiz.replace("{{organisation}}", "{{org}}")
    ));
    assert_eq!(at(&d, "unknown placeholder `{{org}}`"), (7, 13));

    let comps: Vec<String> = COMPS.iter().map(|s| s.to_string()).collect();
    let text = format!("{HEAD}{body}");
    let item = load_item("t.md".into(), "t.md".into(), text.as_bytes(), Some(&comps))
        .0
        .expect("an item");
    let catalog = super::store::Catalog::default();
    assert!(catalog.is_templated(&item));
    let org = crate::domain::organisation::Organisation {
        name: "Bits & Bobs".into(),
        mission: "m".into(),
        vision: "v".into(),
        values: "- Straight talking\n- <b>Owning</b> it\n".into(),
        updated_at: 7,
    };
    let filled = catalog.with_organisation(std::sync::Arc::new(item), &org);
    let crate::domain::course::ItemBody::Scenario(s) = &filled.body else {
        panic!("a scenario")
    };
    let start = &s.graph.scenes[0];
    assert!(
        start
            .blocks
            .iter()
            .any(|b| b.html.contains("Welcome to Bits &amp; Bobs.")),
        "{:?}",
        start.blocks
    );
    assert_eq!(start.choices[0].text, "Act on Straight talking; Owning it");
}

/// Nothing a trainer writes can run in a learner's browser.
#[test]
fn hostile_markdown_is_sanitised_everywhere() {
    let evil = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<iframe src=\"https://evil.test\"></iframe>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<svg onload=alert(1)></svg>",
        "<form action=\"https://evil.test\"><input name=p></form>",
        "![x](javascript:alert(1))",
        "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
    ]
    .join("\n\n");
    let scenario_text = format!(
        "{HEAD}\n{evil}\n\n## Start {{#start}}\n\n{evil}\n\n**P:** {evil}\n\n- [Go <script>x</script>](#end)\n  > {}\n  Effects: empathy +1\n\n## End {{#end}}\n\nEnding: resolved\n\n{evil}\n",
        evil.replace("\n\n", " ")
    );
    let (item, report) = load_item("t.md".into(), "t.md".into(), scenario_text.as_bytes(), None);
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    let json = serde_json::to_string(&item.expect("loads")).expect("json");
    let quiz = format!(
        "{QUIZ_HEAD}## Q {evil}\n\n{evil}\n\n- [x] {}\n  > {}\n- [ ] no\n  > no\n",
        evil.replace("\n\n", " "),
        evil.replace("\n\n", " ")
    );
    let (qitem, qreport) = load_item("q.md".into(), "q.md".into(), quiz.as_bytes(), None);
    assert_eq!(qreport.errors(), 0, "{:#?}", qreport.diagnostics);
    let lesson = format!("---\nid: l\nkind: lesson\ntitle: L\n---\n{evil}\n");
    let (litem, _) = load_item("l.md".into(), "l.md".into(), lesson.as_bytes(), None);
    let all = format!(
        "{json}{}{}",
        serde_json::to_string(&qitem.expect("quiz")).expect("json"),
        serde_json::to_string(&litem.expect("lesson")).expect("json")
    )
    .to_ascii_lowercase();
    // Visible text may mention these words; markup may not carry them.
    for bad in [
        "<script",
        "onerror=",
        "onload=",
        "=\"javascript:",
        "=javascript:",
        "<iframe",
        "style=",
        "<form",
        "=\"data:",
    ] {
        let at = all.find(bad).unwrap_or(0);
        assert!(
            !all.contains(bad),
            "`{bad}` survived sanitising: …{}…",
            &all[at.saturating_sub(120)..(at + 40).min(all.len())]
        );
    }
}

/// Rendered HTML of a fixed scenario, compared with a file under
/// `tests/snapshots/`. Set `UPDATE_SNAPSHOTS=1` to rewrite it after an
/// intended change, then review the diff.
#[test]
fn rendered_html_matches_the_snapshot() {
    let text = format!(
        "{}\nYou work *nights* at a help desk.\n\n## Start {{#start}}\n\nThe phone rings.\n\n**P:** It's about my **bill** & the [terms](https://example.com/terms).\n\n{{if visited start}} A line shown on return.\n\n- [Say *sorry*](#end \"sorry\") {{if empathy >= 0}}\n  > Feedback with `code` and a list:\n  >\n  > - one\n  > - two\n  Effects: empathy +2\n- [Say nothing](#end)\n  > Silence.\n  Effects: empathy -1\n\n## End {{#end}}\n\nEnding: partly resolved\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        HEAD
    );
    let (item, report) = load_item("t.md".into(), "t.md".into(), text.as_bytes(), None);
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    let mut out = String::new();
    if let Some(crate::domain::course::ItemBody::Scenario(s)) = item.map(|i| i.body) {
        out.push_str(&format!("intro: {}\n", s.intro_html));
        for scene in &s.graph.scenes {
            out.push_str(&format!(
                "scene {} \"{}\" ending={:?}\n",
                scene.id, scene.title, scene.ending
            ));
            for b in &scene.blocks {
                out.push_str(&format!(
                    "  block speaker={:?} if={:?}\n  {}\n",
                    b.speaker,
                    b.condition.as_ref().map(|c| c.to_string()),
                    b.html.trim()
                ));
            }
            for c in &scene.choices {
                out.push_str(&format!(
                    "  choice \"{}\" -> {} id={:?} if={:?} effects={:?}\n  feedback: {}\n",
                    c.text,
                    c.target,
                    c.id,
                    c.condition.as_ref().map(|c| c.to_string()),
                    c.effects,
                    c.feedback_html.trim()
                ));
            }
        }
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/scenario.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &out).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot");
    assert_eq!(
        out, expected,
        "rendered HTML changed; rerun with UPDATE_SNAPSHOTS=1 and review"
    );
}

/// Random cuts, splices and byte flips of the shipped files never panic and
/// always come back with positions inside the file. (The cargo-fuzz target
/// in `fuzz/` does the same with coverage guidance.)
#[test]
fn mangled_files_never_panic() {
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    for dir in [
        "content/empathetic-listening",
        "content/handling-complaints",
        "content/brand-values",
    ] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for e in std::fs::read_dir(dir).expect("content").flatten() {
            seeds.push(std::fs::read(e.path()).expect("read"));
        }
    }
    let mut state: u64 = 0x853c_49e6_748f_ea9b;
    let mut rnd = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    for round in 0..1500 {
        let mut bytes = seeds[rnd(seeds.len())].clone();
        match round % 5 {
            0 => bytes.truncate(rnd(bytes.len())),
            1 => {
                let other = &seeds[rnd(seeds.len())];
                let cut = rnd(other.len());
                let at = rnd(bytes.len());
                bytes.splice(at..at, other[cut..].iter().copied().take(400));
            }
            2 => {
                for _ in 0..8 {
                    let i = rnd(bytes.len());
                    if let Some(b) = bytes.get_mut(i) {
                        *b = b"[](){}#>-*:\n \\`x\xff"[rnd(17)];
                    }
                }
            }
            3 => {
                let at = rnd(bytes.len());
                let len = rnd(200);
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => bytes = (0..rnd(300)).map(|_| rnd(256) as u8).collect(),
        }
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let comps: Vec<String> = COMPS.iter().map(|s| s.to_string()).collect();
        let (_, report) = load_item("f.md".into(), "f.md".into(), &bytes, Some(&comps));
        for d in &report.diagnostics {
            assert!(
                d.line >= 1 && d.line <= lines && d.col >= 1,
                "{d:?} outside a {lines}-line file"
            );
        }
    }
}

#[test]
fn notes_and_hidden_files_are_not_items_and_order_follows_file_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let course = dir.path().join("c");
    std::fs::create_dir_all(&course).expect("mkdir");
    std::fs::write(
        course.join("course.md"),
        "---\nid: c\ntitle: C\nsummary: S\nminutes: 5\ncompetencies: [empathy]\n---\n",
    )
    .expect("write");
    let lesson = |id: &str| format!("---\nid: {id}\nkind: lesson\ntitle: {id}\n---\nText.\n");
    for (name, id) in [("02-b.md", "b"), ("01-a.md", "a"), ("10-c.md", "c")] {
        std::fs::write(course.join(name), lesson(id)).expect("write");
    }
    // Not items: a note for trainers, a hidden file, a README, a text file.
    std::fs::write(course.join("_notes.md"), "not front matter at all").expect("write");
    std::fs::write(course.join(".draft.md"), "nor this").expect("write");
    std::fs::write(course.join("README.md"), "# Read me").expect("write");
    std::fs::write(course.join("notes.txt"), "plain").expect("write");
    let lib = super::load_dir(dir.path());
    assert_eq!(lib.errors(), 0, "{:#?}", lib.files);
    let ids: Vec<&str> = lib.courses[0].items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[test]
fn order_in_course_md_comes_before_file_names() {
    let lesson = |id: &str| format!("---\nid: {id}\nkind: lesson\ntitle: {id}\n---\nText.\n");
    let course = |order: &str| {
        format!(
            "---\nid: c\ntitle: C\nsummary: S\nminutes: 5\ncompetencies: [empathy]\n{order}---\n"
        )
    };
    let tree = |order: &str| {
        let mut files = std::collections::BTreeMap::new();
        files.insert("c/course.md".to_string(), course(order).into_bytes());
        for (name, id) in [
            ("01-a.md", "a"),
            ("02-b.md", "b"),
            ("03-c.md", "c"),
            ("04-d.md", "d"),
        ] {
            files.insert(format!("c/{name}"), lesson(id).into_bytes());
        }
        super::load_tree(&files)
    };
    let ids = |lib: &super::Library| -> Vec<String> {
        lib.courses[0].items.iter().map(|i| i.id.clone()).collect()
    };
    // Listed ids first, in the listed order; the rest after, by file name.
    let lib = tree("order: [c, a]\n");
    assert_eq!(lib.errors(), 0, "{:#?}", lib.files);
    assert_eq!(ids(&lib), ["c", "a", "b", "d"]);
    // The block list form reads the same.
    let lib = tree("order:\n  - d\n  - b\n");
    assert_eq!(ids(&lib), ["d", "b", "a", "c"]);
    // An unknown or repeated id is a warning at its line, never a broken course.
    let lib = tree("order: [b, gone, b]\n");
    assert_eq!(lib.errors(), 0);
    assert_eq!(ids(&lib), ["b", "a", "c", "d"]);
    let course_report = lib
        .files
        .iter()
        .find(|f| f.kind == FileKind::Course)
        .expect("course report");
    let warnings: Vec<(usize, &str)> = course_report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(
        warnings.contains(&(
            7,
            "`gone` in `order` is not an item of this course; it is skipped"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(&(7, "`b` is listed twice in `order`")),
        "{warnings:?}"
    );
}

/// `replies: typed`, `Replies:` per scene and `Also:` phrasings.
#[test]
fn typed_replies_want_phrasings_where_they_are_accepted() {
    let typed_head = HEAD.replace("channel: phone\n", "channel: phone\nreplies: typed\n");
    let three = "## Start {#start}\n\n- [Listen](#end)\n  > Good.\n  Effects: empathy +1\n  Also: \"I hear you\"\n  Also: “tell me more”\n  Also: sorry, go on\n\n## End {#end}\n\nEnding: resolved\n";
    // Enough phrasings: nothing to say (whether the replies can be told
    // apart is the model's check, in `server::understanding`).
    let d = check(&format!("{typed_head}{three}"));
    assert!(d.is_empty(), "{d:#?}");
    let comps: Vec<String> = COMPS.iter().map(|s| s.to_string()).collect();
    let text = format!("{typed_head}{three}");
    let item = load_item("t.md".into(), "t.md".into(), text.as_bytes(), Some(&comps))
        .0
        .expect("an item");
    let crate::domain::course::ItemBody::Scenario(s) = &item.body else {
        panic!("a scenario")
    };
    let start = &s.graph.scenes[0];
    assert!(start.typed);
    assert_eq!(
        start.choices[0].phrasings,
        ["I hear you", "tell me more", "sorry, go on"]
    );
    // Too few in a typed scene: at the reply's link target.
    let d = check(&format!("{typed_head}{GOOD}"));
    assert_eq!(at(&d, "the reply `Listen` has 0 other phrasings"), (14, 13));
    // A single scene can ask for typed replies, and the line is checked.
    let one = GOOD.replace(
        "## Start {#start}\n\n",
        "## Start {#start}\n\nReplies: typed\n\n",
    );
    let d = scenario(&one);
    assert_eq!(at(&d, "has 0 other phrasings"), (15, 13));
    let d = scenario(&GOOD.replace(
        "## Start {#start}\n\n",
        "## Start {#start}\n\nReplies: shouted\n\n",
    ));
    assert_eq!(at(&d, "unknown replies `shouted`"), (13, 10));
    let d = check(&HEAD.replace("channel: phone\n", "channel: phone\nreplies: maybe\n"));
    assert_eq!(at(&d, "unknown replies `maybe`"), (9, 10));
    // Phrasings where nobody can type are unused.
    let d = scenario(three);
    assert_eq!(at(&d, "are not used"), (13, 13));
    // An empty `Also:` line.
    let d = scenario(&GOOD.replace(
        "  Effects: empathy +1\n",
        "  Effects: empathy +1\n  Also: \"\"\n",
    ));
    assert_eq!(at(&d, "an `Also:` line has no words"), (16, 9));
}
