//! The HTTP stack: routes, the session and origin checks, security headers
//! and the adapters that hand requests to Leptos.

use super::guard::RequestCtx;
use super::{auth, AppState};
use crate::api::AppError;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use std::net::SocketAddr;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

/// Request bodies larger than this are refused with 413. Every form of the
/// product is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Authoring posts carry a whole content file (at most 1 MiB, which form
/// encoding can triple); the file-size rule itself gives the clear message.
pub const MAX_AUTHORING_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The longest any request may take before the server answers 503.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    generate_route_list(App)
}

pub fn router(state: AppState) -> Router {
    let routes = state.routes.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/dashboard/export.csv", get(export_csv))
        .route("/author/download", get(author_download))
        .route("/author/course.zip", get(author_download))
        .route("/author/upload", post(author_upload))
        .route("/api/{*fn_name}", post(server_fn_handler))
        .leptos_routes_with_handler(routes, get(page_handler))
        .fallback(fallback)
        // `body_limit` caps every body, inside the session layer so that it
        // knows who is asking; axum's own 2 MB default would turn a large
        // authoring post into a bare 500 instead.
        .layer(middleware::from_fn(body_limit))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(middleware::from_fn(origin_guard))
        // No response may hang a browser forever: after this, 503.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// The dashboard's current view as CSV, streamed (GET: it changes nothing).
/// The same filters and the same scope as the dashboard page.
async fn export_csv(State(state): State<AppState>, req: Request) -> Response {
    use crate::server::dashboard;
    let text = plain_text;
    let Some(user) = request_ctx(&req).and_then(|c| c.user) else {
        let next = format!("/dashboard/export.csv?{}", req.uri().query().unwrap_or(""));
        let to = super::guard::url_with("/login", &[("next", &next)]);
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    };
    let mut filter = crate::api::dashboard::DashFilter::default();
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        match k.as_ref() {
            "team" => filter.team = v,
            "course" => filter.course = v,
            "status" => filter.status = v,
            "from" => filter.from = v,
            "to" => filter.to = v,
            "q" => filter.q = v,
            _ => {}
        }
    }
    let export = async {
        let scope = dashboard::scope(&state.db, &user).await?;
        dashboard::export_query(&state, &scope, &filter).await
    }
    .await;
    let export = match export {
        Ok(e) => e,
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return text(status, e.to_string());
        }
    };
    let (send, mut recv) = tokio::sync::mpsc::channel(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = dashboard::export_csv(&db, export, send).await {
            tracing::warn!("export stopped: {e}");
        }
    });
    let stream = futures::stream::poll_fn(move |cx| recv.poll_recv(cx));
    let name = format!(
        "rapport-completion-{}.csv",
        crate::domain::time::format_date(super::now())
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn request_ctx(req: &Request) -> Option<RequestCtx> {
    req.extensions().get::<RequestCtx>().cloned()
}

/// Runs a server function with the app state and the caller in context,
/// then gives its error the HTTP status that fits (see `AppError::status`).
async fn server_fn_handler(State(state): State<AppState>, req: Request) -> Response {
    let ctx = request_ctx(&req);
    let res = handle_server_fns_with_context(
        move || {
            provide_context(state.clone());
            if let Some(ctx) = ctx.clone() {
                provide_context(ctx);
            }
        },
        req,
    )
    .await
    .into_response();
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// What every page render gets in context: the app state, the caller, and a
/// fresh CSP nonce (see `app::shell`).
fn page_context(state: &AppState, ctx: Option<RequestCtx>) -> impl Fn() + Clone + Send + 'static {
    let state = state.clone();
    move || {
        provide_context(state.clone());
        if let Some(ctx) = ctx.clone() {
            provide_context(ctx);
        }
        leptos::nonce::provide_nonce();
    }
}

/// Renders a page.
async fn page_handler(State(state): State<AppState>, req: Request) -> Response {
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_route_with_context(
        state.routes.clone(),
        page_context(&state, request_ctx(&req)),
        move || shell(options.clone()),
    );
    handler(State(state), req).await.into_response()
}

/// Static files from the site folder (the wasm bundle, CSS, icons); anything
/// else is rendered by the app, whose fallback route is the 404 page.
async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let (parts, _) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        let served = match ServeDir::new(&state.config.site_root).oneshot(probe).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        if served.status() != StatusCode::NOT_FOUND {
            return served.into_response();
        }
        let ctx = parts.extensions.get::<RequestCtx>().cloned();
        let options = state.leptos_options.clone();
        let handler =
            leptos_axum::render_app_async_with_context(page_context(&state, ctx), move || {
                shell(options.clone())
            });
        let mut res = handler(Request::from_parts(parts, Body::empty()))
            .await
            .into_response();
        *res.status_mut() = StatusCode::NOT_FOUND;
        return res;
    }
    (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n").into_response()
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn client_ip(req: &Request, proxy_hops: usize) -> String {
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
async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/pkg/") {
        return next.run(req).await;
    }
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
            Err(_) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is unavailable. Please try again shortly.\n",
                )
                    .into_response()
            }
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

async fn origin_guard(req: Request, next: Next) -> Response {
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
async fn body_limit(req: Request, next: Next) -> Response {
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

fn http_body_util_limited(
    body: Body,
    limit: usize,
) -> impl http_body::Body<Data = bytes::Bytes, Error = axum::Error> {
    use http_body_util::BodyExt;
    http_body_util::Limited::new(body, limit).map_err(axum::Error::new)
}

fn plain_text(status: StatusCode, msg: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg + "\n",
    )
        .into_response()
}

/// The signed-in trainer or admin, or the answer for anyone else: to the
/// sign-in page (then back to `next`), or 403.
fn author(req: &Request, next: &str) -> Result<crate::api::auth::SessionUser, Box<Response>> {
    use crate::domain::Role;
    let Some(user) = request_ctx(req).and_then(|c| c.user) else {
        let to = super::guard::url_with("/login", &[("next", next)]);
        return Err(Box::new(
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response(),
        ));
    };
    if !user.roles.has_any(&[Role::Trainer, Role::Admin]) {
        return Err(Box::new(plain_text(
            StatusCode::FORBIDDEN,
            AppError::Forbidden.to_string(),
        )));
    }
    Ok(user)
}

/// `POST /author/upload` (multipart, so it works without JavaScript): a
/// markdown file or a Twee story, chosen with the file picker or pasted,
/// becomes a draft. Answers with a redirect to its editor, or back to the
/// library with the reason.
async fn author_upload(State(state): State<AppState>, req: Request) -> Response {
    use axum::extract::FromRequest;
    let user = match author(&req, "/author") {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let back = |e: AppError| {
        let to = super::guard::url_with("/author", &[("error", &e.to_string())]);
        (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
    };
    let multipart = match axum::extract::Multipart::from_request(req, &state).await {
        Ok(m) => m,
        Err(_) => {
            return back(AppError::BadRequest(
                "The upload could not be read; choose the file again.".into(),
            ))
        }
    };
    match read_upload(multipart).await {
        Ok(u) => {
            let name = if u.name.trim().is_empty() {
                u.file_name.clone()
            } else {
                u.name.clone()
            };
            match crate::server::authoring::import(
                &state, user.id, &u.folder, &name, &u.format, &u.text,
            )
            .await
            {
                Ok(path) => {
                    let to = super::guard::url_with(
                        "/author/edit",
                        &[("path", &path), ("imported", "1")],
                    );
                    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
                }
                Err(e) => back(e),
            }
        }
        Err(e) => back(e),
    }
}

#[derive(Default)]
struct Upload {
    folder: String,
    name: String,
    format: String,
    text: String,
    file_name: String,
}

async fn read_upload(mut multipart: axum::extract::Multipart) -> Result<Upload, AppError> {
    use crate::content::source::MAX_FILE_BYTES;
    let mut u = Upload::default();
    let mut pasted = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable =
        || AppError::BadRequest("The upload was cut short or is not a form; try again.".into());
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let key = field.name().unwrap_or("").to_string();
        if key == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_FILE_BYTES {
                    return Err(AppError::Invalid(format!(
                        "`{file_name}` is larger than 1 MB; a content file may be at most 1 MB. Nothing was imported."
                    )));
                }
            }
            if !file_name.is_empty() || !bytes.is_empty() {
                file = Some((file_name, bytes));
            }
            continue;
        }
        let value = field.text().await.map_err(|_| unreadable())?;
        match key.as_str() {
            "folder" => u.folder = value,
            "name" => u.name = value,
            "format" => u.format = value,
            "source" => pasted = value,
            _ => {}
        }
    }
    match file {
        Some((file_name, bytes)) if !bytes.is_empty() => {
            u.text = String::from_utf8(bytes).map_err(|e| {
                AppError::Invalid(format!(
                    "`{file_name}` is not UTF-8 text (the first bad byte is at position {}); is it a binary file? Save it as UTF-8 markdown or Twee and try again.",
                    e.utf8_error().valid_up_to()
                ))
            })?;
            u.file_name = file_name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .to_string();
        }
        Some((file_name, _)) if pasted.trim().is_empty() => {
            return Err(AppError::Invalid(format!(
                "`{file_name}` is empty; choose a markdown file or a Twee story."
            )))
        }
        _ => u.text = pasted,
    }
    if u.text.trim().is_empty() {
        return Err(AppError::Invalid(
            "Choose a file to upload, or paste its text.".into(),
        ));
    }
    Ok(u)
}

/// `/author/download?path=…[&draft=1]`: one file's markdown, and
/// `/author/course.zip?folder=…`: a course folder as in `content/`.
async fn author_download(State(state): State<AppState>, req: Request) -> Response {
    use crate::server::authoring;
    let next = format!("{}?{}", req.uri().path(), req.uri().query().unwrap_or(""));
    if let Err(refused) = author(&req, &next) {
        return *refused;
    }
    let text = plain_text;
    let mut path = String::new();
    let mut folder = String::new();
    let mut want_draft = false;
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "path" => path = v.into_owned(),
            "folder" => folder = v.into_owned(),
            "draft" => want_draft = v == "1",
            _ => {}
        }
    }
    let fail = |e: AppError| {
        text(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
    };
    if req.uri().path().ends_with(".zip") {
        match authoring::course_zip(&state, &folder).await {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{folder}.zip\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => fail(e),
        }
    } else {
        match authoring::download(&state, &path, want_draft).await {
            Ok(source) => {
                let name = path.rsplit('/').next().unwrap_or("file.md").to_string();
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "text/markdown; charset=utf-8".to_string(),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"{name}\""),
                        ),
                    ],
                    source,
                )
                    .into_response()
            }
            Err(e) => fail(e),
        }
    }
}

/// Headers every response carries. Pages set their own Content-Security-Policy
/// with a per-request nonce; everything else gets a policy that allows nothing.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
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
    if !is_asset {
        set(h, "cache-control", "no-store");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        let post = Method::POST;
        assert!(!is_cross_site(
            &Method::GET,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(is_cross_site(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(is_cross_site(
            &post,
            &headers(&[("sec-fetch-site", "same-site")])
        ));
        assert!(!is_cross_site(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        assert!(!is_cross_site(
            &post,
            &headers(&[("origin", "http://a.test:3000"), ("host", "a.test:3000")])
        ));
        assert!(is_cross_site(
            &post,
            &headers(&[("origin", "http://evil.test"), ("host", "a.test:3000")])
        ));
        assert!(is_cross_site(
            &post,
            &headers(&[("origin", "null"), ("host", "a.test")])
        ));
        assert!(!is_cross_site(&post, &headers(&[])));
    }

    #[test]
    fn the_client_address_is_the_one_the_proxy_appended() {
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 10.0.0.7")]);
        assert_eq!(forwarded_client(&h, 1).as_deref(), Some("10.0.0.7"));
        assert_eq!(forwarded_client(&h, 2).as_deref(), Some("6.6.6.6"));
        assert_eq!(forwarded_client(&h, 3), None);
        let junk = headers(&[("x-forwarded-for", "10.0.0.7, not-an-address")]);
        assert_eq!(forwarded_client(&junk, 1), None);
        let mut two = HeaderMap::new();
        two.append("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
        two.append("x-forwarded-for", HeaderValue::from_static("2.2.2.2"));
        assert_eq!(forwarded_client(&two, 1).as_deref(), Some("2.2.2.2"));
    }

    #[test]
    fn finds_the_session_cookie() {
        let h = headers(&[("cookie", "a=1; rapport_session=tok; b=2")]);
        assert_eq!(cookie_value(&h, "rapport_session"), Some("tok"));
        assert_eq!(cookie_value(&h, "missing"), None);
    }
}
