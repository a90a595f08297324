//! Middleware: the session lookup, client addresses behind proxies,
//! cross-site refusal, body limits and security headers.

use super::{request_ctx, MAX_AUTHORING_BODY_BYTES, MAX_BODY_BYTES};
use crate::server::guard::RequestCtx;
use crate::server::{auth, AppState};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub(super) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(super) fn client_ip(req: &Request, proxy_hops: usize) -> String {
    let peer = || {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    if proxy_hops == 0 {
        return peer();
    }
    forwarded_client(req.headers(), proxy_hops).unwrap_or_else(peer)
}

/// The client address as the trusted proxies recorded it: `X-Forwarded-For`
/// lists addresses left to right as they were appended, and the left part
/// is whatever the client sent. The entry `hops` from the right end is the
/// one the outermost trusted proxy wrote. Multiple header lines count as
/// one list. `None` when there is no such entry or it is not an address.
pub fn forwarded_client(headers: &HeaderMap, hops: usize) -> Option<String> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let i = entries.len().checked_sub(hops)?;
    entries[i]
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// Finds the session behind the cookie and records who is asking. A cookie
/// that names no valid session (tampered, expired, ended) is cleared.
pub(super) async fn session_layer(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/pkg/") || path == "/healthz" || path == "/livez" {
        return next.run(req).await;
    }
    // The probe found the database gone: say so now rather than let the
    // request wait for a connection that will not come; a request already
    // waiting is answered the moment the probe finds it gone.
    let health = state.db.health.clone();
    if health.unreachable() {
        return unavailable();
    }
    tokio::select! {
        res = with_session(state, req, next) => res,
        _ = health.went_down() => unavailable(),
    }
}

async fn with_session(state: AppState, mut req: Request, next: Next) -> Response {
    let cfg = state.config.clone();
    let token = cookie_value(req.headers(), cfg.cookie_name()).map(str::to_owned);
    let mut stale_cookie = false;
    let (user, session_hash) = match token.as_deref() {
        None => (None, None),
        // A real token is 43 URL-safe characters; anything else is not worth a query.
        Some(t)
            if t.len() != 43
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            stale_cookie = true;
            (None, None)
        }
        Some(t) => match auth::session_user(&state, t).await {
            Ok(Some((user, hash))) => (Some(user), Some(hash)),
            Ok(None) => {
                stale_cookie = true;
                (None, None)
            }
            Err(_) => return unavailable(),
        },
    };
    let ctx = RequestCtx {
        user,
        session_hash,
        client_ip: client_ip(&req, cfg.proxy_hops),
    };
    req.extensions_mut().insert(ctx);
    let mut res = next.run(req).await;
    if stale_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(&cfg)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Seconds a client is asked to wait before trying again after a 503.
pub const RETRY_AFTER_SECS: &str = "2";

/// The answer while the database cannot be used: plain text, so that the
/// page script shows it beside the form and keeps what was typed in it
/// (a browser without JavaScript keeps it behind its Back button).
pub(crate) fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::RETRY_AFTER, RETRY_AFTER_SECS),
        ],
        format!("{}\n", crate::api::AppError::Unavailable),
    )
        .into_response()
}

/// Is a state-changing request coming from a page of another site?
/// Browsers send `Sec-Fetch-Site` and `Origin` with every POST; a request
/// that carries neither is not from a browser and cannot ride on a
/// victim's cookies.
pub fn is_cross_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return true;
        };
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, rest)| rest.trim_end_matches('/'));
        return origin_host != Some(host);
    }
    false
}

pub(super) async fn origin_guard(req: Request, next: Next) -> Response {
    if is_cross_site(req.method(), req.headers()) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.\n",
        )
            .into_response();
    }
    next.run(req).await
}

/// Refuses oversized bodies up front when the length is declared, and caps
/// the bytes read when it is not.
/// The large limit is for authoring requests from a signed-in trainer or
/// admin only; anyone else's body is refused past the small one before a
/// byte of it is decoded.
pub(super) async fn body_limit(req: Request, next: Next) -> Response {
    use crate::domain::Role;
    let author = request_ctx(&req)
        .and_then(|c| c.user)
        .is_some_and(|u| u.roles.has_any(&[Role::Trainer, Role::Admin]));
    let authoring = author
        && (req.uri().path().starts_with("/api/author_") || req.uri().path() == "/author/upload");
    let limit = if authoring {
        MAX_AUTHORING_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        let msg = if authoring {
            "The text is far too large: a content file may be at most 1 MB. Nothing was saved; go back to keep what you typed.\n"
        } else {
            "The request is too large.\n"
        };
        // The unread body makes the connection unusable for another
        // request: say so, so the browser does not send its next one on it.
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CONNECTION, "close"),
            ],
            msg,
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = Body::new(http_body_util_limited(body, limit));
    next.run(Request::from_parts(parts, limited)).await
}

pub(super) fn http_body_util_limited(
    body: Body,
    limit: usize,
) -> impl http_body::Body<Data = bytes::Bytes, Error = axum::Error> {
    use http_body_util::BodyExt;
    http_body_util::Limited::new(body, limit).map_err(axum::Error::new)
}

/// Counts the request in flight while it is answered: the outbox senders
/// give way while any is in flight (`server::pace`).
pub(super) async fn count_in_flight(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let _counted = state.foreground.enter();
    next.run(req).await
}

/// Headers every response carries. Pages set their own Content-Security-Policy
/// with a per-request nonce; everything else gets a policy that allows nothing.
pub(super) async fn security_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let outage = res.status() == StatusCode::SERVICE_UNAVAILABLE;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        if !h.contains_key(k) {
            h.insert(k, HeaderValue::from_static(v));
        }
    };
    set(
        h,
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    // Static files set their own (see `fallback`); pages are never stored.
    set(h, "cache-control", "no-store");
    // Every 503 (the database, the request timeout) says when to try again.
    if outage {
        set(h, "retry-after", RETRY_AFTER_SECS);
    }
    if state.config.secure_cookies {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}
