//! The Twine importer on the corpus in `tests/twine/` and on a generated
//! 200-passage story. Prints, per file: passages, scenes, ways on found,
//! choices written, the validator's errors on the result, and the time the
//! import took (median of 11 runs).
//!
//!   cargo bench --bench twine_import
//!
//! Goals (issue 21): every passage and every link arrives for every file;
//! the importer takes under 100 ms for a 200-passage story.

use rapport::content::source::Severity;
use rapport::content::twee::convert;
use std::fmt::Write;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(text: &str) -> Duration {
    median(
        (0..11)
            .map(|_| {
                let t = Instant::now();
                // A hostile story may be refused (too large a result):
                // that is timed too.
                let out = convert(text);
                std::hint::black_box(&out);
                t.elapsed()
            })
            .collect(),
    )
}

/// A Harlowe story of `n` passages: each one offers a link, a
/// `(link-goto:)`, a `(link:)[(goto:)]` with a change of state, a condition
/// and some styling, like a busy real one.
fn generated(n: usize) -> String {
    let mut s = String::from(":: StoryTitle\nGenerated\n\n:: StoryData\n{\"format\": \"Harlowe\", \"start\": \"P0\"}\n\n");
    for i in 0..n {
        let _ = writeln!(s, ":: P{i}\n(text-colour: grey)[Passage {i}.] The customer says something long enough to be a real line of dialogue, with ''emphasis'' and //style//.");
        if i + 3 < n {
            let _ = writeln!(s, "[[Go on->P{}]]", i + 1);
            let _ = writeln!(s, "(link-goto: \"Skip ahead\", \"P{}\")", i + 2);
            let _ = writeln!(
                s,
                "(link: \"Help\")[(set: $trust to it + 1)You help.(goto: \"P{}\")]",
                i + 3
            );
            let _ = writeln!(s, "(if: $trust > {})[You have built trust.]", i % 5);
        }
        s.push('\n');
    }
    s
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twine");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/twine")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    println!(
        "{:<34} {:>8} {:>7} {:>6} {:>8} {:>7} {:>9}",
        "file", "passages", "scenes", "links", "choices", "errors", "import"
    );
    let mut all_arrive = true;
    let mut rows = vec![];
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        rows.push((f.file_name().unwrap().to_string_lossy().into_owned(), text));
    }
    rows.push(("(generated, 200 passages)".into(), generated(200)));
    let mut big = Duration::ZERO;
    for (name, text) in &rows {
        let out = convert(text).expect("imports");
        let (_, report) = rapport::content::load_item(
            "x.md".into(),
            "x.md".into(),
            out.markdown.as_bytes(),
            None,
        );
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let took = time(text);
        if name.starts_with("(generated") {
            big = took;
        }
        all_arrive &= out.report.len() == out.passages && out.links == out.choices && errors == 0;
        println!(
            "{:<34} {:>8} {:>7} {:>6} {:>8} {:>7} {:>7.2}ms",
            name,
            out.passages,
            out.scenes,
            out.links,
            out.choices,
            errors,
            took.as_secs_f64() * 1000.0
        );
    }
    println!(
        "twine_import: every passage and every link arrives, 0 errors: {}",
        if all_arrive { "yes" } else { "NO" }
    );
    println!(
        "twine_import: 200-passage story imported in {:.2} ms (goal < 100 ms: {})",
        big.as_secs_f64() * 1000.0,
        if big < Duration::from_millis(100) {
            "met"
        } else {
            "not met"
        }
    );
    // Hostile stories of about 1 MB (the upload limit): openings that never
    // close, deep nesting, many links. Each must cost linear time.
    let body = |unit: &str| {
        let n = 1_000_000 / unit.len();
        format!(":: Start\n{}\n:: End\nThe end.\n", unit.repeat(n))
    };
    let missing = |bytes: usize| format!(":: Start\n{}\n", "[[Nowhere]] ".repeat(bytes / 12));
    for (what, text) in [
        ("unclosed [[", body("[[a ")),
        ("unclosed <<if>>", body("<<if $x gt 1>>")),
        ("unclosed (link:)[", body("(link: \"a\")[")),
        (
            "unclosed <a data-passage>",
            body("<a data-passage=\"End\">x "),
        ),
        ("unclosed {link to:", body("{link to: 'End' ")),
        ("lone <", body("<")),
        (
            "nested (if:)[",
            ":: Start\n".to_owned() + &"(if: $x > 1)[".repeat(60_000) + &"]".repeat(60_000),
        ),
        ("links", body("[[End]] ")),
        // Links to a passage that does not exist (each one reported): was
        // quadratic (the line of each link counted from the passage's
        // start), 24 s for 1 MB.
        ("missing links 0.25 MB", missing(250_000)),
        ("missing links 0.5 MB", missing(500_000)),
        ("missing links", missing(1_000_000)),
        ("passages", ":: P\n[[P]]\n".repeat(100_000)),
    ] {
        let took = time(&text);
        println!(
            "twine_import: hostile {what:<26} {:>5} KB  {:>8.1} ms{}",
            text.len() / 1024,
            took.as_secs_f64() * 1000.0,
            match convert(&text) {
                Ok(_) => String::new(),
                Err(e) => format!("  (refused: {e})"),
            }
        );
    }
}
