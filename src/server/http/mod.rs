//! The HTTP stack: routes, the session and origin checks, security headers
//! and the adapters that hand requests to Leptos.

mod files;
mod layers;
mod sso;
#[cfg(test)]
mod tests;

use super::guard::RequestCtx;
use super::AppState;
use crate::api::AppError;
use crate::app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use files::{author_download, author_upload, export_csv};
use layers::{body_limit, count_in_flight, origin_guard, security_headers, session_layer};
pub use layers::{forwarded_client, is_cross_site};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
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

/// The page routes, generated once per process.
///
/// Generating them renders the app once with Leptos' *process-wide*
/// `SuppressResourceLoad` flag set: while it is set, every resource that
/// starts loading anywhere in the process waits forever. A second server
/// built in the same process (the tests start many) would therefore stall
/// pages another server was rendering at that moment. Generated once,
/// before the first server answers anything, the flag is never set while a
/// page renders. `tests/page_stability.rs` checks this.
pub fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = routes();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/dashboard/export.csv", get(export_csv))
        .route("/author/download", get(author_download))
        .route("/author/course.zip", get(author_download))
        .route("/author/upload", post(author_upload))
        // Before the pages: the GET of this path is the page that asks.
        .route("/unsubscribe/{token}", post(unsubscribe))
        .route("/sso/start", post(sso::sso_start))
        .route("/sso/callback", get(sso::sso_callback))
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
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_in_flight,
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Readiness, for load balancers: 200 only while the database answers and
/// its commits succeed (a full SQLite disk still answers `SELECT 1`);
/// otherwise 503 with the reason.
async fn healthz(State(state): State<AppState>) -> Response {
    if let Some(problem) = state.db.health.problem() {
        return plain_text(StatusCode::SERVICE_UNAVAILABLE, problem);
    }
    let answered = tokio::select! {
        r = state.db.ping() => r,
        _ = state.db.health.went_down() => Err(sqlx::Error::PoolTimedOut),
    };
    match answered {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            plain_text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unreachable: {e}"),
            )
        }
    }
}

/// Liveness: the process answers (whatever the database does), so an
/// orchestrator restarts only a server that is stuck, not one waiting out
/// a database outage it will recover from by itself.
async fn livez() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// An email's unsubscribe link, posted from its page or by a mail program
/// (RFC 8058 one-click: `List-Unsubscribe=One-Click`, no cookies). The
/// signed token is the whole authority: it turns one kind of email off for
/// one person and changes nothing else.
async fn unsubscribe(
    State(state): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let Some((user, kind)) = state.mail.verify_unsubscribe(&token) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This unsubscribe link is not valid. Choose which emails you get under My account.\n",
        )
            .into_response();
    };
    match super::mail::set_optouts(&state.db, user, &[(kind, true)]).await {
        Ok(()) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!("/unsubscribe/{}?done=1", crate::components::encode(&token)),
            )],
        )
            .into_response(),
        Err(e) => {
            tracing::warn!("unsubscribing failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again in a moment.\n",
            )
                .into_response()
        }
    }
}

fn request_ctx(req: &Request) -> Option<RequestCtx> {
    req.extensions().get::<RequestCtx>().cloned()
}

/// Runs a server function with the app state and the caller in context,
/// then gives its error the HTTP status that fits (see `AppError::status`).
async fn server_fn_handler(State(state): State<AppState>, req: Request) -> Response {
    let ctx = request_ctx(&req);
    // A form (not the islands' own calls, which read JSON errors) gets an
    // outage as plain text: the page script says it beside the form, which
    // keeps what was typed.
    let form = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
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
        if err == AppError::Unavailable && form {
            return layers::unavailable();
        }
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

/// Renders a page. Every route renders whole before it is sent
/// (`SsrMode::Async`, so a page without JavaScript never waits on a
/// streamed fragment; `every_route_renders_whole` holds them to it), so the
/// page goes straight to that renderer: Leptos' per-route dispatcher would
/// clone the route list and build four renderers for each request.
async fn page_handler(State(state): State<AppState>, req: Request) -> Response {
    let handler =
        leptos_axum::render_app_async_with_context(page_context(&state, request_ctx(&req)), shell);
    handler(req).await.into_response()
}

/// Static files from the site folder (the wasm bundle, CSS, icons); anything
/// else is rendered by the app, whose fallback route is the 404 page.
async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let (parts, _) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        let dir = ServeDir::new(&state.config.site_root)
            .precompressed_br()
            .precompressed_gzip();
        let mut served = match dir.oneshot(probe).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        if served.status() != StatusCode::NOT_FOUND {
            // A hashed name never changes content: a browser keeps it for a
            // year without asking. Anything else is checked on each use.
            let cache = if crate::server::site::is_hashed_asset(parts.uri.path()) {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            let h = served.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The same address answers brotli, gzip or plain bytes.
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            return served.into_response();
        }
        let ctx = parts.extensions.get::<RequestCtx>().cloned();
        let handler = leptos_axum::render_app_async_with_context(page_context(&state, ctx), shell);
        let mut res = handler(Request::from_parts(parts, Body::empty()))
            .await
            .into_response();
        *res.status_mut() = StatusCode::NOT_FOUND;
        return res;
    }
    (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n").into_response()
}

fn plain_text(status: StatusCode, msg: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg + "\n",
    )
        .into_response()
}
