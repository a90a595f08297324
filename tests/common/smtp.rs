//! A real SMTP server on loopback for tests and benchmarks: aiosmtpd (PyPI,
//! installed by `scripts/setup --test`) running `tests/support/smtp_sink.py`,
//! which writes each message it accepts as a JSON file.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The SMTP server: a child process writing each message it accepts as a
/// JSON file.
pub struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

fn tools_python() -> PathBuf {
    let tools = std::env::var("RAPPORT_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/rapport-tools")
        });
    tools.join("python")
}

impl Sink {
    /// On `port` (0: any free one).
    pub fn start(port: u16) -> Sink {
        Sink::launch(port, false)
    }

    /// For benchmarks: keeps each message's bytes and parses nothing.
    pub fn start_raw() -> Sink {
        Sink::launch(0, true)
    }

    fn launch(port: u16, raw: bool) -> Sink {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/smtp_sink.py"
            ))
            .arg(dir.path())
            .arg(port.to_string())
            .arg(if raw { "raw" } else { "parsed" })
            .env("PYTHONPATH", tools_python())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the sink's first line");
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start (run scripts/setup --test to install aiosmtpd): {line:?}")
            });
        Sink { child, dir, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// How many messages arrived.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read the mailbox")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
            .collect()
    }

    /// Waits until at least `n` messages arrived (at most 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || start.elapsed() > Duration::from_secs(20) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
