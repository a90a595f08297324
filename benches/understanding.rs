//! How well typed replies are understood, and what the model costs.
//!
//! The labelled set (`benches/understanding/*.txt`) holds, for decision
//! scenes of the shipped scenarios, replies typed the way staff type, each
//! labelled with the authored reply it means (or `none`). Every reply is
//! matched against all replies of its scene with the same code the server
//! uses (`server::understanding`), and the bench prints:
//!
//! * on replies that mean an authored reply: the share routed right,
//!   routed wrong, and asked to rephrase;
//! * on replies that mean none: the share asked to rephrase;
//! * a sweep of the two thresholds, to calibrate the defaults;
//! * model load time, resident memory added, and the latency of embedding
//!   one reply (p50, p99), sequentially on this machine.
//!
//!   cargo bench --bench understanding
//!
//! Goals (issue 16): ≥ 90% right, ≤ 3% wrong, ≤ 10% rephrase on replies
//! that match; ≥ 80% of the match-nothing replies asked to rephrase;
//! one reply p50 ≤ 30 ms, p99 ≤ 100 ms; start-up ≤ 3 s extra; ≤ 300 MB.

use rapport::domain::course::{ItemBody, Scenario};
use rapport::server::understanding::{
    decide, default_dir, dot, phrasings_of, Closeness, Embed, MiniLm, Thresholds, Verdict,
};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

struct Case {
    file: String,
    scene: String,
    /// `None`: matches no authored reply.
    want: Option<usize>,
    text: String,
}

fn read_set(dir: &Path) -> Vec<(String, Vec<Case>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("benches/understanding")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&p).expect("read");
            let mut scene = String::new();
            let mut want: Option<Option<usize>> = None;
            let mut cases = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if let Some(s) = line.strip_prefix("# scene:") {
                    scene = s.trim().to_string();
                    want = None;
                } else if line.starts_with('#') || line.is_empty() {
                } else if let Some(w) = line.strip_prefix('=') {
                    let w = w.trim();
                    want = Some(if w == "none" {
                        None
                    } else {
                        Some(w.parse().unwrap_or_else(|_| {
                            panic!("{}:{}: `= N` or `= none`", p.display(), n + 1)
                        }))
                    });
                } else {
                    let want = want.unwrap_or_else(|| {
                        panic!("{}:{}: a reply before its `= N`", p.display(), n + 1)
                    });
                    cases.push(Case {
                        file: p.display().to_string(),
                        scene: scene.clone(),
                        want,
                        text: line.to_string(),
                    });
                }
            }
            (id, cases)
        })
        .collect()
}

fn scenarios() -> HashMap<String, Scenario> {
    let lib = rapport::content::load_dir(Path::new("content"));
    let mut out = HashMap::new();
    for c in lib.courses {
        for i in c.items {
            if let ItemBody::Scenario(s) = i.body {
                out.insert(i.id, s);
            }
        }
    }
    out
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    right: usize,
    wrong: usize,
    rephrase: usize,
    none_total: usize,
    none_rephrase: usize,
}

impl Tally {
    fn matched(&self) -> usize {
        self.right + self.wrong + self.rephrase
    }
    fn pct(n: usize, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            100.0 * n as f64 / d as f64
        }
    }
}

fn main() {
    let dir = default_dir();
    let before = rss_mb();
    let t = Instant::now();
    let model = MiniLm::load(&dir).unwrap_or_else(|e| panic!("{e:#} (run scripts/setup)"));
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let scenarios = scenarios();
    let set = read_set(Path::new("benches/understanding"));

    // Every text once: authored phrasings and typed replies.
    struct Scored {
        want: Option<usize>,
        scores: Vec<Closeness>,
        text: String,
        file: String,
        scene: String,
    }
    let mut scored = Vec::new();
    let mut latencies = Vec::new();
    let mut scenes_done = 0;
    for (id, cases) in &set {
        let s = scenarios.get(id).unwrap_or_else(|| {
            panic!("benches/understanding/{id}.txt: no scenario `{id}` in content/")
        });
        let mut vectors: HashMap<String, Vec<Vec<f32>>> = HashMap::new();
        for case in cases {
            let scene = s
                .graph
                .scene(&case.scene)
                .unwrap_or_else(|| panic!("{}: no scene `{}`", case.file, case.scene));
            if let Some(w) = case.want {
                assert!(
                    w < scene.choices.len(),
                    "{}: scene `{}` has no reply {w}",
                    case.file,
                    case.scene
                );
            }
            let groups = vectors.entry(case.scene.clone()).or_insert_with(|| {
                scenes_done += 1;
                (0..scene.choices.len())
                    .map(|i| phrasings_of(scene, i))
                    .flat_map(|p| model.embed(&p).expect("embed"))
                    .collect()
            });
            let sizes: Vec<usize> = (0..scene.choices.len())
                .map(|i| phrasings_of(scene, i).len())
                .collect();
            let t = Instant::now();
            let v = model
                .embed(std::slice::from_ref(&case.text))
                .expect("embed")
                .remove(0);
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            let mut at = 0;
            let scores = sizes
                .iter()
                .enumerate()
                .map(|(choice, n)| {
                    let score = groups[at..at + n]
                        .iter()
                        .map(|p| dot(&v, p))
                        .fold(f32::MIN, f32::max);
                    at += n;
                    Closeness { choice, score }
                })
                .collect();
            scored.push(Scored {
                want: case.want,
                scores,
                text: case.text.clone(),
                file: id.clone(),
                scene: case.scene.clone(),
            });
        }
    }
    let after = rss_mb();

    let tally = |t: Thresholds| {
        let mut out = Tally::default();
        for s in &scored {
            let got = decide(&s.scores, t);
            match (s.want, got) {
                (Some(w), Verdict::Understood(g)) if w == g => out.right += 1,
                (Some(_), Verdict::Understood(_)) => out.wrong += 1,
                (Some(_), Verdict::Unsure) => out.rephrase += 1,
                (None, got) => {
                    out.none_total += 1;
                    if got == Verdict::Unsure {
                        out.none_rephrase += 1;
                    }
                }
            }
        }
        out
    };

    println!(
        "understanding: {} labelled replies in {} scenes of {} scenario(s)",
        scored.len(),
        scenes_done,
        set.len()
    );
    println!(
        "model: all-MiniLM-L6-v2 (candle, CPU) from {}",
        dir.display()
    );
    println!();
    println!("threshold sweep (min similarity / min margin → right, wrong, rephrase on matching; rephrase on none):");
    for min in [0.40f32, 0.45, 0.50, 0.55, 0.60] {
        for margin in [0.00f32, 0.02, 0.04, 0.06, 0.08] {
            let t = tally(Thresholds {
                min_similarity: min,
                min_margin: margin,
            });
            let m = t.matched();
            println!(
                "  {min:.2} / {margin:.2}: right {:5.1}%  wrong {:4.1}%  rephrase {:4.1}%  | none asked to rephrase {:5.1}%",
                Tally::pct(t.right, m), Tally::pct(t.wrong, m), Tally::pct(t.rephrase, m), Tally::pct(t.none_rephrase, t.none_total)
            );
        }
    }
    let d = Thresholds::DEFAULT;
    let t = tally(d);
    let m = t.matched();
    println!();
    println!(
        "with the defaults ({:.2} / {:.2}):",
        d.min_similarity, d.min_margin
    );
    println!("  replies that match a reply:   {m}");
    println!(
        "    routed right:               {:5.1}%  (goal ≥ 90%)",
        Tally::pct(t.right, m)
    );
    println!(
        "    routed wrong:               {:5.1}%  (goal ≤ 3%)",
        Tally::pct(t.wrong, m)
    );
    println!(
        "    asked to rephrase:          {:5.1}%  (goal ≤ 10%)",
        Tally::pct(t.rephrase, m)
    );
    println!("  replies that match nothing:   {}", t.none_total);
    println!(
        "    asked to rephrase:          {:5.1}%  (goal ≥ 80%)",
        Tally::pct(t.none_rephrase, t.none_total)
    );
    println!();
    println!("misses with the defaults:");
    for s in &scored {
        let got = decide(&s.scores, d);
        if got != s.want.map_or(Verdict::Unsure, Verdict::Understood) {
            let mut sc = s.scores.clone();
            sc.sort_by(|a, b| b.score.total_cmp(&a.score));
            let top: Vec<String> = sc
                .iter()
                .take(2)
                .map(|c| format!("{}:{:.2}", c.choice, c.score))
                .collect();
            println!(
                "  {}#{} want {:?} got {:?} [{}] {}",
                s.file,
                s.scene,
                s.want,
                got,
                top.join(" "),
                s.text
            );
        }
    }
    latencies.sort_by(f64::total_cmp);
    let q = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!();
    println!("model load: {load_ms:.0} ms (goal: start-up ≤ 3 s extra)");
    println!("resident memory: {before:.0} MB before load, {after:.0} MB after loading and embedding: +{:.0} MB (goal ≤ 300 MB)", after - before);
    println!(
        "embedding one reply ({} replies, one at a time): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p50 ≤ 30 ms, p99 ≤ 100 ms)",
        latencies.len(),
        q(0.50),
        q(0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    let long = "I'm really sorry this keeps happening to you, ".repeat(40);
    let t0 = Instant::now();
    model
        .embed(&[long.chars().take(1000).collect()])
        .expect("embed");
    println!(
        "embedding a 1,000-character reply: {:.1} ms",
        t0.elapsed().as_secs_f64() * 1000.0
    );
}
