//! The identity providers: stored, listed, checked and saved.

use super::{check_issuer, origin_of, Sso};
use crate::api::sso::{ProviderForm, ProviderView, SsoButton};
use crate::api::AppError;
use crate::domain::sso::{parse_domains, parse_rules, slug_of};
use crate::domain::Role;
use crate::server::db::Db;
use crate::server::now;
use crate::server::sql::conflict_on_unique;

/// A provider as stored.
#[derive(sqlx::FromRow, Clone, Debug)]
pub struct Provider {
    pub id: i64,
    pub slug: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub domains: String,
    pub passwords_off: i64,
    pub allow_create: i64,
    pub trust_email: i64,
    pub sync_mapping: i64,
    pub default_team_id: Option<i64>,
    pub default_role: String,
    pub map_claim: String,
    pub map_rules: String,
    pub endpoint_hosts: String,
    /// The token endpoint the client secret was typed for (empty: saved
    /// before this was kept).
    pub token_endpoint: String,
    pub auth_origin: String,
    pub managed: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

const COLS: &str = "id, slug, label, issuer, client_id, client_secret, domains, passwords_off, \
    allow_create, trust_email, sync_mapping, default_team_id, default_role, map_claim, map_rules, endpoint_hosts, token_endpoint, auth_origin, \
    managed, last_error, last_error_at";

impl Provider {
    pub fn domain_list(&self) -> Vec<&str> {
        self.domains.split_whitespace().collect()
    }

    pub fn default_role(&self) -> Role {
        Role::parse(&self.default_role).unwrap_or(Role::Employee)
    }

    fn view(&self, teams: &[(i64, String)]) -> ProviderView {
        ProviderView {
            id: self.id,
            slug: self.slug.clone(),
            label: self.label.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            has_secret: !self.client_secret.is_empty(),
            domains: self.domains.clone(),
            passwords_off: self.passwords_off != 0,
            allow_create: self.allow_create != 0,
            trust_email: self.trust_email != 0,
            sync_mapping: self.sync_mapping != 0,
            default_team_id: self.default_team_id,
            default_team: self
                .default_team_id
                .and_then(|t| teams.iter().find(|(id, _)| *id == t))
                .map(|(_, n)| n.clone()),
            default_role: self.default_role.clone(),
            map_claim: self.map_claim.clone(),
            map_rules: self.map_rules.clone(),
            endpoint_hosts: self.endpoint_hosts.clone(),
            managed: self.managed != 0,
            last_error: self.last_error.clone(),
            last_error_at: self.last_error_at,
        }
    }
}

pub async fn list(db: &Db) -> Result<Vec<Provider>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM sso_providers ORDER BY label, id"
    ))
    .fetch_all(&db.pool)
    .await?)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Provider>, AppError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLS} FROM sso_providers WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Provider>, AppError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLS} FROM sso_providers WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The provider an email address's domain belongs to (the one whose list
/// names it; a domain is on one list at most).
pub async fn for_email(db: &Db, email: &str) -> Result<Option<Provider>, AppError> {
    match crate::domain::sso::email_domain(email) {
        Some(domain) => for_domain(db, &domain).await,
        None => Ok(None),
    }
}

/// The provider whose list names `domain` (lower case).
pub async fn for_domain(db: &Db, domain: &str) -> Result<Option<Provider>, AppError> {
    // Few providers, few domains each: read them and match exactly.
    Ok(list(db)
        .await?
        .into_iter()
        .find(|p| p.domain_list().contains(&domain)))
}

/// The provider that alone signs `email` in (passwords off for its domain).
pub async fn passwords_off_for(db: &Db, email: &str) -> Result<Option<Provider>, AppError> {
    Ok(for_email(db, email).await?.filter(|p| p.passwords_off != 0))
}

pub async fn auth_origins(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT auth_origin FROM sso_providers WHERE auth_origin <> '' ORDER BY auth_origin",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// The sign-in page's buttons.
pub async fn buttons(db: &Db) -> Result<Vec<SsoButton>, AppError> {
    Ok(list(db)
        .await?
        .into_iter()
        .map(|p| SsoButton {
            slug: p.slug,
            label: p.label,
        })
        .collect())
}

async fn team_names(db: &Db) -> Result<Vec<(i64, String)>, AppError> {
    Ok(sqlx::query_as("SELECT id, name FROM teams ORDER BY name")
        .fetch_all(&db.pool)
        .await?)
}

/// What the admin page shows: every provider, and the teams to choose from.
pub async fn views(db: &Db) -> Result<(Vec<ProviderView>, Vec<(i64, String)>), AppError> {
    let teams = team_names(db).await?;
    let list = list(db).await?;
    Ok((list.iter().map(|p| p.view(&teams)).collect(), teams))
}

/// Remembers why a sign-in through this provider failed on Rapport's side
/// of the trust (refused credentials, a token that could not be verified),
/// for the admin page.
pub async fn record_error(db: &Db, id: i64, why: &str) {
    let why: String = why.chars().take(500).collect();
    let r =
        sqlx::query("UPDATE sso_providers SET last_error = $1, last_error_at = $2 WHERE id = $3")
            .bind(why)
            .bind(now())
            .bind(id)
            .execute(&db.pool)
            .await;
    if let Err(e) = r {
        tracing::warn!("cannot record a sign-in provider's error: {e}");
    }
}

pub async fn clear_error(db: &Db, id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE sso_providers SET last_error = NULL, last_error_at = NULL WHERE id = $1 AND last_error IS NOT NULL")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Host names (spaces or commas between), lower case, one space between.
fn parse_hosts(text: &str) -> Result<String, String> {
    let mut out: Vec<String> = Vec::new();
    for h in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let h = h.trim().to_ascii_lowercase();
        if h.is_empty() {
            continue;
        }
        let ok = h.len() <= 253
            && !h.starts_with('.')
            && !h.ends_with('.')
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !ok {
            return Err(format!(
                "“{h}” is not a host name (such as oauth2.googleapis.com)."
            ));
        }
        if !out.contains(&h) {
            out.push(h);
        }
        if out.len() > 10 {
            return Err("At most 10 other hosts per provider.".into());
        }
    }
    Ok(out.join(" "))
}

fn flag(v: &Option<String>) -> i64 {
    i64::from(
        v.as_deref()
            .is_some_and(|s| !s.is_empty() && s != "0" && s != "false"),
    )
}

fn bounded(what: &str, v: &str, max: usize) -> Result<String, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(AppError::Invalid(format!("Fill in the {what}.")));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "The {what} is at most {max} characters on one line."
        )));
    }
    Ok(v.to_owned())
}

/// Checks a provider's settings, asks the issuer for its discovery document
/// and saves. A new provider needs a client secret; an edit with the secret
/// left blank keeps the stored one, unless the issuer or the token
/// endpoint changed: the secret goes only where it was typed for. Returns
/// the provider's id.
pub async fn save(
    db: &Db,
    sso: &Sso,
    actor: Option<i64>,
    form: &ProviderForm,
    managed: bool,
) -> Result<i64, AppError> {
    let label = bounded("button label", &form.label, 60)?;
    let issuer = check_issuer(&bounded("issuer URL", &form.issuer, 500)?)?;
    let client_id = bounded("client ID", &form.client_id, 300)?;
    let secret = form.client_secret.trim();
    if secret.chars().count() > 2000 || secret.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "The client secret is at most 2,000 characters on one line.".into(),
        ));
    }
    let domains = parse_domains(&form.domains).map_err(AppError::Invalid)?;
    let endpoint_hosts = parse_hosts(&form.endpoint_hosts).map_err(AppError::Invalid)?;
    let role = Role::parse(form.default_role.trim())
        .ok_or_else(|| AppError::Invalid("Choose the role new people get.".into()))?;
    let claim = form.map_claim.trim();
    if claim.len() > 100
        || !claim
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c))
    {
        return Err(AppError::Invalid(
            "The claim is a name such as groups or roles (letters, digits, _ - . : /).".into(),
        ));
    }
    if form.map_rules.len() > 20_000 {
        return Err(AppError::Invalid(
            "The rules are at most 20,000 characters.".into(),
        ));
    }
    let rules = parse_rules(&form.map_rules).map_err(AppError::Invalid)?;
    if !rules.is_empty() && claim.is_empty() {
        return Err(AppError::Invalid(
            "Name the claim the rules read (such as groups).".into(),
        ));
    }
    let teams = team_names(db).await?;
    for r in &rules {
        if let Some(t) = r.gives.team() {
            if !teams.iter().any(|(_, n)| n == t) {
                return Err(AppError::Invalid(format!(
                    "Line {}: there is no team called “{t}”. Create it under Teams first, or fix the name.",
                    r.line
                )));
            }
        }
    }
    let default_team = match form.default_team.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            let id: i64 = t
                .parse()
                .map_err(|_| AppError::Invalid("Choose a team from the list.".into()))?;
            if !teams.iter().any(|(i, _)| *i == id) {
                return Err(AppError::Invalid(
                    "That team does not exist any more. Choose another.".into(),
                ));
            }
            Some(id)
        }
    };
    let existing = match form.id {
        Some(id) if id > 0 => Some(
            by_id(db, id)
                .await?
                .ok_or_else(|| AppError::not_found("That provider"))?,
        ),
        _ => None,
    };
    if existing.as_ref().is_some_and(|p| p.managed != 0) && !managed {
        return Err(AppError::Conflict(
            "This provider comes from the server's configuration (--sso-config); change it there."
                .into(),
        ));
    }
    const SECRET_AGAIN: &str = "so type the client secret again: Rapport sends a stored secret only to the token endpoint it was typed for.";
    let secret = match (&existing, secret) {
        (Some(p), "") if p.issuer != issuer => {
            return Err(AppError::Invalid(format!(
                "The issuer changed, {SECRET_AGAIN}"
            )))
        }
        (Some(p), "") => p.client_secret.clone(),
        (None, "") => {
            return Err(AppError::Invalid(
                "Fill in the client secret the provider gave you.".into(),
            ))
        }
        (_, s) => s.to_owned(),
    };
    // A domain belongs to one provider.
    for other in list(db).await? {
        if existing.as_ref().is_some_and(|p| p.id == other.id) {
            continue;
        }
        if let Some(d) = domains
            .iter()
            .find(|d| other.domain_list().contains(&d.as_str()))
        {
            return Err(AppError::Conflict(format!(
                "{d} already belongs to “{}”. A domain signs in through one provider.",
                other.label
            )));
        }
    }
    // Discovery: the issuer must answer with its own document.
    let metadata = sso
        .metadata(&issuer, &endpoint_hosts, true)
        .await
        .map_err(AppError::Invalid)?;
    let auth_origin = origin_of(metadata.authorization_endpoint().as_str()).unwrap_or_default();
    let token_endpoint = metadata
        .token_endpoint()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    if let Some(p) = &existing {
        if form.client_secret.trim().is_empty()
            && !p.token_endpoint.is_empty()
            && p.token_endpoint != token_endpoint
        {
            return Err(AppError::Invalid(format!(
                "The provider's token endpoint changed (to {token_endpoint}), {SECRET_AGAIN}"
            )));
        }
    }
    let t = now();
    let mut tx = db.begin_write().await?;
    // A new provider is a row with its name first; then new and edited
    // providers get their settings by the same statement.
    let id = match &existing {
        Some(p) => p.id,
        None => {
            let slug = match form
                .slug
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(s) => slug_of(s),
                None => slug_of(&label),
            };
            sqlx::query_scalar(
                "INSERT INTO sso_providers (slug, label, issuer, client_id, client_secret, managed, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&slug)
            .bind(&label)
            .bind(&issuer)
            .bind(&client_id)
            .bind(&secret)
            .bind(i64::from(managed))
            .bind(t)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                conflict_on_unique(
                    e,
                    "Another provider already has that address name; give this one another label.",
                )
            })?
        }
    };
    sqlx::query(
        "UPDATE sso_providers SET label = $1, issuer = $2, client_id = $3, client_secret = $4, domains = $5, \
         passwords_off = $6, allow_create = $7, trust_email = $8, default_team_id = $9, default_role = $10, \
         map_claim = $11, map_rules = $12, auth_origin = $13, updated_at = $14, last_error = NULL, last_error_at = NULL, \
         sync_mapping = $16, endpoint_hosts = $17, token_endpoint = $18 WHERE id = $15",
    )
    .bind(&label)
    .bind(&issuer)
    .bind(&client_id)
    .bind(&secret)
    .bind(domains.join(" "))
    .bind(flag(&form.passwords_off))
    .bind(flag(&form.allow_create))
    .bind(flag(&form.trust_email))
    .bind(default_team)
    .bind(role.as_str())
    .bind(claim)
    .bind(form.map_rules.trim())
    .bind(&auth_origin)
    .bind(t)
    .bind(id)
    .bind(flag(&form.sync_mapping))
    .bind(&endpoint_hosts)
    .bind(&token_endpoint)
    .execute(&mut *tx)
    .await?;
    crate::server::accounts::audit(&mut tx, actor, "sso.provider.saved", &label).await?;
    tx.commit().await?;
    // The discovery above cached the new issuer's document; an old one
    // that changed is forgotten.
    if let Some(p) = existing.as_ref().filter(|p| p.issuer != issuer) {
        sso.forget(&p.issuer);
    }
    sso.refresh_form_origins(db).await;
    Ok(id)
}

pub async fn delete(db: &Db, sso: &Sso, actor: i64, id: i64) -> Result<(), AppError> {
    let p = by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("That provider"))?;
    if p.managed != 0 {
        return Err(AppError::Conflict(
            "This provider comes from the server's configuration (--sso-config); remove it there."
                .into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sso_providers WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::server::accounts::audit(&mut tx, Some(actor), "sso.provider.removed", &p.label).await?;
    tx.commit().await?;
    sso.forget(&p.issuer);
    sso.refresh_form_origins(db).await;
    Ok(())
}

/// Keeps a refused form (never its secret) for the admin who posted it;
/// returns the token the page asks for it by.
pub async fn keep_refused(
    db: &Db,
    admin: i64,
    form: &ProviderForm,
    error: &str,
) -> Result<String, AppError> {
    use crate::server::auth::{new_token, token_hash};
    let form = ProviderForm {
        client_secret: String::new(),
        ..form.clone()
    };
    let json = serde_json::to_string(&form).map_err(|_| AppError::Internal)?;
    let token = new_token();
    let t = now();
    sqlx::query("DELETE FROM sso_refused_forms WHERE created_at < $1")
        .bind(t - REFUSED_TTL_SECS)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO sso_refused_forms (token_hash, user_id, form, error, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(admin)
    .bind(json)
    .bind(error.chars().take(2000).collect::<String>())
    .bind(t)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// How long a refused form is kept.
const REFUSED_TTL_SECS: i64 = 3600;

/// A form `keep_refused` kept for this admin, with why it was refused.
pub async fn refused(
    db: &Db,
    admin: i64,
    token: &str,
) -> Result<Option<(ProviderForm, String)>, AppError> {
    use crate::server::auth::token_hash;
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT form, error FROM sso_refused_forms WHERE token_hash = $1 AND user_id = $2 AND created_at > $3",
    )
    .bind(token_hash(token))
    .bind(admin)
    .bind(now() - REFUSED_TTL_SECS)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|(form, error)| serde_json::from_str(&form).ok().map(|f| (f, error))))
}
