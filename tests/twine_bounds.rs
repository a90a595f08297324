//! The Twine importer costs time linear in the story and memory bounded by
//! a multiple of it, on hostile stories: links to a passage that does not
//! exist, links to a passage that changes state on entering, back links to
//! a passage reached from thousands, passages that never reach an ending,
//! chains of `elseif`, and links under a long condition.
//!
//! One test in its own binary: the allocator below counts every
//! allocation of the process, and the time ratios need the cores.
#![cfg(feature = "ssr")]

use rapport::content::twee::convert;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The system allocator, keeping the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The fastest of three imports of `text`, and the most memory one of
/// them held at once beyond what was in use before.
fn import(text: &str) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut peak = 0;
    for _ in 0..3 {
        let before = IN_USE.load(Relaxed);
        PEAK.store(before, Relaxed);
        let started = Instant::now();
        let out = convert(text);
        let took = started.elapsed();
        std::hint::black_box(&out);
        drop(out);
        best = best.min(took);
        peak = peak.max(PEAK.load(Relaxed).saturating_sub(before));
    }
    (best, peak)
}

/// Hostile stories of about `size` bytes.
fn stories(size: usize) -> Vec<(&'static str, String)> {
    let repeat = |unit: &str, bytes: usize| unit.repeat(bytes / unit.len());
    let mut v = vec![
        (
            "links to a missing passage",
            format!(":: Start\n{}\n", repeat("[[Nowhere]] ", size)),
        ),
        (
            "links to a passage that changes state on entering",
            format!(
                ":: Start\n{}\n:: End\n{}\n",
                repeat("[[End]] ", size / 2),
                repeat("<<set $trust to $trust + 1>>", size / 2)
            ),
        ),
        (
            "passages that never reach an ending",
            (0..size / 24).fold(String::new(), |mut s, i| {
                let _ = write!(s, ":: P{i}\n[[P{i}]]\n");
                s
            }),
        ),
        (
            "links under a long condition",
            format!(
                ":: Start\n(if: {})[{}]\n:: End\nThe end.\n",
                (0..12)
                    .map(|i| format!("$variable_number_{i} > {i}"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                repeat("(if: $x > 1)[[[End]]] ", size)
            ),
        ),
    ];
    // Passages that all lead to one with back links.
    let mut back = String::from(":: Start\n[[Hub]]\n");
    for i in 0..size / 48 {
        let _ = write!(back, ":: P{i}\n[[Hub]]\n");
    }
    back.push_str(":: Hub\n");
    back.push_str(&repeat("<<back>> ", size / 2));
    v.push(("back links to a passage reached from many", back));
    v
}

/// Chains of `elseif` branches: each branch's condition names the ones
/// before it, which must not make them grow with every branch.
fn chains(branches: usize) -> Vec<(&'static str, String)> {
    let sugarcube = format!(
        ":: StoryData\n{{\"format\": \"SugarCube\"}}\n:: Start\n<<if $x > 0>>a{}<</if>>\n",
        (1..=branches)
            .map(|i| format!("<<elseif $x > {i}>>b{i}"))
            .collect::<String>()
    );
    let harlowe = format!(
        ":: StoryData\n{{\"format\": \"Harlowe\"}}\n:: Start\n(if: $x > 0)[a]{}(else:)[z]\n",
        (1..=branches)
            .map(|i| format!("(elseif: $x > {i})[b{i}]"))
            .collect::<String>()
    );
    vec![
        ("SugarCube elseif chain", sugarcube),
        ("Harlowe elseif chain", harlowe),
    ]
}

#[test]
fn hostile_stories_cost_linear_time_and_bounded_memory() {
    const SMALL: usize = 128 * 1024;
    let mut failures = Vec::new();
    for ((what, small), (_, large)) in stories(SMALL).into_iter().zip(stories(4 * SMALL)) {
        let (t1, m1) = import(&small);
        let (t4, m4) = import(&large);
        let ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
        println!(
            "{what:<52} {:>4} KB {t1:>10.2?} {:>6} KB | {:>4} KB {t4:>10.2?} {:>7} KB | time ×{ratio:.1}",
            small.len() / 1024,
            m1 / 1024,
            large.len() / 1024,
            m4 / 1024,
        );
        // Linear is ×4; quadratic ×16 (less its linear part). Anything under 1 ms is too short
        // to compare and certainly not quadratic at this size.
        if ratio > 7.0 && t4 > Duration::from_millis(1) {
            failures.push(format!("{what}: 4× the story took ×{ratio:.1} the time"));
        }
        if m4 > 256 * large.len() {
            failures.push(format!(
                "{what}: a {} KB story held {} KB",
                large.len() / 1024,
                m4 / 1024
            ));
        }
    }
    // 24 branches: joined conditions that double with each branch reach
    // hundreds of megabytes; bounded ones stay within a few kilobytes each.
    for (what, text) in chains(24) {
        let (took, peak) = import(&text);
        println!(
            "{what:<52} {:>4} KB {took:>10.2?} {:>6} KB",
            text.len() / 1024,
            peak / 1024
        );
        if peak > 4 * 1024 * 1024 {
            failures.push(format!(
                "{what}: a {} byte story held {} KB",
                text.len(),
                peak / 1024
            ));
        }
        let out = convert(&text).expect("imports");
        let longest = out.markdown.lines().map(str::len).max().unwrap_or(0);
        if longest > 4096 {
            failures.push(format!("{what}: a line of {longest} bytes"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
