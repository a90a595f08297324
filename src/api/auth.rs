//! Signing in and out, and who is signed in.

use super::AppError;
use crate::domain::Roles;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The person behind the current request, as the pages need to know them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub roles: Roles,
}

/// Who is signed in, or `None`.
#[server(endpoint = "me")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::server::guard::request()?.user)
}

/// Signs in with email and password. Posted by the plain HTML form on
/// `/login`; answers with a redirect to `next` on success and back to the
/// form, with the reason, on failure.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::domain::account::safe_next_path;
    use crate::server::{auth, guard};

    let state = guard::state()?;
    let req = guard::request()?;
    let next = safe_next_path(next.as_deref().unwrap_or("/")).to_owned();
    // An address of a domain that signs in through its company's provider
    // goes there: always when the admin turned passwords off for it, and
    // when no password was typed otherwise.
    if let Some(p) = crate::server::sso::providers::for_email(&state.db, &email).await? {
        if p.passwords_off != 0 || password.is_empty() {
            use crate::server::sso::flow;
            let uri = use_context::<http::request::Parts>()
                .map(|parts| flow::callback_for(&state.config, &parts.headers))
                .unwrap_or_else(|| flow::callback_url(&state.config, None));
            return match flow::begin(&state, &p, &req.client_ip, &next, Some(email.trim()), uri)
                .await
            {
                Ok((url, cookie)) => {
                    guard::set_cookie(&cookie);
                    guard::redirect(&url);
                    Ok(())
                }
                Err(r) => {
                    guard::redirect(&guard::url_with(
                        "/login",
                        &[("error", &r.0), ("email", email.trim()), ("next", &next)],
                    ));
                    Err(AppError::Invalid(r.0))
                }
            };
        }
    }
    match auth::login(&state, &req, &email, &password).await {
        Ok(cookie) => {
            guard::set_cookie(&cookie);
            guard::redirect(&next);
            Ok(())
        }
        Err(e) => {
            guard::redirect(&guard::url_with(
                "/login",
                &[
                    ("error", &e.to_string()),
                    ("email", email.trim()),
                    ("next", &next),
                ],
            ));
            Err(e)
        }
    }
}

/// Ends the current session on the server and clears the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{auth, guard};

    let state = guard::state()?;
    let req = guard::request()?;
    auth::logout(&state, &req).await?;
    guard::set_cookie(&auth::clear_cookie(&state.config));
    guard::redirect("/login?signed_out=1");
    Ok(())
}
