//! The organisation's own name, mission, vision and values. Template
//! lessons (the brand-values course) show them, so each company teaches its
//! own words. Everyone signed in may read them; only admins change them.

use super::AppError;
use leptos::prelude::*;

pub use crate::domain::organisation::Organisation;

/// The organisation's words, for anyone signed in.
#[server(endpoint = "organisation")]
pub async fn organisation_settings() -> Result<Organisation, AppError> {
    use crate::server::guard;
    let state = guard::state()?;
    guard::require_user()?;
    crate::content::store::organisation(&state.db).await
}

/// Saves the organisation's words. Admins only.
#[server(endpoint = "admin_update_organisation")]
pub async fn update_organisation(
    name: String,
    mission: String,
    vision: String,
    values: String,
) -> Result<(), AppError> {
    use crate::server::guard;
    let state = guard::state()?;
    let admin = guard::require_admin()?;
    let result = match Organisation::parse(&name, &mission, &vision, &values) {
        Ok(org) => {
            crate::content::store::save_organisation(&state.db, Some(admin.id), &org, false).await
        }
        Err(e) => Err(AppError::from(e)),
    };
    guard::redirect_result("/admin/organisation", &result, |_| {
        "/admin/organisation?saved=1".to_string()
    });
    result
}
