//! Any bytes, parsed as a content file of every kind: the parser must never
//! panic, and every diagnostic must point inside the file.
//!
//!   cargo +nightly fuzz run parse_content -- -max_total_time=60
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let competencies = vec!["empathy".to_string(), "honesty".to_string()];
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for course in [None, Some(competencies.as_slice())] {
        let (_, report) =
            rapport::content::load_item("f.md".into(), "f.md".into(), data, course);
        for d in &report.diagnostics {
            assert!(d.line >= 1 && d.line <= lines && d.col >= 1, "{d:?}");
        }
    }
    let _ = rapport::content::twee::convert(&String::from_utf8_lossy(data));
});
