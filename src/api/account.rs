//! A person's own account: accepting an invitation, changing the password.

use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub name: String,
    pub email: String,
    /// The provider of the person's company, when one signs in their
    /// domain: its button is offered, and is the only way when `company_only`.
    pub company: Option<crate::api::sso::SsoButton>,
    /// Passwords are off for the person's domain: nothing to choose here.
    pub company_only: bool,
}

/// Who an invitation link is for. Anyone holding the link may ask.
#[server(endpoint = "invite_info")]
pub async fn invite_info(token: String) -> Result<Invitation, AppError> {
    use crate::server::{accounts, guard};
    let state = guard::state()?;
    let mut invitation = accounts::invite_user(&state.db, &token)
        .await?
        .ok_or_else(|| AppError::NotFound("This invitation link is not valid or has expired. Ask your administrator for a new one.".into()))?;
    if let Some(p) = crate::server::sso::providers::for_email(&state.db, &invitation.email).await? {
        invitation.company_only = p.passwords_off != 0;
        invitation.company = Some(crate::api::sso::SsoButton {
            slug: p.slug,
            label: p.label,
        });
    }
    Ok(invitation)
}

/// Sets the password of an invited person and signs them in.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{auth, guard};
    let state = guard::state()?;
    let req = guard::request()?;
    match auth::accept_invite(&state, &req, &token, &password, &confirm).await {
        Ok(cookie) => {
            guard::set_cookie(&cookie);
            guard::redirect("/?welcome=1");
            Ok(())
        }
        Err(e) => {
            guard::redirect(&guard::url_with(
                &format!("/invite/{}", guard::path_segment(&token)),
                &[("error", &e.to_string())],
            ));
            Err(e)
        }
    }
}

/// Changes the signed-in person's password. Every other session of theirs
/// is ended, so a stolen session does not outlive the change.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{auth, guard};
    let state = guard::state()?;
    let req = guard::request()?;
    let result = auth::change_password(&state, &req, &current, &password, &confirm).await;
    guard::redirect_result("/account", &result, |_| "/account?changed=1".into());
    result
}
