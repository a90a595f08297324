//! A `rapport serve` child process for the load benches: on a free loopback
//! port, with a temporary site folder, ready once `/healthz` answers,
//! stopped (and waited for) when dropped.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Served {
    child: Child,
    pub base: String,
    pub port: u16,
    /// The temporary folder (site, and any database the bench put there).
    pub dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `rapport serve --addr 127.0.0.1:<port> --site-root <dir>/site`
/// with `args` and `env` (and `RUST_LOG` at `log`), waiting at most `wait`
/// for it to answer. `dir` is the bench's temporary folder.
pub async fn serve(
    dir: tempfile::TempDir,
    port: u16,
    args: &[&str],
    env: &[(&str, &str)],
    log: &str,
    wait: Duration,
) -> Served {
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).expect("site dir");
    std::fs::copy("public/favicon.svg", site.join("favicon.svg")).expect("favicon");
    let child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--site-root", &site.display().to_string()])
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", log)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start rapport");
    // From here on, dropping `served` stops the child (and waits for it).
    let served = Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
        port,
        dir,
    };
    let probe = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < wait {
        if let Ok(r) = probe.get(format!("{}/healthz", served.base)).send().await {
            if r.status().is_success() {
                return served;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(served);
    panic!("the server did not start within {wait:?}");
}
