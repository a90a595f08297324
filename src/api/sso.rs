//! Single sign-on: the sign-in page's provider buttons (anyone) and the
//! providers' settings (admins only).

use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A "Sign in with …" button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoButton {
    pub slug: String,
    pub label: String,
}

/// A provider as the admin page shows it (never the secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: i64,
    pub slug: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub has_secret: bool,
    pub domains: String,
    pub passwords_off: bool,
    pub allow_create: bool,
    pub trust_email: bool,
    pub sync_mapping: bool,
    pub default_team_id: Option<i64>,
    pub default_team: Option<String>,
    pub default_role: String,
    pub map_claim: String,
    pub map_rules: String,
    pub endpoint_hosts: String,
    pub managed: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

/// The admin page: the providers, the teams new people may join, and the
/// address providers send people back to (to register with them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoAdminView {
    pub providers: Vec<ProviderView>,
    pub teams: Vec<(i64, String)>,
    pub callback_url: String,
    /// The form this admin posted and why it was refused (`?refused=`).
    pub refused: Option<RefusedForm>,
}

/// A refused provider form, kept on the server (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefusedForm {
    pub form: ProviderForm,
    pub error: String,
}

/// The provider form, as posted (checkboxes are present when ticked). Also
/// the shape of one entry of `--sso-config`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub slug: Option<String>,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub domains: String,
    #[serde(default)]
    pub passwords_off: Option<String>,
    #[serde(default)]
    pub allow_create: Option<String>,
    #[serde(default)]
    pub trust_email: Option<String>,
    /// Team and roles follow the mapping at every sign-in.
    #[serde(default)]
    pub sync_mapping: Option<String>,
    #[serde(default)]
    pub default_team: Option<String>,
    #[serde(default = "employee")]
    pub default_role: String,
    #[serde(default)]
    pub map_claim: String,
    #[serde(default)]
    pub map_rules: String,
    /// Hosts besides the issuer's where its keys and token endpoint may be.
    #[serde(default)]
    pub endpoint_hosts: String,
}

fn employee() -> String {
    "employee".into()
}

#[server(endpoint = "sso_buttons")]
pub async fn sso_buttons() -> Result<Vec<SsoButton>, AppError> {
    use crate::server::{guard, sso};
    let state = guard::state()?;
    sso::providers::buttons(&state.db).await
}

/// The admin page's data; `refused` names a refused form this admin posted
/// (the only way a form comes back filled: never from values in the
/// page's address, which anyone could put in a link).
#[server(endpoint = "admin_sso_settings")]
pub async fn sso_settings(refused: Option<String>) -> Result<SsoAdminView, AppError> {
    use crate::server::{guard, sso};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let (providers, teams) = sso::providers::views(&state.db).await?;
    let refused = match refused.as_deref() {
        Some(token) => sso::providers::refused(&state.db, admin.id, token)
            .await?
            .map(|(form, error)| RefusedForm { form, error }),
        None => None,
    };
    Ok(SsoAdminView {
        providers,
        teams,
        callback_url: sso::flow::callback_url(&state.config, None),
        refused,
    })
}

/// Saves a provider (new when `id` is empty); on failure back to the form,
/// which the server keeps with the reason (never the secret).
#[server(endpoint = "admin_save_sso")]
pub async fn save_provider(form: ProviderForm) -> Result<i64, AppError> {
    use crate::server::{guard, sso};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = sso::providers::save(&state.db, &state.sso, Some(admin.id), &form, false).await;
    match &result {
        Ok(id) => guard::redirect(&format!("/admin/sso?saved={id}#provider-{id}")),
        Err(e) => {
            let token =
                sso::providers::keep_refused(&state.db, admin.id, &form, &e.to_string()).await?;
            let anchor = match form.id {
                Some(id) if id > 0 => format!("provider-{id}"),
                _ => "sso-new".to_owned(),
            };
            guard::redirect(&format!("/admin/sso?refused={token}#{anchor}"));
        }
    }
    result
}

#[server(endpoint = "admin_delete_sso")]
pub async fn delete_provider(id: i64) -> Result<(), AppError> {
    use crate::server::{guard, sso};
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = sso::providers::delete(&state.db, &state.sso, admin.id, id).await;
    guard::redirect_result("/admin/sso", &result, |_| "/admin/sso?removed=1".into());
    result
}
