//! A real OpenID provider on loopback for tests: npm `oauth2-mock-server`
//! (installed by `scripts/setup --test`), driven by
//! `tests/support/oidc_provider.mjs`, which also lets a test say what the
//! next ID token holds or how it is spoilt.
#![allow(dead_code)]

use super::TestApp;
use rapport::domain::Role;
use reqwest::{Client, StatusCode};
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

// What a browser does through a sign-in, for the tests.

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub fn query_param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// An admin saves a provider through the admin form; returns its slug.
pub async fn add_provider(app: &TestApp, idp: &Provider, extra: &[(&str, &str)]) -> String {
    app.user("root@admin.test", &[Role::Admin], None).await;
    let admin = app.login_as("root@admin.test").await;
    let mut form = vec![
        ("form[label]", "Contoso"),
        ("form[issuer]", idp.issuer.as_str()),
        ("form[client_id]", "rapport-app"),
        ("form[client_secret]", "s3cret"),
        ("form[domains]", "contoso.com"),
        ("form[default_role]", "employee"),
    ];
    form.extend_from_slice(extra);
    let res = app
        .submit(&admin, "admin_save_sso", &form, "/admin/sso")
        .await;
    let to = location(&res);
    assert!(
        to.starts_with("/admin/sso?saved="),
        "saving the provider: {to}"
    );
    "contoso".into()
}

/// Starts a sign-in with the button and follows the provider's answer back
/// to Rapport; returns the callback's URL and Rapport's answer to it.
pub async fn through_provider(
    app: &TestApp,
    client: &Client,
    slug: &str,
) -> (String, reqwest::Response) {
    let res = client
        .post(app.url("/sso/start"))
        .header("origin", app.base.clone())
        .form(&[("provider", slug), ("next", "/learn")])
        .send()
        .await
        .expect("start");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let authorize = location(&res);
    assert!(authorize.contains("/authorize?"), "{authorize}");
    for k in ["state", "nonce", "code_challenge"] {
        assert!(query_param(&authorize, k).is_some(), "{k} in {authorize}");
    }
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    // The provider answers at once with a code.
    let res = client.get(&authorize).send().await.expect("authorize");
    assert!(res.status().is_redirection(), "{}", res.status());
    let callback = location(&res);
    assert!(
        callback.starts_with(&app.url("/sso/callback")),
        "{callback}"
    );
    let res = client.get(&callback).send().await.expect("callback");
    (callback, res)
}

pub fn refused_with(res: &reqwest::Response, words: &str) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(res);
    assert!(to.starts_with("/login?error="), "{to}");
    let msg = query_param(&format!("http://x{to}"), "error").unwrap_or_default();
    assert!(msg.contains(words), "{msg:?} should say {words:?}");
}

/// The refusal a form post led to, as the page it redirects to shows it.
pub async fn refusal(app: &TestApp, client: &Client, res: &reqwest::Response) -> String {
    let to = location(res);
    assert!(to.starts_with("/admin/sso"), "{to}");
    let page = app.get(client, &to).await.text().await.expect("page");
    let Some(i) = page.find("flash flash-error") else {
        return String::new();
    };
    let rest = &page[i..];
    let rest = &rest[rest.find("<p>").map_or(0, |p| p + 3)..];
    let text = &rest[..rest.find("</p>").unwrap_or(rest.len())];
    text.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A TCP listener on `ip` that counts the connections it accepts and
/// closes each at once (a port that is open but speaks no HTTP).
pub async fn counting_listener(ip: &str) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, hits)
}

/// A discovery document on `ip`: `doc(base)` is served at
/// `/.well-known/openid-configuration`, an empty key set at `/jwks`, and
/// every request is counted. Returns the base address and the count.
pub async fn fake_issuer(
    ip: &str,
    doc: impl Fn(&str) -> Value + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let base = format!(
        "http://{ip}:{}",
        listener.local_addr().expect("addr").port()
    );
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let doc = doc(&base).to_string();
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (doc, counted) = (doc.clone(), counted.clone());
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let body = match req.uri().path() {
                "/.well-known/openid-configuration" => doc,
                "/jwks" => r#"{"keys":[]}"#.to_owned(),
                _ => return (axum::http::StatusCode::NOT_FOUND, String::new()).into_response(),
            };
            ([("content-type", "application/json")], body).into_response()
        }
    });
    use axum::response::IntoResponse;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, hits)
}

/// A discovery document whose endpoints are all under `base`, with the
/// keys at `jwks` and the token endpoint at `token`.
pub fn discovery(issuer: &str, jwks: &str, token: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": token,
        "jwks_uri": jwks,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}
