//! Who is asking, and may they? Used at the top of every server function.
//! Also the few response helpers server functions share (redirects, cookies).

use super::AppState;
use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::domain::Role;
use leptos::prelude::*;

/// What the HTTP layer learned about a request before any server function
/// or page runs: the signed-in person (if any) and where the request came from.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub user: Option<SessionUser>,
    pub session_hash: Option<String>,
    pub client_ip: String,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

pub fn request() -> Result<RequestCtx, AppError> {
    use_context::<RequestCtx>().ok_or_else(|| {
        tracing::error!("RequestCtx missing from the server function context");
        AppError::Internal
    })
}

/// Whose turn a shared resource (the language model) is taken for: the
/// signed-in person, or -1 for anyone else.
pub fn asker() -> i64 {
    use_context::<RequestCtx>()
        .and_then(|r| r.user)
        .map_or(-1, |u| u.id)
}

pub fn require_user() -> Result<SessionUser, AppError> {
    request()?.user.ok_or(AppError::Unauthenticated)
}

/// The caller must hold at least one of `roles`.
pub fn require_role(roles: &[Role]) -> Result<SessionUser, AppError> {
    let user = require_user()?;
    if user.roles.has_any(roles) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

pub fn require_admin() -> Result<SessionUser, AppError> {
    require_role(&[Role::Admin])
}

/// Sends the browser to `path` after this request: a 302 for a plain form
/// post, a client-side navigation when the page's code made the call.
pub fn redirect(path: &str) {
    leptos_axum::redirect(path);
}

/// After a form's server function: on success go to `ok(value)`, on failure
/// back to the form at `back` with the message in the URL, so the page can
/// show it, with or without JavaScript.
pub fn redirect_result<T>(back: &str, result: &Result<T, AppError>, ok: impl FnOnce(&T) -> String) {
    match result {
        Ok(v) => redirect(&ok(v)),
        // Not sent back to the form, which would lose what was typed: the
        // handler answers 503 in plain text (see `http::server_fn_handler`).
        Err(AppError::Unavailable) => {}
        Err(e) => redirect(&url_with(back, &[("error", &e.to_string())])),
    }
}

pub fn set_cookie(cookie: &str) {
    if let (Some(res), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(cookie),
    ) {
        res.append_header(http::header::SET_COOKIE, value);
    }
}

/// `path?k=v&…` with the values percent-encoded.
pub fn url_with(path: &str, params: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if q.is_empty() {
        path.to_owned()
    } else if path.contains('?') {
        format!("{path}&{q}")
    } else {
        format!("{path}?{q}")
    }
}

/// A value made safe to put in one segment of a URL path.
pub fn path_segment(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_with_encodes_values() {
        assert_eq!(
            url_with("/login", &[("error", "a b&c"), ("next", "/x?y=1")]),
            "/login?error=a+b%26c&next=%2Fx%3Fy%3D1"
        );
        assert_eq!(url_with("/a?b=1", &[("c", "2")]), "/a?b=1&c=2");
        assert_eq!(url_with("/a", &[]), "/a");
        assert_eq!(path_segment("ab-C_9/../x"), "ab-C_9x");
    }
}
