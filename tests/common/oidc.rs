//! A real OpenID provider on loopback for tests: npm `oauth2-mock-server`
//! (installed by `scripts/setup --test`), driven by
//! `tests/support/oidc_provider.mjs`, which also lets a test say what the
//! next ID token holds or how it is spoilt.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Provider {
    child: Child,
    pub issuer: String,
    control: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tools() -> PathBuf {
    std::env::var("RAPPORT_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/rapport-tools")
        })
}

impl Provider {
    /// Starts on any free port; listening when this returns.
    pub fn start() -> Provider {
        Self::start_on(0)
    }

    pub fn start_on(port: u16) -> Provider {
        let dir = tools().join("oidc");
        assert!(
            dir.join("node_modules/oauth2-mock-server").exists(),
            "{} is missing: run scripts/setup --test",
            dir.display()
        );
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/oidc_provider.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .arg(port.to_string())
            .env("OIDC_MOCK_DIR", &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the provider starts");
        let v: Value = serde_json::from_str(line.trim()).expect("the provider's first line");
        Provider {
            child,
            issuer: v["issuer"].as_str().expect("issuer").to_owned(),
            control: v["control"].as_str().expect("control").to_owned(),
        }
    }

    pub fn port(&self) -> u16 {
        self.issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse().ok())
            .expect("port")
    }

    /// What the next ID token says (on top of the provider's own `sub`,
    /// `aud`, `iss`, `exp`, `nonce`), and how it is spoilt, if at all.
    pub async fn next_token(&self, claims: Value, spoil: Option<&str>) {
        reqwest::Client::new()
            .post(format!("{}/next", self.control))
            .json(&json!({ "claims": claims, "spoil": spoil }))
            .send()
            .await
            .expect("the provider's control");
    }

    /// The next token request fails with this OAuth error.
    pub async fn fail_next(&self, error: &str) {
        reqwest::Client::new()
            .post(format!("{}/fail", self.control))
            .json(&json!({ "error": error }))
            .send()
            .await
            .expect("the provider's control");
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
