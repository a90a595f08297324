//! A real learning record store on loopback for tests: Learning Locker's
//! statements service (npm `xapi-statements`, installed by
//! `scripts/setup --test`), in memory, on its own port.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Lrs {
    child: Child,
    _dir: tempfile::TempDir,
    pub port: u16,
}

fn script() -> PathBuf {
    let tools = std::env::var("RAPPORT_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/rapport-tools")
        });
    tools.join("lrs/node_modules/xapi-statements/dist/index.js")
}

impl Lrs {
    /// On `port` (0: any free one); answers before this returns.
    pub async fn start(port: u16) -> Lrs {
        let port = if port == 0 {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port")
        } else {
            port
        };
        let script = script();
        assert!(
            script.exists(),
            "{} is missing: run scripts/setup --test",
            script.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let child = Command::new("node")
            .arg(&script)
            .env("AUTH_REPO", "test")
            .env("EVENTS_REPO", "test")
            .env("MODELS_REPO", "memory")
            .env("STORAGE_REPO", "local")
            .env("FS_LOCAL_STORAGE_DIR", dir.path())
            .env("EXPRESS_MORGAN_DIRECTORY", dir.path())
            .env("EXPRESS_PORT", port.to_string())
            .env("EXPRESS_HOST", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let lrs = Lrs {
            child,
            _dir: dir,
            port,
        };
        let start = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(lrs.url("/about")).send().await {
                if r.status().is_success() {
                    return lrs;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the LRS did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The xAPI endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/xAPI", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint())
    }

    /// Every statement the LRS stores, oldest first.
    pub async fn statements(&self) -> Vec<Value> {
        let r: Value = reqwest::Client::new()
            .get(self.url("/statements?limit=1000&ascending=true"))
            .basic_auth("rapport", Some("secret"))
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await
            .expect("the LRS answers")
            .json()
            .await
            .expect("json");
        r["statements"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Lrs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
