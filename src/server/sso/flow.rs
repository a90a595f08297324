//! The two halves of a sign-in through a provider: `begin` sends the
//! browser there, `finish` takes it back, verifies what the provider says
//! and starts a session.

use super::providers::{self, Provider};
use crate::api::AppError;
use crate::server::auth::{new_token, token_hash};
use crate::server::config::Config;
use crate::server::guard::RequestCtx;
use crate::server::{now, AppState};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};

/// The cookie that ties a callback to the browser that began the sign-in.
pub const STATE_COOKIE: &str = "rapport_sso";

/// Where providers send people back: `--public-url` when set, else the
/// address the browser used.
pub fn callback_url(cfg: &Config, host: Option<&str>) -> String {
    let base = match (&cfg.public_url, host) {
        (Some(u), _) => u.clone(),
        (None, Some(h))
            if h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)) =>
        {
            format!("http://{h}")
        }
        _ => format!("http://{}", cfg.addr),
    };
    format!("{}/sso/callback", base.trim_end_matches('/'))
}

/// `callback_url` for a request, from its `Host` header.
pub fn callback_for(cfg: &Config, headers: &http::HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok());
    callback_url(cfg, host)
}

pub fn state_cookie(cfg: &Config, value: &str, max_age: i64) -> String {
    let secure = if cfg.secure_cookies { "; Secure" } else { "" };
    format!("{STATE_COOKIE}={value}; Path=/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// A failure a person can meet, said so they know what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused(e.to_string())
    }
}

impl From<sqlx::Error> for Refused {
    /// Logged with the place of the `?` (`server::sql`); the person sees
    /// only that something went wrong on our side.
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        Refused::from(AppError::from(e))
    }
}

fn down(p: &Provider) -> Refused {
    Refused(format!(
        "{} did not answer, so you could not be signed in. Try again in a few minutes; if it keeps happening, tell your administrator.",
        p.label
    ))
}

/// Starts a sign-in: a pending row (state, nonce, PKCE verifier) and the
/// provider's address to send the browser to, with the cookie that binds
/// the callback to this browser.
pub async fn begin(
    state: &AppState,
    p: &Provider,
    client_ip: &str,
    next: &str,
    login_hint: Option<&str>,
    redirect_uri: String,
) -> Result<(String, String), Refused> {
    let from = client_key(client_ip);
    // A start past a budget costs two reads, no write: a flood of refused
    // starts does not queue on the write lock. The decision that counts is
    // made again under the locks below.
    {
        let mut conn = state.db.pool.acquire().await?;
        budgets(state, p, &from, now(), &mut conn).await?;
    }
    let metadata = state
        .sso
        .metadata(&p.issuer, &p.endpoint_hosts, false)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.slug, "single sign-on discovery failed: {e}");
            down(p)
        })?;
    let scopes_supported: Vec<String> = metadata
        .scopes_supported()
        .map(|s| s.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    let redirect = RedirectUrl::new(redirect_uri.clone())
        .map_err(|_| Refused("This server's public address is not valid.".into()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state_value = new_token();
    let nonce_value = new_token();
    let (s, n) = (state_value.clone(), nonce_value.clone());
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(s),
            move || Nonce::new(n),
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    // Okta and OneLogin send groups only when asked for their scope; Google
    // refuses scopes it does not know, so ask only when it is offered.
    if !p.map_claim.is_empty() && scopes_supported.iter().any(|s| s == &p.map_claim) {
        req = req.add_scope(Scope::new(p.map_claim.clone()));
    }
    if let Some(hint) = login_hint.filter(|h| !h.is_empty() && h.len() <= 254) {
        req = req.add_extra_param("login_hint", hint.to_owned());
    }
    let (url, _, _) = req.url();
    // At most `sso_pending_per_address` sign-ins on their way per client
    // address and `sso_pending_max` per provider: the counts and the insert
    // are one transaction behind the address's and the provider's lock rows
    // (always in that order), so requests sent all at once are decided one
    // after another and both budgets are exact.
    let t = now();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.begin_write().await?;
    crate::server::accounts::lock_bucket(&mut tx, &format!("sso-ip:{from}"), t).await?;
    crate::server::accounts::lock_bucket(&mut tx, &format!("sso-provider:{}", p.id), t).await?;
    budgets(state, p, &from, t, &mut tx).await?;
    sqlx::query(
        "INSERT INTO sso_logins (state_hash, provider_id, nonce, pkce_verifier, next_path, redirect_uri, created_at, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash(&state_value))
    .bind(p.id)
    .bind(&nonce_value)
    .bind(verifier.secret())
    .bind(crate::domain::account::safe_next_path(next))
    .bind(&redirect_uri)
    .bind(t)
    .bind(&from)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        url.to_string(),
        state_cookie(&state.config, &state_value, super::LOGIN_TTL_SECS),
    ))
}

/// The address a start counts against: the client's address as the
/// sign-in throttle sees it (behind `--trust-proxy`, the one the proxy
/// appended), an IPv6 address by its /64 (one machine is often given a
/// whole /64), a v4-mapped one as IPv4.
pub fn client_key(client_ip: &str) -> String {
    use std::net::IpAddr;
    match client_ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.to_string(),
        Ok(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => client_ip.chars().take(64).collect(),
    }
}

/// Refuses a start when the client's address or the provider already has
/// its budget of sign-ins on their way.
async fn budgets(
    state: &AppState,
    p: &Provider,
    client: &str,
    t: i64,
    db: &mut sqlx::AnyConnection,
) -> Result<(), Refused> {
    let since = t - super::LOGIN_TTL_SECS;
    let from_here: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sso_logins WHERE client_key = $1 AND created_at > $2",
    )
    .bind(client)
    .bind(since)
    .fetch_one(&mut *db)
    .await?;
    if from_here >= state.config.sso_pending_per_address {
        if now_and_then(t) {
            tracing::warn!(
                client,
                from_here,
                "single sign-on refused: too many sign-ins on their way from one address"
            );
        }
        return Err(Refused(BUSY_HERE.into()));
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sso_logins WHERE provider_id = $1 AND created_at > $2",
    )
    .bind(p.id)
    .bind(since)
    .fetch_one(&mut *db)
    .await?;
    if pending >= state.config.sso_pending_max {
        if now_and_then(t) {
            tracing::warn!(
                provider = %p.slug,
                pending,
                "single sign-on refused: too many sign-ins on their way"
            );
        }
        return Err(Refused(BUSY.into()));
    }
    Ok(())
}

/// True at most once a minute: a flood of refused starts writes one log
/// line a minute, not one per request.
fn now_and_then(t: i64) -> bool {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let last = LAST.load(Ordering::Relaxed);
    t - last >= 60
        && LAST
            .compare_exchange(last, t, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// What the provider sent back.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Pending {
    provider_id: i64,
    nonce: String,
    pkce_verifier: String,
    next_path: String,
    redirect_uri: String,
    created_at: i64,
}

const BUSY: &str = "Too many sign-ins are under way right now. Try again in a minute.";
const BUSY_HERE: &str = "Too many sign-ins were started from your network and not finished. Finish one, or try again in a few minutes.";
const STALE: &str = "This sign-in was already used or has expired. Start again below.";

/// Verifies the provider's answer and starts a session. Returns the
/// session cookie and where to go.
pub async fn finish(
    state: &AppState,
    ctx: &RequestCtx,
    cb: &Callback,
    cookie_state: Option<&str>,
) -> Result<(String, String), Refused> {
    let Some(st) = cb
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 100)
    else {
        return Err(Refused(STALE.into()));
    };
    // The browser that comes back must be the one that left (login CSRF).
    if cookie_state != Some(st) {
        return Err(Refused(
            "This sign-in did not start in this browser. Start again below.".into(),
        ));
    }
    // One use: only the request whose delete removed the row goes on.
    let pending: Option<Pending> = sqlx::query_as(
        "DELETE FROM sso_logins WHERE state_hash = $1 \
         RETURNING provider_id, nonce, pkce_verifier, next_path, redirect_uri, created_at",
    )
    .bind(token_hash(st))
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(pending) = pending.filter(|p| now() - p.created_at <= super::LOGIN_TTL_SECS) else {
        return Err(Refused(STALE.into()));
    };
    let p = providers::by_id(&state.db, pending.provider_id)
        .await?
        .ok_or_else(|| Refused("That sign-in provider was removed. Use another way in.".into()))?;
    if let Some(err) = cb.error.as_deref() {
        return Err(Refused(match err {
            "access_denied" => format!(
                "You cancelled signing in with {}. Nothing was changed.",
                p.label
            ),
            "login_required" | "interaction_required" | "consent_required" => {
                format!("{} needs you to sign in there first. Try again.", p.label)
            }
            _ => format!(
                "{} did not sign you in ({}). Try again, or ask your administrator.",
                p.label,
                short(cb.error_description.as_deref().unwrap_or(err))
            ),
        }));
    }
    let Some(code) = cb
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
    else {
        return Err(Refused(STALE.into()));
    };
    let claims = verified_claims(state, &p, &pending, code).await?;
    let user_id = super::person::person_for(state, &p, &claims).await?;
    // Like a password sign-in: the session the browser came with ends, a
    // new one starts.
    let cookie = crate::server::auth::start_session(state, ctx, user_id).await?;
    Ok((cookie, pending.next_path))
}

fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// What Rapport takes from a verified ID token.
#[derive(Debug, Clone)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The values of the provider's mapping claim.
    pub mapped: Vec<String>,
}

fn client_for(
    p: &Provider,
    metadata: openidconnect::core::CoreProviderMetadata,
    redirect_uri: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    Refused,
> {
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|_| Refused("This server's public address is not valid.".into()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

fn claims_of(c: &openidconnect::core::CoreIdTokenClaims, raw: &str, p: &Provider) -> Claims {
    let text = |v: Option<&openidconnect::EndUserName>| v.map(|n| n.to_string());
    let name = c.name().and_then(|n| text(n.get(None))).or_else(|| {
        let g = c
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string());
        let f = c
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string());
        match (g, f) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (g, f) => g.or(f),
        }
    });
    let mut email = c.email().map(|e| e.to_string());
    // Microsoft Entra ID often sends no `email`; its `preferred_username`
    // is the sign-in address, used only when the admin trusts the
    // provider's addresses.
    if email.is_none() && p.trust_email != 0 {
        email = c
            .preferred_username()
            .map(|u| u.to_string())
            .filter(|u| u.contains('@'));
    }
    Claims {
        issuer: c.issuer().to_string(),
        subject: c.subject().to_string(),
        email,
        email_verified: c.email_verified().unwrap_or(false),
        name,
        mapped: claim_values(raw, &p.map_claim),
    }
}

/// The values of one claim of a verified token's payload: a string or a
/// list of strings (at most 500 of them).
fn claim_values(jwt: &str, claim: &str) -> Vec<String> {
    use base64::Engine;
    if claim.is_empty() {
        return Vec::new();
    }
    let Some(payload) = jwt.split('.').nth(1) else {
        return Vec::new();
    };
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('='))
    else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match &v[claim] {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .take(500)
            .collect(),
        _ => Vec::new(),
    }
}

async fn untrusted(state: &AppState, p: &Provider, e: &ClaimsVerificationError) -> Refused {
    let why = match e {
        ClaimsVerificationError::Expired(_) => "the token had expired".to_owned(),
        ClaimsVerificationError::InvalidAudience(_) => {
            "the token was made for another app".to_owned()
        }
        ClaimsVerificationError::InvalidIssuer(_) => {
            "the token came from another issuer".to_owned()
        }
        ClaimsVerificationError::InvalidNonce(_) => {
            "the token belonged to another sign-in".to_owned()
        }
        ClaimsVerificationError::SignatureVerification(_) => {
            "the token's signature did not match the provider's keys".to_owned()
        }
        other => short(&other.to_string()),
    };
    tracing::warn!(provider = %p.slug, "refused an ID token: {e}");
    providers::record_error(&state.db, p.id, &format!("An ID token was refused: {why}.")).await;
    Refused(format!(
        "The answer from {} could not be trusted ({why}), so nobody was signed in. Try again; if it keeps happening, tell your administrator.",
        p.label
    ))
}

async fn verified_claims(
    state: &AppState,
    p: &Provider,
    pending: &Pending,
    code: &str,
) -> Result<Claims, Refused> {
    let metadata = state
        .sso
        .metadata(&p.issuer, &p.endpoint_hosts, false)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.slug, "single sign-on discovery failed: {e}");
            down(p)
        })?;
    // The secret goes only to the token endpoint it was typed for: a
    // discovery document that now names another one gets nothing.
    let token_url = metadata
        .token_endpoint()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    if !p.token_endpoint.is_empty() && token_url != p.token_endpoint {
        tracing::warn!(provider = %p.slug, "the token endpoint moved from {} to {token_url}", p.token_endpoint);
        providers::record_error(
            &state.db,
            p.id,
            &format!("The provider's discovery document now names another token endpoint ({token_url}), so Rapport did not send it the client secret. If that is right, save the provider again with its client secret."),
        )
        .await;
        return Err(Refused(format!(
            "{} could not sign you in: its settings changed. Your administrator can see why on the single sign-on page.",
            p.label
        )));
    }
    let client = client_for(p, metadata, &pending.redirect_uri)?;
    let request = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|_| {
            Refused(format!(
                "{} does not say where to exchange sign-in codes; your administrator should check its issuer URL.",
                p.label
            ))
        })?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
    let token = match request.request_async(state.sso.http()).await {
        Ok(t) => t,
        Err(RequestTokenError::ServerResponse(r)) => {
            let code = r.error().to_string();
            let detail = short(r.error_description().map(String::as_str).unwrap_or(""));
            if code == "invalid_client" || code == "unauthorized_client" {
                providers::record_error(
                    &state.db,
                    p.id,
                    &format!("The provider refused Rapport's client ID or secret ({code}: {detail}). Check both in the provider's app registration."),
                )
                .await;
                return Err(Refused(format!(
                    "{} refused Rapport's credentials, so you could not be signed in. Your administrator can see why on the single sign-on page.",
                    p.label
                )));
            }
            return Err(Refused(format!(
                "{} did not accept the sign-in ({code}{}). Start again below.",
                p.label,
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {detail}")
                }
            )));
        }
        Err(e) => {
            tracing::warn!(provider = %p.slug, "exchanging a sign-in code failed: {e}");
            return Err(down(p));
        }
    };
    let id_token = token.id_token().ok_or_else(|| {
        Refused(format!(
            "{} answered without an ID token, so you could not be signed in. Your administrator should check that the app is set up for OpenID Connect.",
            p.label
        ))
    })?;
    let raw = id_token.to_string();
    let nonce = Nonce::new(pending.nonce.clone());
    let verifier = client.id_token_verifier();
    let first = id_token
        .claims(&verifier, &nonce)
        .map(|c| claims_of(c, &raw, p));
    match first {
        Ok(c) => Ok(c),
        // A key the cached document does not list: the provider may have
        // rotated its keys. Fetch them once more and verify again.
        Err(ClaimsVerificationError::SignatureVerification(_)) => {
            let m = state
                .sso
                .metadata(&p.issuer, &p.endpoint_hosts, true)
                .await
                .map_err(|_| down(p))?;
            let client = client_for(p, m, &pending.redirect_uri)?;
            let verifier = client.id_token_verifier();
            let again = id_token
                .claims(&verifier, &nonce)
                .map(|c| claims_of(c, &raw, p));
            match again {
                Ok(c) => Ok(c),
                Err(e) => Err(untrusted(state, p, &e).await),
            }
        }
        Err(e) => Err(untrusted(state, p, &e).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_values_read_strings_and_lists() {
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!("h.{}.s", enc(r#"{"groups":["a","b",3],"dept":"x"}"#));
        assert_eq!(claim_values(&jwt, "groups"), vec!["a", "b"]);
        assert_eq!(claim_values(&jwt, "dept"), vec!["x"]);
        assert!(claim_values(&jwt, "none").is_empty());
        assert!(claim_values("garbage", "groups").is_empty());
    }

    #[test]
    fn starts_count_against_the_address_an_ipv6_one_by_its_64() {
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            client_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            client_key("2001:db8:1:2::9")
        );
        assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
        assert_eq!(client_key("unknown"), "unknown");
    }

    #[test]
    fn the_callback_is_under_the_public_address() {
        let mut cfg = Config::new("127.0.0.1:3000".parse().unwrap(), String::new());
        assert_eq!(
            callback_url(&cfg, Some("127.0.0.1:4000")),
            "http://127.0.0.1:4000/sso/callback"
        );
        assert_eq!(
            callback_url(&cfg, Some("evil.example/x")),
            "http://127.0.0.1:3000/sso/callback"
        );
        cfg.public_url = Some("https://training.example.com/".into());
        assert_eq!(
            callback_url(&cfg, Some("x")),
            "https://training.example.com/sso/callback"
        );
    }
}
