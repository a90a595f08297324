//! Parses and validates 1,000 generated scenario files, as `rapport check`
//! and the server's start do: read from disk, front matter, markdown,
//! sanitising, graph checks and score ranges. Prints the wall time.
//!
//!   cargo bench --bench content_check
//!
//! Goal (issue 3): under 1 s for the 1,000 files on the 2-core machine.

use std::fmt::Write;
use std::time::Instant;

/// A scenario of `scenes` scenes: each non-ending scene offers three
/// choices forward (one conditional), with feedback and effects; the last
/// three scenes are endings. No loops, like most real scenarios.
fn scenario(n: usize, scenes: usize) -> String {
    let mut s = format!(
        "---\nid: gen-{n}\nkind: scenario\ntitle: Generated {n}\npersona: Customer {n}\nsituation: A generated situation.\nmood: impatient\nchannel: phone\ncompetencies: [empathy, ownership, honesty]\n---\n\n# Generated {n}\n\nSome *intro* text.\n\n"
    );
    let endings = 3;
    for i in 0..scenes {
        let _ = write!(s, "## Scene {i} {{#s{i}}}\n\nNarration for scene {i} with **bold** and a [link](https://example.com).\n\n**Customer:** I have been waiting for {i} minutes.\n\n");
        if i >= scenes - endings {
            let outcome = ["resolved", "partly resolved", "lost"][i % 3];
            let _ = write!(s, "Ending: {outcome}\n\nDebrief for ending {i}.\n\n");
            continue;
        }
        for k in 1..=3 {
            let t = (i + k).min(scenes - 1);
            let cond = if k == 3 {
                " {if empathy >= 1 or visited s0}"
            } else {
                ""
            };
            let _ = write!(
                s,
                "- [Reply {k} in scene {i}](#s{t}){cond}\n\n  > Feedback for reply {k}: it *helps* or it does not.\n\n  Effects: empathy {:+}, ownership {:+}, honesty +1\n\n",
                k as i32 - 2,
                2 - k as i32
            );
        }
    }
    s
}

fn main() {
    let files = 1000;
    let scenes = 20;
    let dir = tempfile::tempdir().expect("temp dir");
    let course = dir.path().join("generated");
    std::fs::create_dir_all(&course).expect("mkdir");
    std::fs::write(
        course.join("course.md"),
        "---\nid: generated\ntitle: Generated\nsummary: Benchmark.\nminutes: 10\ncompetencies: [empathy, ownership, honesty]\n---\nBody.\n",
    )
    .expect("write");
    let mut bytes = 0;
    for n in 0..files {
        let text = scenario(n, scenes);
        bytes += text.len();
        std::fs::write(course.join(format!("{n:04}.md")), text).expect("write");
    }
    // One warm-up pass (file cache, allocator), then the measured runs.
    let _ = rapport::content::load_dir(dir.path());
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let lib = rapport::content::load_dir(dir.path());
        times.push(start.elapsed());
        assert_eq!(lib.errors(), 0, "generated files must be valid");
        assert_eq!(lib.courses[0].items.len(), files);
    }
    times.sort();
    println!(
        "content_check: {files} scenario files ({scenes} scenes, {} choices each; {:.1} MiB) parsed, validated and rendered",
        (scenes - 3) * 3,
        bytes as f64 / 1048576.0
    );
    println!(
        "content_check: median {:.0} ms, best {:.0} ms, worst {:.0} ms over 5 runs (goal: under 1000 ms)",
        times[2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[4].as_secs_f64() * 1000.0
    );
}
