//! Any text as a Twee 3 story: the importer must never panic, and what it
//! writes must be a scenario file the checker reads without panicking.
//!
//!   cargo +nightly fuzz run import_twee -- -max_total_time=60
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(imported) = rapport::content::twee::convert(&text) {
        let md = imported.markdown.as_bytes();
        let _ = rapport::content::load_item("t.md".into(), "t.md".into(), md, None);
    }
});
