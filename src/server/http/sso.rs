//! The two addresses of a single sign-on: `POST /sso/start` (the sign-in
//! page's "Sign in with …" buttons) and `GET /sso/callback` (where the
//! provider sends the browser back). Every refusal goes back to the sign-in
//! page with its reason, where the buttons and the password form are.

use super::layers::cookie_value;
use super::request_ctx;
use crate::server::sso::flow::{self, Callback, Refused, STATE_COOKIE};
use crate::server::sso::providers;
use crate::server::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

fn to_login(refused: &Refused, next: Option<&str>) -> String {
    let mut params = vec![("error", refused.0.as_str())];
    if let Some(n) = next.filter(|n| *n != "/") {
        params.push(("next", n));
    }
    crate::server::guard::url_with("/login", &params)
}

fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(serde::Deserialize)]
pub(super) struct StartForm {
    provider: String,
    #[serde(default)]
    next: String,
}

/// Sends the browser to the provider (303), or back with the reason.
pub(super) async fn sso_start(State(state): State<AppState>, req: Request) -> Response {
    use axum::extract::FromRequest;
    let redirect_uri = flow::callback_for(&state.config, req.headers());
    let client_ip = request_ctx(&req)
        .map(|c| c.client_ip)
        .unwrap_or_else(|| "unknown".into());
    let form = match axum::extract::Form::<StartForm>::from_request(req, &state).await {
        Ok(axum::extract::Form(f)) => f,
        Err(_) => {
            return see_other(
                &to_login(&Refused("Choose how to sign in below.".into()), None),
                &[],
            )
        }
    };
    let next = crate::domain::account::safe_next_path(&form.next).to_owned();
    let provider = match providers::by_slug(&state.db, &form.provider).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return see_other(
                &to_login(
                    &Refused(
                        "That sign-in provider is not set up any more. Choose another way in."
                            .into(),
                    ),
                    Some(&next),
                ),
                &[],
            )
        }
        Err(e) => return see_other(&to_login(&Refused(e.to_string()), Some(&next)), &[]),
    };
    match flow::begin(&state, &provider, &client_ip, &next, None, redirect_uri).await {
        Ok((url, cookie)) => see_other(&url, &[cookie]),
        Err(r) => see_other(&to_login(&r, Some(&next)), &[]),
    }
}

/// Where the provider sends the browser back. A query it cannot read is a
/// stale sign-in like any other.
pub(super) async fn sso_callback(
    State(state): State<AppState>,
    query: Result<Query<Callback>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Response {
    let cb = query.map(|Query(q)| q).unwrap_or_default();
    let ctx = request_ctx(&req);
    let cookie_state = cookie_value(req.headers(), STATE_COOKIE).map(str::to_owned);
    let clear = flow::state_cookie(&state.config, "", 0);
    let Some(ctx) = ctx else {
        return see_other("/login", &[clear]);
    };
    match flow::finish(&state, &ctx, &cb, cookie_state.as_deref()).await {
        Ok((session, next)) => {
            let to = if next == "/" {
                "/learn".to_owned()
            } else {
                next
            };
            see_other(&to, &[session, clear])
        }
        Err(r) => see_other(&to_login(&r, None), &[clear]),
    }
}
