//! Any text as a scenario condition: the parser must never panic, an error
//! must point inside the text, and a condition that parses must print as
//! text that parses to the same condition, evaluate and list its names
//! without deep recursion.
//!
//!   cargo +nightly fuzz run parse_condition -- -max_total_time=60
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport::domain::condition::{Condition, Facts};

struct Nothing;
impl Facts for Nothing {
    fn score(&self, _: &str) -> i32 {
        1
    }
    fn visited(&self, s: &str) -> bool {
        s.len() % 2 == 0
    }
    fn chose(&self, c: &str) -> bool {
        c.len() % 3 == 0
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Condition::parse(text) {
        Ok(c) => {
            let _ = c.holds(&Nothing);
            let _ = c.references();
            let printed = c.to_string();
            // Printing adds parentheses, which may pass the nesting limit;
            // when it parses again it must be the same condition.
            if let Ok(again) = Condition::parse(&printed) {
                assert_eq!(again, c, "{printed}");
            }
        }
        Err((at, msg)) => {
            assert!(at <= text.chars().count(), "{at} past the end: {msg}");
            assert!(!msg.is_empty());
        }
    }
});
