//! Sign-in, sessions and the sign-in throttle.
//!
//! A session is a 256-bit random token in an HttpOnly, SameSite=Lax cookie;
//! the database keeps only its SHA-256. A new token is issued at every
//! sign-in (no session fixation). A session ends after `session_idle_secs`
//! without requests or `session_max_secs` after sign-in, and all sessions of
//! an account end when it is disabled or its password changes.

use super::guard::RequestCtx;
use super::sql::internal;
use super::{accounts, now, AppState};
use crate::api::auth::SessionUser;
use crate::api::AppError;
use crate::domain::{Email, Password};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token: 32 bytes from the OS generator, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn session_cookie(config: &super::config::Config, token: &str) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        config.cookie_name(),
        config.session_max_secs
    )
}

pub fn clear_cookie(config: &super::config::Config) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        config.cookie_name()
    )
}

const BAD_CREDENTIALS: &str = "The email or password is not right. Check both and try again.";

fn throttled(window_secs: i64) -> AppError {
    AppError::TooManyRequests(format!(
        "Too many failed sign-in attempts. Wait {} minutes and try again, or ask your administrator for a new link.",
        window_secs / 60
    ))
}

/// Checks the credentials and, when they are right, starts a session.
/// Returns the `Set-Cookie` value. Unknown email, wrong password, no
/// password yet and a disabled account all give the same answer.
pub async fn login(
    state: &AppState,
    req: &RequestCtx,
    email: &str,
    password: &str,
) -> Result<String, AppError> {
    let cfg = &state.config;
    let t = now();
    let since = t - cfg.throttle_window_secs;
    // An unparseable email still counts against a bucket, so probing with
    // junk is throttled too.
    let account_key = format!("account:{}", email.trim().to_lowercase());
    let ip_key = format!("ip:{}", req.client_ip);
    if password.is_empty() || email.trim().is_empty() {
        return Err(AppError::Invalid(
            "Enter your email and your password.".into(),
        ));
    }
    // The place in the throttle is taken before the password is looked at,
    // so parallel guesses cannot all slip in before the first is counted.
    let (reserved, allowed) = accounts::reserve_attempt(
        &state.db,
        &[
            (&account_key, cfg.max_failures_per_account),
            (&ip_key, cfg.max_failures_per_ip),
        ],
        t,
        since,
    )
    .await?;
    if !allowed {
        return Err(throttled(cfg.throttle_window_secs));
    }
    let account = match Email::parse(email) {
        Ok(e) => accounts::credentials(&state.db, e.as_str()).await?,
        Err(_) => None,
    };
    let stored = account
        .as_ref()
        .filter(|a| !a.disabled)
        .and_then(|a| a.password_hash.clone());
    let ok = state
        .passwords
        .verify(password.to_owned(), stored)
        .await
        .map_err(internal)?;
    let Some(account) = account.filter(|_| ok) else {
        // The reserved rows stay: they are this failure.
        return Err(AppError::Invalid(BAD_CREDENTIALS.into()));
    };
    accounts::release_attempt(&state.db, &reserved).await?;
    accounts::clear_failures(&state.db, &account_key).await?;
    start_session(state, req, account.id).await
}

/// Rotates: ends the session the request came with (if any) and starts a
/// new one. Password, invitation and single sign-on sign-ins all end here.
pub(crate) async fn start_session(
    state: &AppState,
    req: &RequestCtx,
    user_id: i64,
) -> Result<String, AppError> {
    if let Some(old) = &req.session_hash {
        accounts::delete_session(&state.db, old).await?;
    }
    let token = new_token();
    accounts::create_session(&state.db, &token_hash(&token), user_id, now()).await?;
    Ok(session_cookie(&state.config, &token))
}

pub async fn logout(state: &AppState, req: &RequestCtx) -> Result<(), AppError> {
    if let Some(hash) = &req.session_hash {
        accounts::delete_session(&state.db, hash).await?;
    }
    Ok(())
}

/// The person behind a session token, if the session is still valid.
pub async fn session_user(
    state: &AppState,
    token: &str,
) -> Result<Option<(SessionUser, String)>, AppError> {
    let hash = token_hash(token);
    let cfg = &state.config;
    let t = now();
    let Some(row) = accounts::session(&state.db, &hash).await? else {
        return Ok(None);
    };
    if row.disabled
        || t - row.last_seen_at > cfg.session_idle_secs
        || t - row.created_at > cfg.session_max_secs
    {
        accounts::delete_session(&state.db, &hash).await?;
        return Ok(None);
    }
    // Touch at most once a minute: idle tracking does not need a write per request.
    if t - row.last_seen_at >= 60 {
        accounts::touch_session(&state.db, &hash, t).await?;
    }
    let user = accounts::session_row_user(row);
    Ok(Some((user, hash)))
}

fn check_new_password(password: &str, confirm: &str) -> Result<Password, AppError> {
    let pw = Password::parse(password)?;
    if password != confirm {
        return Err(AppError::Invalid(
            "The two passwords are not the same.".into(),
        ));
    }
    Ok(pw)
}

/// Invitations a client address may try to redeem per throttle window
/// (wrong, expired or used tokens; a successful one gives its place back).
pub const MAX_INVITE_TRIES_PER_IP: i64 = 20;

pub async fn accept_invite(
    state: &AppState,
    req: &RequestCtx,
    token: &str,
    password: &str,
    confirm: &str,
) -> Result<String, AppError> {
    let pw = check_new_password(password, confirm)?;
    let cfg = &state.config;
    let t = now();
    let invalid = || {
        AppError::NotFound("This invitation link is not valid or has expired. Ask your administrator for a new one.".into())
    };
    let ip_key = format!("invite-ip:{}", req.client_ip);
    let (reserved, allowed) = accounts::reserve_attempt(
        &state.db,
        &[(&ip_key, MAX_INVITE_TRIES_PER_IP)],
        t,
        t - cfg.throttle_window_secs,
    )
    .await?;
    if !allowed {
        return Err(AppError::TooManyRequests(format!(
            "Too many invitation links were tried from here. Wait {} minutes and try again.",
            cfg.throttle_window_secs / 60
        )));
    }
    // The token is checked before the (deliberately slow) hash, so made-up
    // tokens cost one indexed query each, never an argon2 computation.
    if token.len() != 43 {
        return Err(invalid());
    }
    let Some(invited) = accounts::invite_user(&state.db, token).await? else {
        return Err(invalid());
    };
    // A company that turned passwords off signs its people in itself: a
    // password chosen here could never be used.
    if let Some(p) =
        crate::server::sso::providers::passwords_off_for(&state.db, &invited.email).await?
    {
        return Err(AppError::Invalid(format!(
            "You sign in with your {} account: there is no password to choose. Use the button on this page.",
            p.label
        )));
    }
    let hash = state
        .passwords
        .hash(pw.expose().to_owned())
        .await
        .map_err(internal)?;
    // Single use: only the request whose delete removed the invitation goes on.
    let user_id = accounts::redeem_invite(&state.db, token, &hash)
        .await?
        .ok_or_else(invalid)?;
    accounts::release_attempt(&state.db, &reserved).await?;
    start_session(state, req, user_id).await
}

pub async fn change_password(
    state: &AppState,
    req: &RequestCtx,
    current: &str,
    password: &str,
    confirm: &str,
) -> Result<(), AppError> {
    let me = req.user.clone().ok_or(AppError::Unauthenticated)?;
    let pw = check_new_password(password, confirm)?;
    let stored = accounts::credentials(&state.db, &me.email)
        .await?
        .and_then(|c| c.password_hash);
    if !state
        .passwords
        .verify(current.to_owned(), stored)
        .await
        .map_err(internal)?
    {
        return Err(AppError::Invalid(
            "Your current password is not right.".into(),
        ));
    }
    let hash = state
        .passwords
        .hash(pw.expose().to_owned())
        .await
        .map_err(internal)?;
    accounts::set_password(&state.db, me.id, &hash, req.session_hash.as_deref()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64");
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn cookies_carry_the_security_attributes() {
        let mut cfg =
            super::super::config::Config::new("127.0.0.1:0".parse().unwrap(), String::new());
        let c = session_cookie(&cfg, "tok");
        assert!(c.starts_with("rapport_session=tok;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        cfg.secure_cookies = true;
        let c = session_cookie(&cfg, "tok");
        assert!(
            c.starts_with("__Host-rapport_session=tok;")
                && c.contains("; Secure")
                && c.contains("Path=/")
        );
    }
}
